package dev.tempura.sandbox;

import dev.tempura.sandbox.StartLatencyHistograms.Buckets;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * One sampling interval of a run, as measured while it ran.
 *
 * @param startNanos when the interval began, on {@link System#nanoTime()}'s clock
 * @param endNanos when it ended
 * @param phase the phase in force at its end
 * @param tempuraStarts physical namespace → the StartWorkflowExecution calls Tempura sent there in
 *     the interval, as its latency histogram counted them
 * @param transitions physical namespace → state-changing calls its cluster's capacity limiter
 *     served in the interval
 */
record Sample(
    long startNanos,
    long endNanos,
    int phase,
    Map<String, Buckets> tempuraStarts,
    Map<String, Long> transitions) {

  private static final Buckets NONE = new Buckets(new double[0], new double[0]);

  Sample {
    tempuraStarts = Map.copyOf(tempuraStarts);
    transitions = Map.copyOf(transitions);
  }

  double seconds() {
    return (endNanos - startNanos) / 1e9;
  }

  /** Tempura's Start p95 towards {@code physicalNamespace} in this interval; empty with none. */
  OptionalDouble p95(String physicalNamespace) {
    return starts(physicalNamespace).quantileMillis(0.95);
  }

  Buckets starts(String physicalNamespace) {
    return tempuraStarts.getOrDefault(physicalNamespace, NONE);
  }

  double transitionsPerSecond(String physicalNamespace) {
    return transitions.getOrDefault(physicalNamespace, 0L) / seconds();
  }

  /**
   * Tempura's Start p95 towards {@code physicalNamespace} over the {@code window} intervals ending
   * with sample {@code last}, as a Prometheus query over a range would give it.
   */
  static OptionalDouble windowP95(
      List<Sample> samples, int last, int window, String physicalNamespace) {
    Buckets sum = NONE;
    for (int i = Math.max(0, last - window + 1); i <= last; i++) {
      sum = sum.plus(samples.get(i).starts(physicalNamespace));
    }
    return sum.quantileMillis(0.95);
  }
}
