package dev.tempura.sandbox;

import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.ScenarioResult.Row;
import dev.tempura.sandbox.ScenarioRunner.Phases;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Each phase's steady state (its last half, {@link Phases#steady}): workflows per second, the gain
 * the scenario is about, and the Start p95 the runner measured for the starts it sent then, which
 * the verdict reads. The first half of each phase is left out: in phase 1 cluster A's queue is
 * still filling, in phase 2 it is still draining what it held when B was added.
 *
 * <p>Workflows per second are the state transitions both clusters served in the steady half over
 * the {@value ScenarioRunner#TRANSITIONS_PER_WORKFLOW} each workflow makes, rather than a count of
 * completions: the runner's workflows, all started at once, finish in waves on a saturated cluster,
 * and a window of 20 s holds two or three waves depending on where it falls.
 *
 * @param phase1StartP95 nearest-rank p95 of the starts sent in phase 1's steady half, in ms
 * @param phase2StartP95 the same for phase 2
 */
record Throughput(
    double phase1PerSecond,
    double phase2PerSecond,
    OptionalDouble phase1StartP95,
    OptionalDouble phase2StartP95) {

  static Throughput of(List<Run> runs, List<Sample> samples, Phases phases) {
    long[] one = phases.steady(1);
    long[] two = phases.steady(2);
    return new Throughput(
        perSecond(samples, one[0], one[1]),
        perSecond(samples, two[0], two[1]),
        startP95(runs, one[0], one[1]),
        startP95(runs, two[0], two[1]));
  }

  /** Workflows a second over the samples that end within the window. */
  private static double perSecond(List<Sample> samples, long fromNanos, long toNanos) {
    long transitions = 0;
    double seconds = 0;
    for (Sample s : samples) {
      if (s.endNanos() > fromNanos && s.endNanos() <= toNanos) {
        for (long n : s.transitions().values()) {
          transitions += n;
        }
        seconds += s.seconds();
      }
    }
    return seconds == 0 ? 0 : transitions / seconds / ScenarioRunner.TRANSITIONS_PER_WORKFLOW;
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

  /** {@code Throughput: phase 1 X/s, phase 2 Y/s (×Z)}, workflows a second in the steady halves. */
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
