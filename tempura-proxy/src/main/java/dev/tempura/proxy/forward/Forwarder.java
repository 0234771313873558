package dev.tempura.proxy.forward;

import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.call.CallObserver;
import dev.tempura.proxy.call.Forwarded;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.call.Target;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.lifecycle.WorkflowRecorder;
import dev.tempura.proxy.placement.CrossBackendCommands;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.proxy.translate.Translation;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Calls about one workflow (or any one backend): resolve the backend, record the children a
 * completion starts, translate, relay the answer back translated. How the call ended goes to the
 * call's observers; nothing else happens here when it closes.
 */
public final class Forwarder {
  private final BackendResolver resolver;
  private final WorkflowRecorder recorder;
  private final CrossBackendCommands crossBackend;
  private final Translations translations;
  private final BackendChannels channels;
  private final BackendFaults faults;
  private final Executor offload;

  /**
   * @param offload runs what follows a store answer when the call did not come from an event loop
   *     (tests); on a loop it goes back to that loop
   */
  public Forwarder(
      BackendResolver resolver,
      WorkflowRecorder recorder,
      CrossBackendCommands crossBackend,
      Translations translations,
      BackendChannels channels,
      BackendFaults faults,
      Executor offload) {
    this.resolver = resolver;
    this.recorder = recorder;
    this.crossBackend = crossBackend;
    this.translations = translations;
    this.channels = channels;
    this.faults = faults;
    this.offload = offload;
  }

  /** Resolves the call's backend from its request fields, then forwards it there. */
  public void forward(ProxyCall call, RequestFields fields, VirtualNamespace vns) {
    MethodRoute route = call.route();
    call.trace().resolving();
    CompletableFuture<Target> target = resolver.resolve(route, fields, vns, call.trace());
    if (route.recordsChildren()) {
      target =
          target.thenCompose(
              t -> {
                // not waited for: reports signals and cancels to workflows on another backend
                crossBackend.check(fields, vns.name(), t.physical(), t.workflowId());
                return recorder.recordChildren(fields, vns.name(), t.physical()).thenApply(v -> t);
              });
    }
    whenDone(
        call,
        target,
        t -> {
          call.trace().resolved(t);
          forward(call, vns, t);
        });
  }

  /** Any one backend of {@code vns} answers: for calls about the cluster, not a workflow. */
  public void forwardToAny(ProxyCall call, VirtualNamespace vns) {
    forward(call, vns, Target.of(BackendResolver.anyBackend(vns)));
  }

  /** Sends the call to the target's backend and relays the answer, translated, to the client. */
  private void forward(ProxyCall call, VirtualNamespace vns, Target target) {
    MethodRoute route = call.route();
    PhysicalNamespace physical = target.physical();
    Translation t = translations.of(vns.name(), physical);
    byte[] request = translations.request(route, call.request(), t);
    Metadata headers = Translations.headersToBackend(call.headers(), physical.name());
    // created inside the client's context so its deadline and cancellation reach the backend
    ClientCall<byte[], byte[]> backendCall;
    try {
      backendCall =
          BackendCalls.open(
              channels.channel(physical.clusterAddress()),
              call.context(),
              route.method(),
              CallOptions.DEFAULT);
    } catch (RuntimeException e) {
      // Tempura's own failure for this backend, not the client's request: kept with the backend
      faults.failed(physical, BackendFaults.CALLS, e);
      throw Status.UNAVAILABLE
          .withDescription(
              "physical namespace "
                  + physical.id()
                  + " cannot be used now: "
                  + Scheduling.oneLine(e))
          .asRuntimeException();
    }
    faults.succeeded(physical, BackendFaults.CALLS);
    call.trace().forwarding(target, headers);
    BackendCalls.start(
        backendCall, request, headers, new Relay(call, t, target, request, System.nanoTime()));
  }

  /** Relays one backend answer to the client; gRPC calls these methods one at a time. */
  private final class Relay extends ClientCall.Listener<byte[]> {
    private final ProxyCall call;
    private final Translation translation;
    private final Target target;
    private final byte[] sentRequest;
    private final long sentNanos;
    private byte[] response;

    Relay(
        ProxyCall call,
        Translation translation,
        Target target,
        byte[] sentRequest,
        long sentNanos) {
      this.call = call;
      this.translation = translation;
      this.target = target;
      this.sentRequest = sentRequest;
      this.sentNanos = sentNanos;
    }

    @Override
    public void onHeaders(Metadata headers) {
      call.sendHeaders(ResponseHeaders.forClient(headers));
    }

    @Override
    public void onMessage(byte[] message) {
      byte[] out;
      try {
        out = translations.response(call.route(), message, translation, target.workflowId());
      } catch (RuntimeException e) {
        // a backend answer we cannot parse is a backend fault, not the client's
        call.close(
            Status.INTERNAL.withDescription(
                "unreadable response from " + translation.physical().id() + ": " + e.getMessage()),
            new Metadata());
        return;
      }
      response = message;
      call.sendMessage(out);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      call.trace().forwarded(status);
      CallObserver observers = call.observers();
      observers.forwarded(
          new Forwarded(
              call.route(),
              translation,
              target,
              status,
              trailers,
              System.nanoTime() - sentNanos,
              sentRequest,
              response));
      call.close(
          translations.status(status, translation), translations.trailers(trailers, translation));
    }
  }

  /**
   * Runs {@code next} when the future completes: inline if it already has; else back on the calling
   * event loop (the one serving the client's connection), so that the call is forwarded on the
   * backend channel of that loop and its answer relayed without another thread hand-over (see
   * {@link BackendChannels}); off a loop (tests, or no loops given), on the offload pool.
   */
  private <T> void whenDone(ProxyCall call, CompletableFuture<T> future, Consumer<T> next) {
    if (future.isDone()) {
      complete(call, future, next);
    } else {
      Executor loop = channels.currentLoop();
      future.whenCompleteAsync(
          (v, e) -> complete(call, future, next),
          call.context().fixedContextExecutor(loop != null ? loop : offload));
    }
  }

  private static <T> void complete(ProxyCall call, CompletableFuture<T> future, Consumer<T> next) {
    T value;
    try {
      value = future.join();
    } catch (RuntimeException e) {
      call.fail(e);
      return;
    }
    try {
      next.accept(value);
    } catch (RuntimeException e) {
      call.fail(e);
    }
  }
}
