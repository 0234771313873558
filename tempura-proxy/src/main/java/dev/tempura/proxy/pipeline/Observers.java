package dev.tempura.proxy.pipeline;

import dev.tempura.proxy.call.CallObserver;
import dev.tempura.proxy.call.CallObservers;
import dev.tempura.proxy.call.Forwarded;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.call.Target;
import dev.tempura.proxy.health.BackendHealth;
import dev.tempura.proxy.lifecycle.MappingLifecycle;
import dev.tempura.proxy.lifecycle.WorkflowRecorder;
import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.placement.BackendStats;
import dev.tempura.proxy.routing.LifecycleObserver;
import dev.tempura.proxy.routing.MetricLabel;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.TopologyService;
import io.grpc.Status;
import java.util.List;

/**
 * Everything that follows from how a call ended, in one list, in the order it runs. Adding a side
 * effect of a call's outcome means adding an observer here, not code in the relay.
 */
public final class Observers {
  private Observers() {}

  /**
   * The proxy's observers: request metrics, backend health, the adaptive policy's statistics, the
   * mappings kept for later, the mapping lifecycle.
   */
  public static CallObservers standard(
      TopologyService topology,
      ProxyMetrics metrics,
      BackendHealth health,
      BackendStats stats,
      WorkflowRecorder recorder,
      MappingLifecycle lifecycle) {
    return CallObservers.of(
        List.of(
            new RequestMetrics(topology, metrics),
            named(
                "backend health",
                f -> health.record(f.translation().physical(), f.status(), f.trailers())),
            named(
                "adaptive placement statistics",
                f -> {
                  String id = f.translation().physical().id();
                  stats.outcome(id, f.status().getCode());
                  if (f.route().kind() == RouteKind.PLACE_NEW) {
                    stats.startLatency(id, f.nanos());
                  }
                }),
            named(
                "late mappings",
                f -> {
                  Target t = f.target();
                  if (t.unrecorded() && t.workflowId() != null && holdsWorkflow(f.status())) {
                    recorder.recordLater(t.key(), t.physical().id());
                  }
                }),
            named(
                "mapping lifecycle",
                f -> {
                  if (f.status().isOk()
                      && f.response() != null
                      && f.route().lifecycle() != LifecycleObserver.NONE) {
                    lifecycle.observe(
                        f.route(),
                        f.request(),
                        f.response(),
                        f.target().key(),
                        f.target().physical());
                  }
                })));
  }

  /** A start answered OK, or "already started" by the backend it was placed on, is held there. */
  private static boolean holdsWorkflow(Status status) {
    return status.isOk() || status.getCode() == Status.Code.ALREADY_EXISTS;
  }

  /** Requests by virtual and physical namespace, method and status; Tempura's own failures too. */
  private static final class RequestMetrics implements CallObserver {
    private final TopologyService topology;
    private final ProxyMetrics metrics;

    RequestMetrics(TopologyService topology, ProxyMetrics metrics) {
      this.topology = topology;
      this.metrics = metrics;
    }

    @Override
    public void forwarded(Forwarded f) {
      MetricLabel label = f.route().metricLabel();
      boolean waiting = label.waits(f.request());
      metrics.request(
          f.translation().virtualName(),
          f.translation().physical(),
          label.operation(waiting),
          label.longPoll(waiting),
          f.status().getCode(),
          f.nanos());
    }

    @Override
    public void failed(ProxyCall call, Status status) {
      metrics.request(
          knownVirtualName(call),
          null,
          call.route().metricLabel().operation(call.route().metricLabel().waits(call.request())),
          false,
          status.getCode(),
          -1);
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

    @Override
    public String toString() {
      return "request metrics";
    }
  }

  private static CallObserver named(
      String name, java.util.function.Consumer<Forwarded> onForwarded) {
    return new CallObserver() {
      @Override
      public void forwarded(Forwarded call) {
        onForwarded.accept(call);
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }
}
