package dev.tempura.sandbox;

import dev.tempura.sandbox.Census.Found;
import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.LoadRecorder.StartFailure;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Predicate;

/**
 * What a sandbox run measured: per phase and physical namespace, workflows started and completed,
 * their share of the phase's starts, the start latency the runner saw and the one Tempura measured,
 * plus every reason the run failed. The verdict is the scenario's: every workflow completed, the
 * last phase ran on every physical namespace, and Start p95 was over the SLO on the first cluster
 * alone and came back under it once the second was added.
 *
 * @param phases the phase labels; phase {@code n} is {@code phases.get(n - 1)}
 * @param rows per phase, one row per physical namespace and then one for the whole phase
 * @param problems why the run failed; empty when it passed
 * @param slo the Start p95 the verdict read
 */
record ScenarioResult(List<String> phases, List<Row> rows, List<String> problems, SloCheck slo) {
  /** The {@link Row#physicalNamespace()} of the row that sums up a phase. */
  static final String ALL = "(all)";

  /** The {@link Row#physicalNamespace()} of workflows that no cluster knows. */
  static final String NOWHERE = "(not found)";

  private static final int EXAMPLES = 3;

  /**
   * @param completed started workflows whose client got their result and whose cluster reports them
   *     completed
   * @param share {@code started} over the phase's starts; 0 when the phase started none
   * @param startP50Millis start latency as the runner measured it, around the SDK's start call
   * @param tempuraStartP95Millis StartWorkflowExecution towards this backend as Tempura measured it
   *     (its latency histogram); empty when not known
   */
  record Row(
      int phase,
      String physicalNamespace,
      int started,
      int completed,
      double share,
      OptionalDouble startP50Millis,
      OptionalDouble startP95Millis,
      OptionalDouble tempuraStartP95Millis) {}

  /**
   * The SLO part of the verdict: the runner's Start p95 over the steady half of each phase.
   *
   * @param before phase 1 (first cluster alone): must be over the SLO, or the overload the scenario
   *     is about did not happen
   * @param after the last phase (both clusters): must be back within the SLO
   */
  record SloCheck(double sloMillis, OptionalDouble before, OptionalDouble after) {
    List<String> problems() {
      List<String> problems = new ArrayList<>();
      if (before.isEmpty()) {
        problems.add("no workflow started in phase 1's steady half, so no overload was measured");
      } else if (before.getAsDouble() <= sloMillis) {
        problems.add(
            String.format(
                Locale.ROOT,
                "cluster A alone was not overloaded: phase 1's steady Start p95 was %.0f ms, within"
                    + " the %.0f ms SLO (raise --concurrency or --service-time, or lower --shards)",
                before.getAsDouble(),
                sloMillis));
      }
      if (after.isEmpty()) {
        problems.add("no workflow started in phase 2's steady half");
      } else if (after.getAsDouble() > sloMillis) {
        problems.add(
            String.format(
                Locale.ROOT,
                "Start p95 did not come back under the %.0f ms SLO after cluster B was added:"
                    + " phase 2's steady Start p95 was %.0f ms (on a busy machine, CPU rather than"
                    + " the emulated capacity may be the limit)",
                sloMillis,
                after.getAsDouble()));
      }
      return problems;
    }

    /** {@code 230 ms with A alone, 95 ms with A and B (SLO 150 ms)}; for a passed run. */
    String summary() {
      return String.format(
          Locale.ROOT,
          "%.0f ms with A alone, %.0f ms with A and B (SLO %.0f ms)",
          before.orElse(Double.NaN),
          after.orElse(Double.NaN),
          sloMillis);
    }
  }

  ScenarioResult {
    phases = List.copyOf(phases);
    rows = List.copyOf(rows);
    problems = List.copyOf(problems);
  }

  boolean passed() {
    return problems.isEmpty();
  }

  int totalStarted() {
    return rows.stream()
        .filter(r -> r.physicalNamespace().equals(ALL))
        .mapToInt(Row::started)
        .sum();
  }

  /**
   * Tallies the runs by where the clusters found them.
   *
   * @param physicalNamespaces every physical namespace, in the order rows should list them
   * @param requiredInLastPhase the physical namespaces that must have run workflows in the last
   *     phase for the scale-out to count as shown
   * @param tempuraStartP95 phase → physical namespace (or {@link #ALL}) → Tempura's start p95; what
   *     is missing shows as unknown
   * @param slo the steady Start p95 before and after the scale-out, against the SLO
   */
  static ScenarioResult tally(
      List<String> phases,
      List<String> physicalNamespaces,
      List<Run> runs,
      List<StartFailure> startFailures,
      Map<String, List<Found>> where,
      List<String> requiredInLastPhase,
      Map<Integer, Map<String, OptionalDouble>> tempuraStartP95,
      SloCheck slo) {
    List<Row> rows = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int phase = 1; phase <= phases.size(); phase++) {
      int p = phase;
      List<Run> inPhase = runs.stream().filter(r -> r.phase() == p).toList();
      Map<String, OptionalDouble> tempura = tempuraStartP95.getOrDefault(phase, Map.of());
      for (String ns : physicalNamespaces) {
        rows.add(
            row(phase, ns, inPhase, r -> placedOn(where.get(r.workflowId()), ns), where, tempura));
      }
      Row nowhere =
          row(phase, NOWHERE, inPhase, r -> where.get(r.workflowId()).isEmpty(), where, tempura);
      if (nowhere.started() > 0) {
        rows.add(nowhere);
      }
      rows.add(row(phase, ALL, inPhase, r -> true, where, tempura));
      if (phase == phases.size()) {
        for (String ns : requiredInLastPhase) {
          if (inPhase.stream().noneMatch(r -> placedOn(where.get(r.workflowId()), ns))) {
            problems.add("phase " + phase + " ran no workflows on " + ns);
          }
        }
      }
    }
    if (runs.isEmpty()) {
      problems.add("no workflow was started");
    }
    report(
        problems,
        startFailures.stream().map(f -> f.workflowId() + ": " + f.message()).toList(),
        "workflow starts failed");
    report(
        problems,
        runs.stream()
            .filter(r -> where.get(r.workflowId()).isEmpty())
            .map(Run::workflowId)
            .toList(),
        "started workflows exist on no cluster");
    report(
        problems,
        runs.stream()
            .filter(r -> where.get(r.workflowId()).size() > 1)
            .map(r -> r.workflowId() + " on " + where.get(r.workflowId()))
            .toList(),
        "workflows exist on more than one cluster");
    report(
        problems,
        runs.stream()
            .filter(r -> !completed(r, where))
            .map(r -> r.workflowId() + ": " + whyNotCompleted(r, where.get(r.workflowId())))
            .toList(),
        "workflows did not complete");
    if (!runs.isEmpty()) {
      problems.addAll(slo.problems());
    }
    return new ScenarioResult(phases, rows, problems, slo);
  }

  private static Row row(
      int phase,
      String physicalNamespace,
      List<Run> inPhase,
      Predicate<Run> belongs,
      Map<String, List<Found>> where,
      Map<String, OptionalDouble> tempuraStartP95) {
    List<Run> runs = inPhase.stream().filter(belongs).toList();
    long[] latencies = runs.stream().mapToLong(Run::startLatencyNanos).sorted().toArray();
    return new Row(
        phase,
        physicalNamespace,
        runs.size(),
        (int) runs.stream().filter(r -> completed(r, where)).count(),
        inPhase.isEmpty() ? 0 : (double) runs.size() / inPhase.size(),
        percentileMillis(latencies, 0.50),
        percentileMillis(latencies, 0.95),
        tempuraStartP95.getOrDefault(physicalNamespace, OptionalDouble.empty()));
  }

  private static boolean placedOn(List<Found> found, String physicalNamespace) {
    return found.stream().anyMatch(f -> f.physicalNamespace().equals(physicalNamespace));
  }

  private static boolean completed(Run run, Map<String, List<Found>> where) {
    List<Found> found = where.get(run.workflowId());
    return run.outcome() == Outcome.COMPLETED
        && found.size() == 1
        && found.get(0).status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
  }

  private static String whyNotCompleted(Run run, List<Found> found) {
    if (run.outcome() != Outcome.COMPLETED) {
      return run.detail();
    }
    return "the client got its result but the clusters report " + found;
  }

  /** The nearest-rank percentile of {@code sorted}, in milliseconds. */
  static OptionalDouble percentileMillis(long[] sorted, double quantile) {
    if (sorted.length == 0) {
      return OptionalDouble.empty();
    }
    int rank = (int) Math.ceil(quantile * sorted.length);
    return OptionalDouble.of(sorted[Math.max(0, rank - 1)] / 1_000_000.0);
  }

  private static void report(List<String> problems, List<String> cases, String what) {
    if (cases.isEmpty()) {
      return;
    }
    List<String> examples = cases.subList(0, Math.min(EXAMPLES, cases.size()));
    problems.add(
        cases.size()
            + " "
            + what
            + ", e.g. "
            + String.join("; ", examples)
            + (cases.size() > EXAMPLES ? "; ..." : ""));
  }
}
