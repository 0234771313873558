package dev.tempura.sandbox;

import dev.tempura.sandbox.ScenarioRunner.Phases;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Says why an interval of the report has no new workflow, so that no empty bar or gap in a line is
 * left unexplained. Two reasons occur: after the load stopped the runner starts nothing while the
 * workflows in flight finish; before that, every one of the runner's slots was waiting for a
 * workflow it had started earlier (a closed loop: with a long queue at a cluster, starts and
 * completions come in waves, most visibly in the first seconds, when all slots start at once).
 */
final class NoStartIntervals {
  private NoStartIntervals() {}

  /** One sentence naming the runs of empty intervals and why; empty when there are none. */
  static String explain(ReportSeries s, Phases phases, int concurrency) {
    double stopped = phases.secondsAt(phases.loadEndNanos());
    List<String> drained = new ArrayList<>();
    List<String> waiting = new ArrayList<>();
    int empty = 0;
    int i = 0;
    while (i < s.x0.length) {
      if (s.sent[i] != 0) {
        i++;
        continue;
      }
      // the drain's interval begins at the last tick, a moment before the runner was stopped
      boolean afterStop = s.x1[i] > stopped;
      int j = i;
      while (j + 1 < s.x0.length && s.sent[j + 1] == 0 && (s.x1[j + 1] > stopped) == afterStop) {
        j++;
      }
      empty += j - i + 1;
      (afterStop ? drained : waiting)
          .add(String.format(Locale.ROOT, "%.0f-%.0fs", s.x0[i], s.x1[j]));
      i = j + 1;
    }
    if (empty == 0) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    if (!waiting.isEmpty()) {
      parts.add(
          String.join(", ", waiting)
              + String.format(
                  Locale.ROOT,
                  " (every one of the runner's %d slots was still waiting for a workflow it had"
                      + " started: the runner keeps -c workflows in flight and starts one only when"
                      + " one ends)",
                  concurrency));
    }
    if (!drained.isEmpty()) {
      parts.add(
          String.join(", ", drained)
              + " (after the load stopped: only the workflows in flight finishing)");
    }
    return String.format(
        Locale.ROOT,
        "No workflow was started in %d of %d intervals: %s.",
        empty,
        s.x0.length,
        String.join("; ", parts));
  }
}
