package dev.tempura.loadgen;

import java.time.Duration;
import org.HdrHistogram.Histogram;

/**
 * Latencies of a set of workflows. With no samples, {@code count} is 0 and every duration is zero.
 */
public record LatencyPercentiles(
    long count, Duration p50, Duration p95, Duration p99, Duration max, Duration mean) {

  private static final LatencyPercentiles EMPTY =
      new LatencyPercentiles(
          0, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);

  public static LatencyPercentiles empty() {
    return EMPTY;
  }

  /** From a histogram of nanoseconds. */
  static LatencyPercentiles of(Histogram nanos) {
    if (nanos.getTotalCount() == 0) {
      return EMPTY;
    }
    return new LatencyPercentiles(
        nanos.getTotalCount(),
        Duration.ofNanos(nanos.getValueAtPercentile(50)),
        Duration.ofNanos(nanos.getValueAtPercentile(95)),
        Duration.ofNanos(nanos.getValueAtPercentile(99)),
        Duration.ofNanos(nanos.getMaxValue()),
        Duration.ofNanos(Math.round(nanos.getMean())));
  }
}
