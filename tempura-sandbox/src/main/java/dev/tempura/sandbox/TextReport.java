package dev.tempura.sandbox;

import dev.tempura.sandbox.ScenarioResult.Row;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/** Renders a {@link ScenarioResult} as the plain-text table the sandbox prints. */
final class TextReport {
  private static final String FORMAT = "%-22s  %-18s  %7s  %9s  %6s  %9s  %9s  %11s%n";

  private TextReport() {}

  /**
   * The table, then {@code headline} (the throughput and start latency lines), then the verdict.
   */
  static void print(ScenarioResult result, List<String> headline, PrintWriter out) {
    out.printf(
        Locale.ROOT,
        FORMAT,
        "Phase",
        "Physical namespace",
        "Started",
        "Completed",
        "Share",
        "Start p50",
        "Start p95",
        "Tempura p95");
    int lastPhase = 0;
    for (Row row : result.rows()) {
      String phase = "";
      if (row.phase() != lastPhase) {
        phase = row.phase() + ": " + result.phases().get(row.phase() - 1);
        lastPhase = row.phase();
      }
      out.printf(
          Locale.ROOT,
          FORMAT,
          phase,
          row.physicalNamespace(),
          row.started(),
          row.completed(),
          String.format(Locale.ROOT, "%.0f%%", row.share() * 100),
          millis(row.startP50Millis()),
          millis(row.startP95Millis()),
          millis(row.tempuraStartP95Millis()));
    }
    out.println();
    for (String line : headline) {
      out.println(line);
    }
    if (!headline.isEmpty()) {
      out.println();
    }
    if (result.passed()) {
      out.printf(Locale.ROOT, "PASS: %s%n", passText(result));
    } else {
      out.println("FAIL:");
      for (String problem : result.problems()) {
        out.println("  - " + problem);
      }
    }
    out.flush();
  }

  /** What a passed run showed, in one sentence (the HTML report prints it too). */
  static String passText(ScenarioResult result) {
    return String.format(
        Locale.ROOT,
        "all %d workflows completed, phase 2 ran on every physical namespace, and the steady Start"
            + " p95 came back under the SLO after cluster B was added: %s",
        result.totalStarted(),
        result.slo().summary());
  }

  private static String millis(OptionalDouble value) {
    return value.isPresent() ? String.format(Locale.ROOT, "%.0f ms", value.getAsDouble()) : "-";
  }
}
