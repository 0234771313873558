package dev.tempura.proxy.call;

import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * The spans of one call, told when each stage of the pipeline begins and ends. Tracing is off
 * unless an OTLP endpoint is configured, and then every call carries {@link #OFF}: one shared
 * object whose methods do nothing, so the hot path allocates nothing and touches no OpenTelemetry
 * class (see {@code dev.tempura.proxy.trace}).
 *
 * <p>Called from whichever thread runs the stage, one stage after the other; {@link #ended} may
 * come at any point (the call failed, or the client went away) and ends whatever is still open.
 */
public interface CallTrace {
  /** Tracing off: nothing is recorded, and the backend gets the client's trace headers as sent. */
  CallTrace OFF = new CallTrace() {};

  /** The call's backend is about to be resolved (store lookup, placement, location). */
  default void resolving() {}

  /**
   * While resolving: a call to the mapping store begins ({@code operation}: {@code get} or {@code
   * put_if_absent}). At most one is open at a time.
   */
  default void storing(String operation) {}

  /** The store call begun last has answered, with {@code failure} if it failed. */
  default void stored(Throwable failure) {}

  /** The call's backend is known. */
  default void resolved(Target target) {}

  /**
   * The call is about to be sent to {@code target}'s backend with {@code backendHeaders}; a trace
   * that records spans replaces the W3C trace context in them with its own.
   */
  default void forwarding(Target target, Metadata backendHeaders) {}

  /** The backend answered with {@code status}. */
  default void forwarded(Status status) {}

  /** The call ended with {@code status}; only the first end counts. */
  default void ended(Status status) {}

  /**
   * Tells {@code trace} when the store call {@code answer} (begun after {@link #storing}) answers;
   * {@code answer} itself when tracing is off, so an untraced call allocates nothing here.
   */
  static <T> CompletableFuture<T> stored(CallTrace trace, CompletableFuture<T> answer) {
    return trace == OFF ? answer : answer.whenComplete((v, failure) -> trace.stored(failure));
  }
}
