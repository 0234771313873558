package dev.tempura.app.sandbox;

import dev.tempura.app.sandbox.ScenarioResult.Row;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.OptionalDouble;

/** Renders a {@link ScenarioResult} as the plain-text table the sandbox prints. */
final class TextReport {
  private static final String FORMAT = "%-22s  %-18s  %7s  %9s  %6s  %9s  %9s  %11s%n";

  private TextReport() {}

  /**
   * The table, then {@code headline} (the throughput and start latency lines), then the verdict.
   */
  static void print(ScenarioResult result, java.util.List<String> headline, PrintWriter out) {
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
      out.printf(
          Locale.ROOT,
          "PASS: all %d workflows completed, and the last phase ran on every physical namespace%n",
          result.totalStarted());
    } else {
      out.println("FAIL:");
      for (String problem : result.problems()) {
        out.println("  - " + problem);
      }
    }
    out.flush();
  }

  private static String millis(OptionalDouble value) {
    return value.isPresent() ? String.format(Locale.ROOT, "%.0f ms", value.getAsDouble()) : "-";
  }
}
