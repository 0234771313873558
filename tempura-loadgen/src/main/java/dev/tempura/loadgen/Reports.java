package dev.tempura.loadgen;

import java.time.Duration;
import java.util.Locale;

/** The runner's text output: one line per interval, a few lines of summary. */
final class Reports {
  private Reports() {}

  static String interval(IntervalStats s) {
    return String.format(
        Locale.ROOT,
        "[%s] starts %.1f/s completions %.1f/s failed %d in-flight %d | start %s | e2e %s",
        elapsed(s.elapsed()),
        s.startsPerSecond(),
        s.completionsPerSecond(),
        s.failed(),
        s.inFlight(),
        percentiles(s.startLatency(), false),
        percentiles(s.workflowLatency(), false));
  }

  static String summary(RunSummary s) {
    StringBuilder text = new StringBuilder();
    text.append(
        String.format(
            Locale.ROOT,
            "Summary after %s: started %d, completed %d, failed %d (%d at start), abandoned %d%n",
            elapsed(s.elapsed()),
            s.started(),
            s.completed(),
            s.failed(),
            s.startFailures(),
            s.abandoned()));
    text.append(
        String.format(
            Locale.ROOT,
            "  rate:             %.1f starts/s, %.1f completions/s%n",
            s.startsPerSecond(),
            s.completionsPerSecond()));
    text.append("  start latency:    ").append(percentiles(s.startLatency(), true)).append('\n');
    text.append("  workflow latency: ").append(percentiles(s.workflowLatency(), true)).append('\n');
    s.lastFailure().ifPresent(f -> text.append("  last failure:     ").append(f).append('\n'));
    return text.toString();
  }

  private static String percentiles(LatencyPercentiles p, boolean withMax) {
    if (p.count() == 0) {
      return "p50/p95/p99 -";
    }
    String text =
        "p50/p95/p99 " + millis(p.p50()) + "/" + millis(p.p95()) + "/" + millis(p.p99()) + " ms";
    return withMax ? text + ", max " + millis(p.max()) + " ms (" + p.count() + " samples)" : text;
  }

  private static String millis(Duration d) {
    double ms = d.toNanos() / 1e6;
    return String.format(Locale.ROOT, ms < 10 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms);
  }

  private static String elapsed(Duration d) {
    long seconds = d.toSeconds();
    return seconds < 60
        ? String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0)
        : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }
}
