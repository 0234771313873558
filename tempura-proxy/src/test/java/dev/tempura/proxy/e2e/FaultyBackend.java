package dev.tempura.proxy.e2e;

import dev.tempura.local.ForwardingServer;
import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Temporal frontend that can turn slow or stall: a {@link ForwardingServer} in front of a real
 * frontend (typically an in-memory TestServer) whose hook injects faults on demand. What is
 * forwarded, and how, is the ForwardingServer's.
 *
 * <p>Faults, all thread-safe and switchable at any time, are decided once, when a call arrives, in
 * this order:
 *
 * <ol>
 *   <li>{@link #stall(boolean) stalled}: the call is held, neither forwarded nor answered, until
 *       the client gives up (deadline or cancellation). When unstalled, held calls whose client is
 *       still waiting are dispatched then (failure, delay or forwarding as for a new call), like a
 *       cluster recovering from a pause and working off its queue. This matters for the SDK's long
 *       polls, whose ~70 s deadlines would otherwise keep a worker idle long after the stall.
 *   <li>{@link #failWith failure}: answered at once with that status, not forwarded.
 *   <li>{@link #delay delay}: forwarded after the delay for that method, or else the {@link
 *       #delayAll} delay. The wait runs on a scheduler, never on a gRPC thread.
 * </ol>
 *
 * Calls already forwarded or waiting out a delay are not affected by later changes.
 *
 * <p>Methods are named by their bare name ({@code "StartWorkflowExecution"}, {@code "Check"}) in
 * every API here; WorkflowService and the health service share no bare names.
 */
final class FaultyBackend implements AutoCloseable {
  private final ForwardingServer server;
  private final ScheduledThreadPoolExecutor scheduler;

  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final Map<String, Status> failures = new ConcurrentHashMap<>();
  private volatile Duration delayAll = Duration.ZERO;

  // stalled and held change together, so a call arriving while stall(false) runs is either held
  // and released by it, or not held at all
  private final Object stallLock = new Object();
  private boolean stalled;
  private final Set<ForwardingServer.Call> held = new LinkedHashSet<>();

  /** Starts forwarding to {@code target}, a "host:port" gRPC address of a Temporal frontend. */
  FaultyBackend(String target) {
    Objects.requireNonNull(target, "target");
    scheduler =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "faulty-backend-delays");
              t.setDaemon(true); // a test that forgets close() must not keep the JVM alive
              return t;
            });
    // a cleared delay should not keep its task (and the call it references) until it would run
    scheduler.setRemoveOnCancelPolicy(true);
    try {
      server = ForwardingServer.start(target, ByteMarshaller.INSTANCE, this::arrived);
    } catch (RuntimeException e) {
      scheduler.shutdownNow();
      throw e;
    }
  }

  /** "127.0.0.1:port" to point clients at. */
  String address() {
    return server.address();
  }

  /** The frontend calls are forwarded to. */
  String target() {
    return server.target();
  }

  /** Forwards {@code bareMethodName} calls only after {@code d}; zero exempts it from delayAll. */
  void delay(String bareMethodName, Duration d) {
    delays.put(Objects.requireNonNull(bareMethodName), nonNegative(d));
  }

  /** Forwards every call, of a method without its own {@link #delay}, only after {@code d}. */
  void delayAll(Duration d) {
    delayAll = nonNegative(d);
  }

  /** Removes all per-method delays and the delayAll delay. */
  void clearDelays() {
    delays.clear();
    delayAll = Duration.ZERO;
  }

  /**
   * Stalls (true) or resumes (false). While stalled, new calls, health checks included, are held
   * unanswered; calls already in flight carry on. Resuming dispatches the held calls still waiting.
   */
  void stall(boolean stall) {
    List<ForwardingServer.Call> release;
    synchronized (stallLock) {
      stalled = stall;
      if (stall) {
        return;
      }
      release = new ArrayList<>(held);
      held.clear();
    }
    // outside the lock: dispatching takes each call's own lock
    for (ForwardingServer.Call c : release) {
      dispatch(c);
    }
  }

  /** Whether new calls are being held. */
  boolean stalled() {
    synchronized (stallLock) {
      return stalled;
    }
  }

  /** Calls currently held by a stall whose client is still waiting. */
  int heldCalls() {
    synchronized (stallLock) {
      return held.size();
    }
  }

  /** Answers {@code bareMethodName} at once with {@code status} (not OK) instead of forwarding. */
  void failWith(String bareMethodName, Status status) {
    Objects.requireNonNull(bareMethodName);
    if (status.isOk()) {
      // an OK close without a message is itself an error for a unary call: say what you mean
      throw new IllegalArgumentException("failWith needs an error status, got OK");
    }
    failures.put(bareMethodName, status);
  }

  /** Removes all injected failures. */
  void clearFailures() {
    failures.clear();
  }

  /** How many calls of {@code bareMethodName} arrived, whatever then happened to them. */
  long calls(String bareMethodName) {
    AtomicLong n = calls.get(bareMethodName);
    return n == null ? 0 : n.get();
  }

  /** Stops serving; calls still open end with CANCELLED or UNAVAILABLE. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    server.close();
  }

  // ---------------------------------------------------------------------------------------------

  /** The hook: counts the call, then holds it while stalled, else dispatches it. */
  private void arrived(ForwardingServer.Call call) {
    calls.computeIfAbsent(call.bareMethodName(), k -> new AtomicLong()).incrementAndGet();
    synchronized (stallLock) {
      if (stalled) {
        // nothing is read, nothing answered; the client's cancellation ends it at its deadline
        held.add(call);
        call.whenCancelled(
            () -> {
              synchronized (stallLock) {
                held.remove(call);
              }
            });
        return;
      }
    }
    dispatch(call);
  }

  private void dispatch(ForwardingServer.Call call) {
    Status failure = failures.get(call.bareMethodName());
    if (failure != null) {
      call.fail(failure);
      return;
    }
    Duration d = delays.getOrDefault(call.bareMethodName(), delayAll);
    if (d.isZero()) {
      call.forward();
      return;
    }
    try {
      ScheduledFuture<?> start =
          scheduler.schedule(call::forward, d.toNanos(), TimeUnit.NANOSECONDS);
      call.whenCancelled(() -> start.cancel(false));
    } catch (RejectedExecutionException e) {
      call.fail(Status.UNAVAILABLE.withDescription("faulty backend closed"));
    }
  }

  private static Duration nonNegative(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative delay " + d);
    }
    return d;
  }
}
