package dev.tempura.proxy.metrics;

import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The data plane's own series. Meters are looked up in a map keyed by their labels, so a call costs
 * a hash lookup rather than a registry lookup; label values are bounded (namespaces, methods,
 * status codes).
 */
public final class ProxyMetrics {
  /** Bucket bounds for request latency: fine around the 150 ms Start SLO, coarse for long polls. */
  private static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(75), Duration.ofMillis(100),
    Duration.ofMillis(150), Duration.ofMillis(200), Duration.ofMillis(300), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30), Duration.ofSeconds(70)
  };

  private record RequestKey(String virtualNs, String physicalNs, String method, Status.Code code) {}

  private record BackendKey(String physicalNs, String method) {}

  private record PlacementKey(String virtualNs, String physicalNs) {}

  private record PollKey(String physicalNs, String kind) {}

  private final MeterRegistry registry;
  private final ConcurrentHashMap<RequestKey, Counter> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<BackendKey, Timer> latency = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PlacementKey, Counter> placements = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> delivered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> buffered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PollKey, Counter> dropped = new ConcurrentHashMap<>();

  public ProxyMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * One proxied call ended.
   *
   * @param physicalNs the physical namespace it went to, or "none" when it never got that far
   * @param backendNanos time from sending to the backend until its status, or -1 if not sent
   */
  public void request(
      String virtualNs, String physicalNs, String method, Status.Code code, long backendNanos) {
    requests
        .computeIfAbsent(
            new RequestKey(virtualNs, physicalNs, method, code),
            k ->
                Counter.builder("tempura_requests")
                    .description("Calls through the proxy by namespace, method and gRPC status")
                    .tag("virtual_namespace", k.virtualNs())
                    .tag("physical_namespace", k.physicalNs())
                    .tag("method", k.method())
                    .tag("status", k.code().name())
                    .register(registry))
        .increment();
    if (backendNanos >= 0) {
      latency
          .computeIfAbsent(
              new BackendKey(physicalNs, method),
              k ->
                  Timer.builder("tempura_backend_request_duration")
                      .description("Latency of calls to a backend, as the proxy measures it")
                      .tag("physical_namespace", k.physicalNs())
                      .tag("method", k.method())
                      .serviceLevelObjectives(LATENCY_BUCKETS)
                      .register(registry))
          .record(backendNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** A new workflow run started on a physical namespace. */
  public void placement(String virtualNs, String physicalNs) {
    placements
        .computeIfAbsent(
            new PlacementKey(virtualNs, physicalNs),
            k ->
                Counter.builder("tempura_placements")
                    .description(
                        "New workflow runs started, by the physical namespace they went to")
                    .tag("virtual_namespace", k.virtualNs())
                    .tag("physical_namespace", k.physicalNs())
                    .register(registry))
        .increment();
  }

  /** Registers a backend's poll counters at zero, so they are exposed before anything happens. */
  public void pollSeries(String physicalNs, String kind) {
    for (int i = 0; i < 3; i++) {
      count(
          i == 0 ? delivered : i == 1 ? buffered : dropped,
          i == 0
              ? "tempura_poll_tasks_delivered"
              : i == 1 ? "tempura_poll_tasks_buffered" : "tempura_poll_tasks_dropped",
          i == 0
              ? "Tasks handed from a backend poll to a client poll"
              : i == 1
                  ? "Tasks kept for a later client poll because theirs was already answered or gone"
                  : "Kept tasks no client poll took in time",
          physicalNs,
          kind,
          0);
    }
  }

  /** A polled task went straight to a waiting client poll. */
  public void taskDelivered(String physicalNs, String kind) {
    count(
        delivered,
        "tempura_poll_tasks_delivered",
        "Tasks handed from a backend poll to a client poll",
        physicalNs,
        kind);
  }

  /** A polled task found no waiting client poll and was kept for the next one. */
  public void taskBuffered(String physicalNs, String kind) {
    count(
        buffered,
        "tempura_poll_tasks_buffered",
        "Tasks kept for a later client poll because theirs was already answered or gone",
        physicalNs,
        kind);
  }

  /** A kept task found no taker in time; it will time out on its backend. */
  public void taskDropped(String physicalNs, String kind) {
    count(
        dropped,
        "tempura_poll_tasks_dropped",
        "Kept tasks no client poll took in time",
        physicalNs,
        kind);
  }

  private void count(
      ConcurrentHashMap<PollKey, Counter> map,
      String name,
      String help,
      String physicalNs,
      String kind) {
    count(map, name, help, physicalNs, kind, 1);
  }

  private void count(
      ConcurrentHashMap<PollKey, Counter> map,
      String name,
      String help,
      String physicalNs,
      String kind,
      double amount) {
    map.computeIfAbsent(
            new PollKey(physicalNs, kind),
            k ->
                Counter.builder(name)
                    .description(help)
                    .tag("physical_namespace", k.physicalNs())
                    .tag("kind", k.kind())
                    .register(registry))
        .increment(amount);
  }
}
