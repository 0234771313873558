package dev.tempura.app.sandbox;

import dev.tempura.app.sandbox.LoadRecorder.Outcome;
import dev.tempura.app.sandbox.LoadRecorder.Run;
import dev.tempura.app.sandbox.ScenarioResult.Row;
import dev.tempura.app.sandbox.ScenarioRunner.Phases;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Workflows completed per second in each phase: the gain the scenario is about. Phase 1 is counted
 * from its first completion (before it, every slot waits for its first workflow, which says nothing
 * about the cluster) until namespace-b's add; phase 2 from then until the load stopped.
 */
record Throughput(double phase1PerSecond, double phase2PerSecond) {

  static Throughput of(List<Run> runs, Phases phases) {
    long firstCompletion =
        runs.stream()
            .filter(r -> r.outcome() == Outcome.COMPLETED)
            .mapToLong(Run::finishedNanos)
            .filter(t -> t >= phases.t0Nanos())
            .min()
            .orElse(phases.t0Nanos());
    return new Throughput(
        perSecond(runs, Math.min(firstCompletion, phases.switchNanos()), phases.switchNanos()),
        perSecond(runs, phases.switchNanos(), phases.loadEndNanos()));
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

  /** {@code Throughput: phase 1 X/s, phase 2 Y/s (×Z)}. */
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

  /** {@code Start p50/p95: phase 1 A/B ms, phase 2 C/D ms}, as the runner measured the starts. */
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
    return out.toString();
  }

  private static String ms(OptionalDouble v) {
    return v.isPresent() ? String.format(Locale.ROOT, "%.0f", v.getAsDouble()) : "-";
  }
}
