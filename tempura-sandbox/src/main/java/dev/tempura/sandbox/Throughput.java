package dev.tempura.sandbox;

import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.ScenarioResult.Row;
import dev.tempura.sandbox.ScenarioRunner.Phases;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Each phase's steady state (its last half, {@link Phases#steady}): workflows completed per second,
 * the gain the scenario is about, and the Start p95 the runner measured for the starts it sent
 * then, which the verdict reads. The first half of each phase is left out: in phase 1 cluster A's
 * queue is still filling, in phase 2 it is still draining what it held when B was added.
 *
 * @param phase1StartP95 nearest-rank p95 of the starts sent in phase 1's steady half, in ms
 * @param phase2StartP95 the same for phase 2
 */
record Throughput(
    double phase1PerSecond,
    double phase2PerSecond,
    OptionalDouble phase1StartP95,
    OptionalDouble phase2StartP95) {

  static Throughput of(List<Run> runs, Phases phases) {
    long[] one = phases.steady(1);
    long[] two = phases.steady(2);
    return new Throughput(
        perSecond(runs, one[0], one[1]),
        perSecond(runs, two[0], two[1]),
        startP95(runs, one[0], one[1]),
        startP95(runs, two[0], two[1]));
  }

  private static double perSecond(List<Run> runs, long fromNanos, long toNanos) {
    if (toNanos <= fromNanos) {
      return 0;
    }
    long n =
        runs.stream()
            .filter(r -> r.outcome() == Outcome.COMPLETED)
            .filter(r -> r.finishedNanos() >= fromNanos && r.finishedNanos() < toNanos)
            .count();
    return n / ((toNanos - fromNanos) / 1e9);
  }

  private static OptionalDouble startP95(List<Run> runs, long fromNanos, long toNanos) {
    long[] sorted =
        runs.stream()
            .filter(r -> r.sentNanos() >= fromNanos && r.sentNanos() < toNanos)
            .mapToLong(Run::startLatencyNanos)
            .sorted()
            .toArray();
    return ScenarioResult.percentileMillis(sorted, 0.95);
  }

  /** What the text and HTML summaries print under the table, one line each. */
  List<String> lines(Phases phases, ScenarioResult result, Duration slo) {
    long[] one = phases.steady(1);
    long[] two = phases.steady(2);
    return List.of(
        String.format(
            Locale.ROOT,
            "Steady state: the last half of each phase (phase 1 %.0f-%.0fs, phase 2 %.0f-%.0fs"
                + " since the load started)",
            phases.secondsAt(one[0]),
            phases.secondsAt(one[1]),
            phases.secondsAt(two[0]),
            phases.secondsAt(two[1])),
        line(),
        steadyStartLine(slo),
        startLine(result));
  }

  /**
   * {@code Throughput: phase 1 X/s, phase 2 Y/s (×Z)}, workflows completed in the steady halves.
   */
  String line() {
    String gain =
        phase1PerSecond > 0
            ? String.format(Locale.ROOT, "×%.1f", phase2PerSecond / phase1PerSecond)
            : "× -";
    return String.format(
        Locale.ROOT,
        "Throughput: phase 1 %.1f/s, phase 2 %.1f/s (%s)",
        phase1PerSecond,
        phase2PerSecond,
        gain);
  }

  /** {@code Steady Start p95: phase 1 X ms, phase 2 Y ms (SLO 150 ms)}. */
  String steadyStartLine(Duration slo) {
    return String.format(
        Locale.ROOT,
        "Steady Start p95: phase 1 %s ms, phase 2 %s ms (SLO %s)",
        ms(phase1StartP95),
        ms(phase2StartP95),
        ScenarioRunner.millis(slo));
  }

  /** {@code Start p50/p95: phase 1 A/B ms, phase 2 C/D ms}, over whole phases. */
  static String startLine(ScenarioResult result) {
    StringBuilder out = new StringBuilder("Start p50/p95:");
    for (Row row : result.rows()) {
      if (row.physicalNamespace().equals(ScenarioResult.ALL)) {
        out.append(row.phase() == 1 ? " phase 1 " : ", phase " + row.phase() + " ")
            .append(ms(row.startP50Millis()))
            .append('/')
            .append(ms(row.startP95Millis()))
            .append(" ms");
      }
    }
    return out.append(" (whole phases)").toString();
  }

  private static String ms(OptionalDouble v) {
    return v.isPresent() ? String.format(Locale.ROOT, "%.0f", v.getAsDouble()) : "-";
  }
}
