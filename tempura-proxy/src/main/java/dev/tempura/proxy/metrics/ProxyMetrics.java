package dev.tempura.proxy.metrics;

import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The data plane's own series. Meters are looked up in a map keyed by their labels, so a call costs
 * a hash lookup rather than a registry lookup; label values are bounded (namespaces, operations,
 * status codes).
 *
 * <p>Labels follow Temporal's own metrics (docs/operations.md, "Metrics"): {@code namespace} is the
 * virtual namespace (what clients and the SDK's metrics call the namespace), {@code operation} the
 * RPC as Temporal's frontend names it, and every per-backend series names its backend by {@code
 * physical_namespace} and {@code cluster_address} together, since two clusters may both hold a
 * namespace of the same name.
 */
public final class ProxyMetrics {
  /** Label values of a call that never reached a backend. */
  public static final String NONE = "none";

  /** Bucket bounds for request latency: fine around the 150 ms Start SLO. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(75), Duration.ofMillis(100),
    Duration.ofMillis(150), Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30), Duration.ofSeconds(70)
  };

  /** Long polls end when something happens or after about a minute: coarse buckets. */
  private static final Duration[] LONG_POLL_BUCKETS = {
    Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(70),
    Duration.ofSeconds(120)
  };

  private record RequestKey(
      String namespace,
      String physicalNs,
      ClusterAddress cluster,
      String operation,
      Status.Code code) {}

  private record LatencyKey(
      String namespace, String physicalNs, ClusterAddress cluster, String operation) {}

  private record BackendKey(String namespace, String physicalNs, ClusterAddress cluster) {}

  private record PollKey(String physicalNs, ClusterAddress cluster, String kind) {}

  private final MeterRegistry registry;
  private final ConcurrentHashMap<RequestKey, Counter> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<LatencyKey, Timer> latency = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<LatencyKey, Timer> longPolls = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<BackendKey, Counter> placements = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> delivered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> buffered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> dropped = new ConcurrentHashMap<>();

  public ProxyMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The {@code cluster_address} label of a backend, {@value #NONE} for none. */
  private static String cluster(ClusterAddress a) {
    return a == null ? NONE : a.toString();
  }

  /**
   * One proxied call ended.
   *
   * @param namespace the virtual namespace, or {@value #NONE} / "unknown"
   * @param backend the physical namespace it went to, or null when it never got that far
   * @param operation the RPC as Temporal names it ({@code dev.tempura.proxy.routing.MetricLabel})
   * @param longPoll whether the call waits for something to happen: its time goes to {@code
   *     tempura_backend_long_request_duration_seconds}, not to request latency
   * @param backendNanos time from sending to the backend until its status, or -1 if not sent
   */
  public void request(
      String namespace,
      PhysicalNamespace backend,
      String operation,
      boolean longPoll,
      Status.Code code,
      long backendNanos) {
    String physical = backend == null ? NONE : backend.name();
    ClusterAddress address = backend == null ? null : backend.clusterAddress();
    requests
        .computeIfAbsent(
            new RequestKey(namespace, physical, address, operation, code),
            k ->
                Counter.builder("tempura_requests")
                    .description(
                        "Calls through the proxy by namespace, backend, operation and gRPC status")
                    .tag("namespace", k.namespace())
                    .tag("physical_namespace", k.physicalNs())
                    .tag("cluster_address", cluster(k.cluster()))
                    .tag("operation", k.operation())
                    .tag("status", k.code().name())
                    .register(registry))
        .increment();
    if (backendNanos >= 0) {
      LatencyKey key = new LatencyKey(namespace, physical, address, operation);
      (longPoll ? longPolls : latency)
          .computeIfAbsent(
              key,
              k ->
                  Timer.builder(
                          longPoll
                              ? "tempura_backend_long_request_duration"
                              : "tempura_backend_request_duration")
                      .description(
                          longPoll
                              ? "Duration of long polls sent to a backend (kept out of request"
                                  + " latency, as Temporal does)"
                              : "Latency of calls to a backend, as the proxy measures it; long"
                                  + " polls excluded")
                      .tag("namespace", k.namespace())
                      .tag("physical_namespace", k.physicalNs())
                      .tag("cluster_address", cluster(k.cluster()))
                      .tag("operation", k.operation())
                      .serviceLevelObjectives(longPoll ? LONG_POLL_BUCKETS : LATENCY_BUCKETS)
                      .register(registry))
          .record(backendNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A new workflow run started on a physical namespace. */
  public void placement(String namespace, PhysicalNamespace backend) {
    placements
        .computeIfAbsent(
            new BackendKey(namespace, backend.name(), backend.clusterAddress()),
            k ->
                Counter.builder("tempura_placements")
                    .description("New workflow runs started, by the backend they went to")
                    .tag("namespace", k.namespace())
                    .tag("physical_namespace", k.physicalNs())
                    .tag("cluster_address", cluster(k.cluster()))
                    .register(registry))
        .increment();
  }

  /** Registers a backend's poll counters at zero, so they are exposed before anything happens. */
  public void pollSeries(PhysicalNamespace backend, String kind) {
    count(delivered, DELIVERED, DELIVERED_HELP, backend, kind, 0);
    count(buffered, BUFFERED, BUFFERED_HELP, backend, kind, 0);
    count(dropped, DROPPED, DROPPED_HELP, backend, kind, 0);
  }

  private static final String DELIVERED = "tempura_poll_tasks_delivered";
  private static final String DELIVERED_HELP =
      "Tasks handed from a backend poll straight to a waiting client poll (sync match)";
  private static final String BUFFERED = "tempura_poll_tasks_buffered";
  private static final String BUFFERED_HELP =
      "Tasks kept for a later client poll because theirs was already answered or gone (async)";
  private static final String DROPPED = "tempura_poll_tasks_dropped";
  private static final String DROPPED_HELP = "Kept tasks no client poll took in time";

  /** A polled task went straight to a waiting client poll. */
  public void taskDelivered(PhysicalNamespace backend, String kind) {
    count(delivered, DELIVERED, DELIVERED_HELP, backend, kind, 1);
  }

  /** A polled task found no waiting client poll and was kept for the next one. */
  public void taskBuffered(PhysicalNamespace backend, String kind) {
    count(buffered, BUFFERED, BUFFERED_HELP, backend, kind, 1);
  }

  /** A kept task found no taker in time; it will time out on its backend. */
  public void taskDropped(PhysicalNamespace backend, String kind) {
    count(dropped, DROPPED, DROPPED_HELP, backend, kind, 1);
  }

  private void count(
      ConcurrentHashMap<PollKey, Counter> map,
      String name,
      String help,
      PhysicalNamespace backend,
      String kind,
      double amount) {
    map.computeIfAbsent(
            new PollKey(backend.name(), backend.clusterAddress(), kind),
            k ->
                Counter.builder(name)
                    .description(help)
                    .tag("physical_namespace", k.physicalNs())
                    .tag("cluster_address", cluster(k.cluster()))
                    .tag("kind", k.kind())
                    .register(registry))
        .increment(amount);
  }
}
