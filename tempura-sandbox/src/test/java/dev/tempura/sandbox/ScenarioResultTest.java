package dev.tempura.sandbox;

import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.sandbox.Census.Found;
import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.LoadRecorder.StartFailure;
import dev.tempura.sandbox.ScenarioResult.Row;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ScenarioResultTest {
  private static final List<String> PHASES = List.of("a only", "b added");
  private static final List<String> NAMESPACES = List.of("ns-a", "ns-b");

  private final Map<String, List<Found>> where = new HashMap<>();

  @Test
  void tally_everyWorkflowCompletedAndBothInLastPhase_passesWithRowsPerNamespace() {
    List<Run> runs =
        List.of(
            completed("w1", 1, 10, "ns-a"),
            completed("w2", 1, 30, "ns-a"),
            completed("w3", 2, 20, "ns-a"),
            completed("w4", 2, 40, "ns-b"));

    ScenarioResult r = tally(runs, List.of());

    assertThat(r.passed()).as("%s", r.problems()).isTrue();
    assertThat(r.rows())
        .containsExactly(
            new Row(1, "ns-a", 2, 2, 1.0, ms(10), ms(30), ms(35)),
            new Row(1, "ns-b", 0, 0, 0.0, none(), none(), none()),
            new Row(1, ScenarioResult.ALL, 2, 2, 1.0, ms(10), ms(30), ms(35)),
            new Row(2, "ns-a", 1, 1, 0.5, ms(20), ms(20), none()),
            new Row(2, "ns-b", 1, 1, 0.5, ms(40), ms(40), ms(45)),
            new Row(2, ScenarioResult.ALL, 2, 2, 1.0, ms(20), ms(40), none()));
    assertThat(r.totalStarted()).isEqualTo(4);
  }

  @Test
  void tally_lastPhaseOnOneNamespace_fails() {
    ScenarioResult r =
        tally(List.of(completed("w1", 1, 1, "ns-a"), completed("w2", 2, 1, "ns-a")), List.of());

    assertThat(r.problems()).containsExactly("phase 2 ran no workflows on ns-b");
  }

  @Test
  void tally_workflowNotCompletedOrMisplaced_failsNamingIt() {
    List<Run> runs =
        List.of(
            completed("w1", 2, 1, "ns-a"),
            completed("w2", 2, 1, "ns-b"),
            new Run("stuck", 2, 1_000_000L, Outcome.UNFINISHED, "no result within PT2M"),
            new Run("twice", 2, 1_000_000L, Outcome.COMPLETED, null),
            new Run("lost", 2, 1_000_000L, Outcome.COMPLETED, null));
    where.put("stuck", List.of(new Found("ns-a", WORKFLOW_EXECUTION_STATUS_RUNNING)));
    where.put(
        "twice",
        List.of(
            new Found("ns-a", WORKFLOW_EXECUTION_STATUS_COMPLETED),
            new Found("ns-b", WORKFLOW_EXECUTION_STATUS_COMPLETED)));
    where.put("lost", List.of());

    ScenarioResult r = tally(runs, List.of(new StartFailure("w9", 2, "UNAVAILABLE")));

    assertThat(r.passed()).isFalse();
    assertThat(r.problems())
        .anySatisfy(p -> assertThat(p).startsWith("1 workflow starts failed, e.g. w9: UNAVAILABLE"))
        .anySatisfy(
            p -> assertThat(p).startsWith("1 started workflows exist on no cluster, e.g. lost"))
        .anySatisfy(
            p -> assertThat(p).startsWith("1 workflows exist on more than one cluster, e.g. twice"))
        .anySatisfy(p -> assertThat(p).contains("stuck: no result within PT2M"));
    assertThat(r.rows())
        .contains(new Row(2, ScenarioResult.NOWHERE, 1, 0, 0.2, ms(1), ms(1), none()));
  }

  @Test
  void tally_startP95StillOverSloAfterScaleOut_failsSayingSo() {
    ScenarioResult r = tally(bothPhasesOnBoth(), List.of(), slo(400, 230));

    assertThat(r.passed()).isFalse();
    assertThat(r.problems())
        .containsExactly(
            "Start p95 did not come back under the 150 ms SLO after cluster B was added: phase 2's"
                + " steady Start p95 was 230 ms (on a busy machine, CPU rather than the emulated"
                + " capacity may be the limit)");
  }

  @Test
  void tally_firstClusterNeverOverloaded_failsSayingSo() {
    ScenarioResult r = tally(bothPhasesOnBoth(), List.of(), slo(120, 60));

    assertThat(r.problems())
        .singleElement()
        .asString()
        .startsWith(
            "cluster A alone was not overloaded: phase 1's steady Start p95 was 120 ms, within the"
                + " 150 ms SLO");
  }

  @Test
  void tally_noStartInASteadyHalf_fails() {
    ScenarioResult r =
        tally(
            bothPhasesOnBoth(),
            List.of(),
            new ScenarioResult.SloCheck(150, OptionalDouble.empty(), OptionalDouble.empty()));

    assertThat(r.problems())
        .containsExactly(
            "no workflow started in phase 1's steady half, so no overload was measured",
            "no workflow started in phase 2's steady half");
  }

  @Test
  void tally_overThenUnder_passesAndSaysBoth() {
    ScenarioResult r = tally(bothPhasesOnBoth(), List.of(), slo(230, 95));

    assertThat(r.passed()).as("%s", r.problems()).isTrue();
    assertThat(r.slo().summary()).isEqualTo("230 ms with A alone, 95 ms with A and B (SLO 150 ms)");
    assertThat(TextReport.passText(r)).startsWith("all 4 workflows completed");
  }

  @Test
  void percentileMillis_nearestRank() {
    long[] sorted = new long[20];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = (i + 1) * 1_000_000L;
    }

    assertThat(ScenarioResult.percentileMillis(sorted, 0.50)).isEqualTo(OptionalDouble.of(10));
    assertThat(ScenarioResult.percentileMillis(sorted, 0.95)).isEqualTo(OptionalDouble.of(19));
    assertThat(ScenarioResult.percentileMillis(new long[0], 0.95)).isEmpty();
  }

  private List<Run> bothPhasesOnBoth() {
    return List.of(
        completed("w1", 1, 10, "ns-a"),
        completed("w2", 1, 30, "ns-a"),
        completed("w3", 2, 20, "ns-a"),
        completed("w4", 2, 40, "ns-b"));
  }

  private ScenarioResult tally(List<Run> runs, List<StartFailure> startFailures) {
    return tally(runs, startFailures, slo(200, 100));
  }

  private static ScenarioResult.SloCheck slo(double before, double after) {
    return new ScenarioResult.SloCheck(150, ms(before), ms(after));
  }

  private ScenarioResult tally(
      List<Run> runs, List<StartFailure> startFailures, ScenarioResult.SloCheck slo) {
    return ScenarioResult.tally(
        PHASES,
        NAMESPACES,
        runs,
        startFailures,
        where,
        NAMESPACES,
        Map.of(
            1, Map.of("ns-a", ms(35), ScenarioResult.ALL, ms(35)),
            2, Map.of("ns-b", ms(45))),
        slo);
  }

  private Run completed(String id, int phase, long latencyMillis, String on) {
    where.put(id, List.of(new Found(on, WORKFLOW_EXECUTION_STATUS_COMPLETED)));
    return new Run(id, phase, latencyMillis * 1_000_000L, Outcome.COMPLETED, null);
  }

  private static OptionalDouble ms(double millis) {
    return OptionalDouble.of(millis);
  }

  private static OptionalDouble none() {
    return OptionalDouble.empty();
  }
}
