package dev.tempura.proxy.forward;

import dev.tempura.proxy.aggregate.NamespaceWideHandler;
import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.lifecycle.MappingLifecycle;
import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.poll.PollDispatcher;
import dev.tempura.proxy.routing.LifecycleObserver;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.proxy.translate.Translation;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The whole life of a proxied call, in order: read the namespace, pick the backend, translate,
 * forward, translate back. Polls leave the pipeline at the second step for the {@link
 * PollDispatcher}.
 */
public final class ProxyPipeline {
  private final TopologyService topology;
  private final BackendResolver resolver;
  private final dev.tempura.proxy.health.BackendHealth health;
  private final dev.tempura.proxy.placement.BackendStats stats;
  private final Translations translations;
  private final BackendChannels channels;
  private final PollDispatcher polls;
  private final WorkflowRecorder recorder;
  private final MappingLifecycle lifecycle;
  private final ProxyMetrics metrics;
  private final Executor offload;
  private final Set<ProxyCall> inFlight = ConcurrentHashMap.newKeySet();
  private final NamespaceWideHandler aggregates;
  private final dev.tempura.proxy.security.CallGuard guard;

  /**
   * Wires a pipeline; the parts are shared with the rest of the proxy. {@code guard} holds the
   * authorization and rate limits every call must pass before it is routed ({@link
   * dev.tempura.proxy.security.CallGuard#NONE} for none).
   */
  public static ProxyPipeline create(
      TopologyService topology,
      dev.tempura.store.MappingStore mappings,
      dev.tempura.proxy.placement.PlacementPolicies placement,
      dev.tempura.proxy.health.BackendHealth health,
      dev.tempura.proxy.placement.BackendStats stats,
      dev.tempura.proxy.locate.WorkflowLocator locator,
      Translations translations,
      BackendChannels channels,
      PollDispatcher polls,
      WorkflowRecorder recorder,
      MappingLifecycle lifecycle,
      ProxyMetrics metrics,
      dev.tempura.proxy.routing.RoutingTable routes,
      Executor offload,
      dev.tempura.proxy.security.CallGuard guard) {
    return new ProxyPipeline(
        guard,
        topology,
        new BackendResolver(mappings, placement, health, locator, recorder),
        health,
        stats,
        translations,
        channels,
        polls,
        recorder,
        lifecycle,
        metrics,
        routes,
        mappings,
        locator,
        offload);
  }

  private ProxyPipeline(
      dev.tempura.proxy.security.CallGuard guard,
      TopologyService topology,
      BackendResolver resolver,
      dev.tempura.proxy.health.BackendHealth health,
      dev.tempura.proxy.placement.BackendStats stats,
      Translations translations,
      BackendChannels channels,
      PollDispatcher polls,
      WorkflowRecorder recorder,
      MappingLifecycle lifecycle,
      ProxyMetrics metrics,
      dev.tempura.proxy.routing.RoutingTable routes,
      dev.tempura.store.MappingStore mappings,
      dev.tempura.proxy.locate.WorkflowLocator locator,
      Executor offload) {
    this.guard = guard;
    this.metrics = metrics;
    this.aggregates =
        new NamespaceWideHandler(
            topology,
            translations,
            new dev.tempura.proxy.backend.BackendCaller(channels),
            routes,
            mappings,
            locator,
            (call, namespace) -> guard.maySee(call::identity, namespace),
            this::fail);
    this.topology = topology;
    this.resolver = resolver;
    this.health = health;
    this.stats = stats;
    this.translations = translations;
    this.channels = channels;
    this.polls = polls;
    this.recorder = recorder;
    this.lifecycle = lifecycle;
    this.offload = offload;
  }

  public void handle(ProxyCall call) {
    inFlight.add(call);
    call.context().addListener(ended -> inFlight.remove(call), Runnable::run);
    try {
      MethodRoute route = call.route();
      // the one pass over the request's bytes: checks its top level, reads what routing needs
      RequestFields fields = route.read(call.request());
      // who may use the namespace the body names, and its rate limit: before anything else reads
      // the topology, so a refused client learns nothing about the namespace
      call.identifyWith(guard.identities());
      guard.check(route, fields.namespace(), call::identity);
      if ((route.kind() == RouteKind.NAMESPACE_WIDE || route.kind() == RouteKind.NO_NAMESPACE)
          && aggregates.handle(call)) {
        return;
      }
      if (route.kind() == RouteKind.NO_NAMESPACE) {
        VirtualNamespace vns = virtualForClusterCall(call);
        forward(call, vns, Target.of(BackendResolver.anyBackend(vns)));
        return;
      }
      VirtualNamespace vns = requireVirtual(fields.namespace());
      if (route.kind() == RouteKind.POLL) {
        polls.poll(call, vns);
        return;
      }
      CompletableFuture<Target> target = resolver.resolve(route, fields, vns);
      if (route.recordsChildren()) {
        target =
            target.thenCompose(
                t -> recorder.recordChildren(fields, vns.name(), t.physical()).thenApply(v -> t));
      }
      whenDone(call, target, t -> forward(call, vns, t));
    } catch (RuntimeException e) {
      fail(call, e);
    }
  }

  /** Sends the call to {@code physical} and relays the answer, translated, to the client. */
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
      health.faults().failed(physical, dev.tempura.proxy.health.BackendFaults.CALLS, e);
      throw Status.UNAVAILABLE
          .withDescription(
              "physical namespace "
                  + physical.id()
                  + " cannot be used now: "
                  + dev.tempura.proxy.backend.Scheduling.oneLine(e))
          .asRuntimeException();
    }
    health.faults().succeeded(physical, dev.tempura.proxy.health.BackendFaults.CALLS);
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
      long nanos = System.nanoTime() - sentNanos;
      metrics.request(
          translation.virtualName(),
          translation.physical().name(),
          call.route().bareMethodName(),
          status.getCode(),
          nanos);
      health.record(translation.physical(), status, trailers);
      stats.outcome(translation.physical().id(), status.getCode());
      if (call.route().kind() == RouteKind.PLACE_NEW) {
        stats.startLatency(translation.physical().id(), nanos);
      }
      if (target.unrecorded() && target.workflowId() != null && holdsWorkflow(status)) {
        recorder.recordLater(target.key(), target.physical().id());
      }
      if (status.isOk() && response != null && call.route().lifecycle() != LifecycleObserver.NONE) {
        lifecycle.observe(call.route(), sentRequest, response, target.key(), target.physical());
      }
      call.close(
          translations.status(status, translation), translations.trailers(trailers, translation));
    }
  }

  /** A start answered OK, or "already started" by the backend it was placed on, is held there. */
  private static boolean holdsWorkflow(Status status) {
    return status.isOk() || status.getCode() == Status.Code.ALREADY_EXISTS;
  }

  private VirtualNamespace requireVirtual(String name) {
    if (name == null || name.isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Namespace not set on request.")
          .asRuntimeException();
    }
    return topology.virtualNamespace(name).orElseThrow(() -> Errors.namespaceNotFound(name));
  }

  /**
   * Cluster-level calls name no namespace in the body; the SDK still sends its namespace header,
   * which picks the cluster. Without it, the first virtual namespace answers.
   */
  private VirtualNamespace virtualForClusterCall(ProxyCall call) {
    Topology t = topology.current();
    String header = call.headers().get(Translations.NAMESPACE_HEADER);
    if (header != null) {
      VirtualNamespace vns = t.virtualNamespaces().get(header);
      if (vns != null && !vns.physicalNamespaces().isEmpty()) {
        return vns;
      }
    }
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      if (!vns.physicalNamespaces().isEmpty()) {
        return vns;
      }
    }
    throw Status.UNAVAILABLE
        .withDescription("no physical namespace is configured yet")
        .asRuntimeException();
  }

  /**
   * Runs {@code next} when the future completes: inline if it already has; else back on the calling
   * event loop (the one serving the client's connection), so that the call is forwarded on the
   * backend channel of that loop and its answer relayed without another thread hand-over (see
   * {@link BackendChannels}); off a loop (tests, or no loops given), on the offload pool.
   */
  private <T> void whenDone(
      ProxyCall call, CompletableFuture<T> future, java.util.function.Consumer<T> next) {
    if (future.isDone()) {
      complete(call, future, next);
    } else {
      Executor loop = channels.currentLoop();
      future.whenCompleteAsync(
          (v, e) -> complete(call, future, next),
          call.context().fixedContextExecutor(loop != null ? loop : offload));
    }
  }

  private <T> void complete(
      ProxyCall call, CompletableFuture<T> future, java.util.function.Consumer<T> next) {
    T value;
    try {
      value = future.join();
    } catch (RuntimeException e) {
      fail(call, e);
      return;
    }
    try {
      next.accept(value);
    } catch (RuntimeException e) {
      fail(call, e);
    }
  }

  /** The call's virtual namespace if it is one we serve; never a client's arbitrary string. */
  private String knownVirtualName(ProxyCall call) {
    if (call.route().namespacePath() == null) {
      return "none";
    }
    try {
      String name = WireFields.string(call.request(), call.route().namespacePath());
      return name != null && topology.virtualNamespace(name).isPresent() ? name : "unknown";
    } catch (RuntimeException malformed) {
      return "unknown";
    }
  }

  /**
   * Ends every call still in flight with UNAVAILABLE, which SDKs retry (against another replica
   * behind the load balancer, or this one once it is back). Used at the end of a graceful stop.
   */
  public int abortInFlight() {
    return abortInFlight(Long.MAX_VALUE);
  }

  /**
   * As {@link #abortInFlight()}, but only for calls with more than {@code minRemainingNanos} left
   * before their deadline: long polls (history waits, update polls) that would otherwise hold a
   * stopping proxy for a minute.
   */
  public int abortLongPolls(long minRemainingNanos) {
    return abortInFlight(minRemainingNanos);
  }

  private int abortInFlight(long minRemainingNanos) {
    int n = 0;
    for (ProxyCall call : inFlight) {
      io.grpc.Deadline d = call.context().getDeadline();
      if (minRemainingNanos != Long.MAX_VALUE
          && (d == null
              ? false
              : d.timeRemaining(java.util.concurrent.TimeUnit.NANOSECONDS) <= minRemainingNanos)) {
        continue;
      }
      if (call.close(
          Status.UNAVAILABLE.withDescription("Tempura is shutting down; retry the call"),
          new Metadata())) {
        n++;
      }
    }
    return n;
  }

  private void fail(ProxyCall call, Throwable error) {
    StatusRuntimeException s = Errors.toStatus(error);
    if (call.close(s.getStatus(), Errors.trailersOf(s))) {
      metrics.request(
          knownVirtualName(call),
          "none",
          call.route().bareMethodName(),
          s.getStatus().getCode(),
          -1);
    }
  }
}
