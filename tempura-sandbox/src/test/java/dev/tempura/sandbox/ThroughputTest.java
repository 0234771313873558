package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.ScenarioRunner.Phases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ThroughputTest {
  private static final long S = 1_000_000_000L;

  /** Load from 0 s, B added at 10 s, load stopped at 20 s: steady halves 5-10 s and 15-20 s. */
  private static final Phases PHASES = new Phases(0, 10 * S, 10 * S, 20 * S, 21 * S);

  @Test
  void of_countsStateTransitionsInTheSteadyHalvesOnly() {
    List<Sample> samples = new ArrayList<>();
    for (int end = 1; end <= 20; end++) {
      boolean two = end > 10;
      // the unsteady first halves carry far more, to show they are left out
      long perBackend = end <= 5 || end > 10 && end <= 15 ? 1_000 : 22;
      samples.add(
          new Sample(
              (end - 1) * S,
              end * S,
              two ? 2 : 1,
              Map.of(),
              Map.of("namespace-a", perBackend, "namespace-b", two ? perBackend : 0L)));
    }
    // the drain, after the load stopped
    samples.add(new Sample(20 * S, 21 * S, 2, Map.of(), Map.of("namespace-a", 500L)));

    Throughput t = Throughput.of(List.of(), samples, PHASES);

    assertThat(t.phase1PerSecond()).isEqualTo(1.0);
    assertThat(t.phase2PerSecond()).isEqualTo(2.0);
    assertThat(t.line()).isEqualTo("Throughput: phase 1 1.0/s, phase 2 2.0/s (×2.0)");
  }

  @Test
  void of_startP95IsThatOfTheStartsSentInEachSteadyHalf() {
    List<Run> runs =
        List.of(
            run(1, 300), // phase 1, before its steady half
            run(6, 200),
            run(9, 180),
            run(12, 900), // phase 2, before its steady half
            run(16, 60),
            run(19, 90));

    Throughput t = Throughput.of(runs, List.of(), PHASES);

    assertThat(t.phase1StartP95()).isEqualTo(OptionalDouble.of(200));
    assertThat(t.phase2StartP95()).isEqualTo(OptionalDouble.of(90));
    assertThat(t.steadyStartLine(java.time.Duration.ofMillis(150)))
        .isEqualTo("Steady Start p95: phase 1 200 ms, phase 2 90 ms (SLO 150 ms)");
  }

  private static Run run(long sentSecond, long latencyMillis) {
    long sent = sentSecond * S;
    return new Run(
        "w" + sentSecond,
        sentSecond < 10 ? 1 : 2,
        sent,
        latencyMillis * 1_000_000,
        sent + S,
        Outcome.COMPLETED,
        null);
  }
}
