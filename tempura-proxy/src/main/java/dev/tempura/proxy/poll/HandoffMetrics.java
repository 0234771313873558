package dev.tempura.proxy.poll;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How long polled tasks waited in Tempura before a client poll took them, and how many went from
 * one replica to another.
 */
final class HandoffMetrics {
  /** How a task reached its client poll. */
  enum Path {
    /** A poll was parked when the backend answered. */
    DIRECT("direct"),
    /** Kept in this replica until a poll came. */
    KEPT("kept"),
    /** Held by another replica, taken from the store's pool. */
    ACROSS("across");

    final String label;

    Path(String label) {
      this.label = label;
    }
  }

  /** 1 s is a bucket bound: "no task waited longer than a second" can be read off exactly. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
    Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
    Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(10),
    Duration.ofSeconds(30), Duration.ofSeconds(60)
  };

  private record HoldKey(String kind, Path path) {}

  private record AcrossKey(String kind, String direction) {}

  private final MeterRegistry registry;
  private final ConcurrentHashMap<HoldKey, Timer> holds = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<AcrossKey, Counter> across = new ConcurrentHashMap<>();

  HandoffMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** A task was handed to a client poll {@code nanos} after its backend handed it to Tempura. */
  void handedOut(String kind, Path path, long nanos) {
    holds
        .computeIfAbsent(
            new HoldKey(kind, path),
            k ->
                Timer.builder("tempura_poll_task_hold_duration")
                    .description(
                        "Time from a backend handing a task to Tempura to a client poll taking it")
                    .tag("kind", k.kind())
                    .tag("path", k.path().label)
                    .serviceLevelObjectives(BUCKETS)
                    .register(registry))
        .record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** A task went to the other replicas ({@code out}) or came from them ({@code in}). */
  void across(String kind, boolean out) {
    across
        .computeIfAbsent(
            new AcrossKey(kind, out ? "out" : "in"),
            k ->
                Counter.builder("tempura_poll_tasks_handed_across")
                    .description(
                        "Tasks held with no poll waiting here, handed through the store to a"
                            + " replica where one waits (out), or taken from there (in)")
                    .tag("kind", k.kind())
                    .tag("direction", k.direction())
                    .register(registry))
        .increment();
  }
}
