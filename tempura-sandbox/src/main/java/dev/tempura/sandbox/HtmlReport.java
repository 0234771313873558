package dev.tempura.sandbox;

import dev.tempura.sandbox.Census.Found;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.ScenarioResult.Row;
import dev.tempura.sandbox.ScenarioRunner.Phases;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.DoubleFunction;

/**
 * The sandbox's report: one self-contained HTML file (inline CSS and SVG, no script, no external
 * resource) with the run's charts over time, where new workflows landed, Start p95 against the SLO,
 * throughput and each cluster's state transitions, and the summary table.
 *
 * <p>Long on purpose: it is the one place that lays out the report page, chart by chart in the
 * order the page reads (inline CSS and SVG, no templating library); split, one page's layout would
 * be scattered over files that only make sense together.
 */
final class HtmlReport {
  private static final DateTimeFormatter FILE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT).withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter SHOWN_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT)
          .withZone(ZoneId.systemDefault());
  private static final Map<String, String> COLORS =
      Map.of(ScenarioRunner.NAMESPACE_A, "#4e79a7", ScenarioRunner.NAMESPACE_B, "#f28e2b");

  /** The Start p95 chart's y axis ends at this many SLOs at most. */
  private static final double P95_CAP_SLOS = 3;

  private static final String NO_START_COLOR = "#dddddd";
  private static final String BAND_COLOR = "#f1f6ec";
  private static final String SLO_COLOR = "#d62728";

  /** Everything the report shows. */
  record Data(
      SandboxSettings settings,
      Instant startedAt,
      Duration wallTime,
      List<String> transcript,
      List<String> findings,
      Phases phases,
      List<Sample> samples,
      List<Run> runs,
      Map<String, List<Found>> where,
      ScenarioResult result) {}

  private HtmlReport() {}

  /** Writes {@code report-<timestamp>.html} into {@code dir}, creating it; answers the file. */
  static Path write(Path dir, Data data) throws IOException {
    Files.createDirectories(dir);
    String stem = "report-" + FILE_TIME.format(data.startedAt());
    Path file = dir.resolve(stem + ".html");
    for (int n = 2; Files.exists(file); n++) {
      file = dir.resolve(stem + "-" + n + ".html");
    }
    Files.writeString(file, render(data));
    return file;
  }

  static String render(Data d) {
    ReportSeries s = ReportSeries.of(d);
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        .append("<title>Tempura sandbox: scale-out scenario, ")
        .append(esc(SHOWN_TIME.format(d.startedAt())))
        .append("</title>\n<style>\n")
        .append(
            "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;"
                + "max-width:980px;color:#222;padding:0 1em}\n"
                + "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}\n"
                + "table{border-collapse:collapse;font-size:.9em}\n"
                + "th,td{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:right}\n"
                + "th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}\n"
                + "tr.all td{font-weight:600}\n"
                + "pre{background:#f6f8fa;padding:.8em;overflow-x:auto;font-size:.85em}\n"
                // the admin calls' curl lines are long: wrapped, not scrolled
                + "pre.steps{white-space:pre-wrap;overflow-wrap:anywhere}\n"
                + ".pass{color:#2ca02c}.fail{color:#d62728}\n"
                + ".note{color:#555;font-size:.9em}\n"
                + "svg{width:100%;height:auto;font-size:11px}\n"
                + "svg text{fill:#333}\n")
        .append("</style>\n</head>\n<body>\n");

    html.append("<h1>Tempura sandbox: the scale-out scenario</h1>\n");
    ScenarioResult r = d.result();
    if (r.passed()) {
      html.append("<p class=\"pass\"><strong>PASS</strong>: ")
          .append(esc(TextReport.passText(r)))
          .append(".</p>\n");
    } else {
      html.append("<p class=\"fail\"><strong>FAIL</strong></p>\n<ul>\n");
      for (String problem : r.problems()) {
        html.append("<li>").append(esc(problem)).append("</li>\n");
      }
      html.append("</ul>\n");
    }
    SandboxSettings cfg = d.settings();
    html.append("<p>Run ")
        .append(esc(SHOWN_TIME.format(d.startedAt())))
        .append(", ")
        .append(esc(ScenarioRunner.seconds(d.wallTime())))
        .append(" in all. Virtual namespace <code>")
        .append(ScenarioRunner.VIRTUAL_NAMESPACE)
        .append("</code>; runner <code>-c ")
        .append(cfg.concurrency())
        .append(" -t ")
        .append(ScenarioRunner.WORKFLOW_TYPE)
        .append(" '")
        .append(esc(ScenarioRunner.INPUT))
        .append("'</code>. Each cluster: ")
        .append(cfg.shards())
        .append(" emulated shards, a start holding one for ")
        .append(esc(ScenarioRunner.millis(cfg.startServiceTime())))
        .append(" and any other state-changing call for ")
        .append(esc(ScenarioRunner.millis(cfg.serviceTime())))
        .append(": ")
        .append(fmt("%.0f", cfg.capacityPerSecond()))
        .append(" state transitions/s, about ")
        .append(fmt("%.1f", cfg.workflowsPerSecond()))
        .append(" workflows/s. Placement: ")
        .append(esc(cfg.placement()))
        .append(". SLO: Start p95 &le; ")
        .append(esc(ScenarioRunner.millis(cfg.slo())))
        .append(". Samples every ")
        .append(esc(ScenarioRunner.seconds(cfg.interval())))
        .append(".</p>\n");
    html.append(
        "<p class=\"note\">Clusters A and B are in-memory Temporal test servers, each behind a"
            + " capacity limiter that makes every state-changing call (start, signal, task"
            + " completion) hold one of a fixed number of &ldquo;shard&rdquo; permits for a fixed"
            + " time (short for a start, long for the rest). This is an <strong>emulation of shard-lock contention, not Temporal's real"
            + " behaviour</strong>: it reproduces the symptom the scenario is about (past a fixed"
            + " throughput, start latency climbs) and nothing else.</p>\n");

    html.append("<h2>Steps</h2>\n<pre class=\"steps\">");
    for (String line : d.transcript()) {
      html.append(esc(line)).append('\n');
    }
    html.append("</pre>\n");
    for (String finding : d.findings()) {
      html.append("<p>").append(esc(finding)).append("</p>\n");
    }

    double added = d.phases().secondsAt(d.phases().addedNanos());
    double stopped = d.phases().secondsAt(d.phases().loadEndNanos());
    double xMax = s.x1[s.x1.length - 1];

    html.append("<h2>Where new workflows landed</h2>\n")
        .append(
            "<p class=\"note\">Share of the workflows started in each interval, by the physical"
                + " namespace DescribeWorkflowExecution found them on.</p>\n");
    Chart share = new Chart("Share of new workflows per backend", xMax, 100, v -> fmt("%.0f%%", v));
    List<String[]> shareLegend = legend(false);
    String gaps = NoStartIntervals.explain(s, d.phases(), cfg.concurrency());
    if (!gaps.isEmpty()) {
      shareLegend.add(new String[] {"no new workflow (see below)", NO_START_COLOR, "box"});
      share.beginSeries("no start");
      for (int i = 0; i < s.x0.length; i++) {
        if (s.sent[i] == 0) {
          share.bar(s.x0[i], s.x1[i], 0, 100, NO_START_COLOR);
        }
      }
      share.endSeries();
    }
    // no steady bands here: the bars fill the whole height and would hide them
    share.legend(shareLegend);
    share.marker(added, "namespace-b added");
    share.marker(stopped, "load stopped");
    for (String ns : ScenarioRunner.NAMESPACES) {
      share.beginSeries(ns);
      for (int i = 0; i < s.x0.length; i++) {
        double below = 0;
        for (String other : ScenarioRunner.NAMESPACES) {
          if (other.equals(ns)) {
            break;
          }
          below += s.share.get(other)[i];
        }
        share.bar(
            s.x0[i], s.x1[i], below * 100, (below + s.share.get(ns)[i]) * 100, COLORS.get(ns));
      }
      share.endSeries();
    }
    html.append(share.render());
    if (!gaps.isEmpty()) {
      html.append("<p class=\"note\">").append(esc(gaps)).append("</p>\n");
    }

    html.append("<h2>Start p95 over time</h2>\n")
        .append(
            "<p class=\"note\">StartWorkflowExecution p95 of the starts sent in each interval, one"
                + " line per backend (the one the census found the workflow on), as the runner"
                + " measured each start around the SDK's call: exact, with no histogram buckets."
                + " A gap is an interval in which that backend got no start (see the intervals"
                + " with no new workflow above). A point above the top of the chart is drawn at the"
                + " top with its value. Shaded: the steady"
                + " half of each phase, which the verdict reads. Tempura's own measure"
                + " (<code>")
        .append(StartLatencyHistograms.METRIC)
        .append(
            "</code>, the progress lines and the table's Tempura p95) is interpolated inside"
                + " its histogram buckets (100, 150, 200, 300 ms, ...) as Prometheus'"
                + " <code>histogram_quantile</code> does, so it can read tens of ms off.</p>\n");
    double slo = cfg.sloMillis();
    // capped, so that one stall of a busy machine does not flatten the rest against the SLO line;
    // values above the cap are drawn at the top with their value written beside
    double p95Max = slo * 1.5;
    for (String ns : ScenarioRunner.NAMESPACES) {
      p95Max = Math.max(p95Max, Math.min(max(s.startP95.get(ns)), slo * P95_CAP_SLOS));
    }
    Chart p95 = new Chart("Start p95", xMax, niceCeiling(p95Max), v -> fmt("%.0f ms", v));
    List<String[]> p95Legend = legend(true);
    p95Legend.add(new String[] {"SLO " + ScenarioRunner.millis(cfg.slo()), SLO_COLOR, "dash"});
    p95.legend(p95Legend);
    steadyBands(p95, d.phases());
    p95.marker(added, "namespace-b added");
    p95.marker(stopped, "load stopped");
    p95.hline(slo, "SLO " + ScenarioRunner.millis(cfg.slo()), SLO_COLOR);
    for (String ns : ScenarioRunner.NAMESPACES) {
      p95.line(ns, s.x1, s.startP95.get(ns), COLORS.get(ns), false);
    }
    html.append(p95.render());

    html.append("<h2>Throughput</h2>\n")
        .append(
            "<p class=\"note\">Workflows completed per second, by the backend they ran on"
                + " (stacked).</p>\n");
    double tpMax = 0;
    for (int i = 0; i < s.x0.length; i++) {
      double sum = 0;
      for (String ns : ScenarioRunner.NAMESPACES) {
        sum += s.completedPerSecond.get(ns)[i];
      }
      tpMax = Math.max(tpMax, sum);
    }
    Chart tp =
        new Chart(
            "Workflows completed per second",
            xMax,
            niceCeiling(Math.max(1, tpMax)),
            v -> fmt("%.0f/s", v));
    tp.legend(legend(false));
    steadyBands(tp, d.phases());
    tp.marker(added, "namespace-b added");
    tp.marker(stopped, "load stopped");
    for (String ns : ScenarioRunner.NAMESPACES) {
      tp.beginSeries(ns);
      for (int i = 0; i < s.x0.length; i++) {
        double below = 0;
        for (String other : ScenarioRunner.NAMESPACES) {
          if (other.equals(ns)) {
            break;
          }
          below += s.completedPerSecond.get(other)[i];
        }
        tp.bar(s.x0[i], s.x1[i], below, below + s.completedPerSecond.get(ns)[i], COLORS.get(ns));
      }
      tp.endSeries();
    }
    html.append(tp.render());

    html.append("<h2>State transitions per cluster</h2>\n")
        .append(
            "<p class=\"note\">State-changing calls each cluster's capacity limiter served per"
                + " second (the scenario's <code>state_transition_count</code>), against the"
                + " emulated capacity.</p>\n");
    double capacity = cfg.capacityPerSecond();
    double trMax = capacity * 1.2;
    for (String ns : ScenarioRunner.NAMESPACES) {
      trMax = Math.max(trMax, max(s.transitionsPerSecond.get(ns)));
    }
    Chart tr =
        new Chart("State transitions per second", xMax, niceCeiling(trMax), v -> fmt("%.0f/s", v));
    List<String[]> trLegend = legend(true);
    trLegend.add(new String[] {"capacity per cluster", SLO_COLOR, "dash"});
    tr.legend(trLegend);
    steadyBands(tr, d.phases());
    tr.marker(added, "namespace-b added");
    tr.marker(stopped, "load stopped");
    tr.hline(capacity, fmt("capacity %.0f/s", capacity), SLO_COLOR);
    for (String ns : ScenarioRunner.NAMESPACES) {
      tr.line(ns, s.x1, s.transitionsPerSecond.get(ns), COLORS.get(ns), false);
    }
    html.append(tr.render());

    html.append("<h2>Summary</h2>\n")
        .append(
            "<p class=\"note\">Per phase and physical namespace, by where the census found each"
                + " workflow. Phase 2 counts the starts sent from the moment namespace-b's add was"
                + " sent. Start p50/p95: as the runner measured each start; Tempura p95: its"
                + " histogram over the phase.</p>\n")
        .append("<table>\n<tr><th>Phase</th><th>Physical namespace</th><th>Started</th>")
        .append("<th>Completed</th><th>Share</th><th>Start p50</th><th>Start p95</th>")
        .append("<th>Tempura p95</th></tr>\n");
    int lastPhase = 0;
    for (Row row : r.rows()) {
      String phase = "";
      if (row.phase() != lastPhase) {
        phase = row.phase() + ": " + r.phases().get(row.phase() - 1);
        lastPhase = row.phase();
      }
      html.append(
              row.physicalNamespace().equals(ScenarioResult.ALL) ? "<tr class=\"all\">" : "<tr>")
          .append("<td>")
          .append(esc(phase))
          .append("</td>")
          .append("<td>")
          .append(esc(row.physicalNamespace()))
          .append("</td>")
          .append("<td>")
          .append(row.started())
          .append("</td>")
          .append("<td>")
          .append(row.completed())
          .append("</td>")
          .append("<td>")
          .append(fmt("%.0f%%", row.share() * 100))
          .append("</td>")
          .append("<td>")
          .append(ms(row.startP50Millis()))
          .append("</td>")
          .append("<td>")
          .append(ms(row.startP95Millis()))
          .append("</td>")
          .append("<td>")
          .append(ms(row.tempuraStartP95Millis()))
          .append("</td></tr>\n");
    }
    html.append("</table>\n");
    html.append("<p class=\"headline\">");
    List<String> headline =
        Throughput.of(d.runs(), d.samples(), d.phases()).lines(d.phases(), r, cfg.slo());
    for (int i = 0; i < headline.size(); i++) {
      html.append(i == 0 ? "" : "<br>").append(esc(headline.get(i)));
    }
    html.append("</p>\n");

    html.append("<h2>Samples</h2>\n")
        .append(
            "<p class=\"note\">Per interval: Start p95 per backend as the runner measured it"
                + " (the chart's lines), then as Tempura's histogram gave it live (interpolated in"
                + " its buckets: what the progress lines and phase 1's SLO check read).</p>\n")
        .append("<table>\n<tr><th>End (s)</th><th>Phase</th>");
    for (String ns : ScenarioRunner.NAMESPACES) {
      html.append("<th>").append(ns).append(" p95</th>");
    }
    for (String ns : ScenarioRunner.NAMESPACES) {
      html.append("<th>").append(ns).append(" p95 (Tempura)</th>");
    }
    for (String ns : ScenarioRunner.NAMESPACES) {
      html.append("<th>").append(ns).append(" starts</th>");
    }
    html.append("<th>Completed/s</th>");
    for (String ns : ScenarioRunner.NAMESPACES) {
      html.append("<th>").append(ns).append(" transitions/s</th>");
    }
    html.append("</tr>\n");
    for (int i = 0; i < s.x0.length; i++) {
      html.append("<tr><td>")
          .append(fmt("%.1f", s.x1[i]))
          .append("</td><td>")
          .append(d.samples().get(i).phase())
          .append("</td>");
      for (String ns : ScenarioRunner.NAMESPACES) {
        html.append("<td>").append(ms(s.startP95.get(ns)[i])).append("</td>");
      }
      for (String ns : ScenarioRunner.NAMESPACES) {
        html.append("<td>").append(ms(s.tempuraP95.get(ns)[i])).append("</td>");
      }
      double completed = 0;
      for (String ns : ScenarioRunner.NAMESPACES) {
        html.append("<td>").append(s.starts.get(ns)[i]).append("</td>");
        completed += s.completedPerSecond.get(ns)[i];
      }
      html.append("<td>").append(fmt("%.1f", completed)).append("</td>");
      for (String ns : ScenarioRunner.NAMESPACES) {
        html.append("<td>").append(fmt("%.0f", s.transitionsPerSecond.get(ns)[i])).append("</td>");
      }
      html.append("</tr>\n");
    }
    html.append("</table>\n</body>\n</html>\n");
    return html.toString();
  }

  /** The steady half of each phase, shaded: what the verdict and the throughput line read. */
  private static void steadyBands(Chart chart, Phases phases) {
    for (int phase = 1; phase <= 2; phase++) {
      long[] steady = phases.steady(phase);
      chart.band(
          phases.secondsAt(steady[0]), phases.secondsAt(steady[1]), "phase " + phase + " steady");
    }
  }

  private static List<String[]> legend(boolean lines) {
    List<String[]> entries = new ArrayList<>();
    for (String ns : ScenarioRunner.NAMESPACES) {
      entries.add(new String[] {ns, COLORS.get(ns), lines ? "line" : "box"});
    }
    return entries;
  }

  /** A time chart in inline SVG: seconds since the load started on x. */
  private static final class Chart {
    private static final int WIDTH = 940;
    private static final int HEIGHT = 280;
    private static final int LEFT = 64;
    private static final int RIGHT = 16;
    private static final int TOP = 34;
    private static final int BOTTOM = 34;

    private final String title;
    private final double xMax;
    private final double yMax;
    private final StringBuilder body = new StringBuilder();
    private final StringBuilder overlay = new StringBuilder();
    private final DoubleFunction<String> yLabel;

    Chart(String title, double xMax, double yMax, DoubleFunction<String> yLabel) {
      this.title = title;
      this.xMax = xMax <= 0 ? 1 : xMax;
      this.yMax = yMax <= 0 ? 1 : yMax;
      this.yLabel = yLabel;
    }

    private double px(double x) {
      return LEFT + x / xMax * (WIDTH - LEFT - RIGHT);
    }

    private double py(double y) {
      return TOP + (HEIGHT - TOP - BOTTOM) * (1 - Math.min(y, yMax) / yMax);
    }

    /** A shaded span behind the data, labelled on top of it under the markers' labels. */
    void band(double x0, double x1, String label) {
      if (!(x1 > x0)) {
        return;
      }
      body.append(
          fmt(
              "<rect class=\"band\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\""
                  + " fill=\"%s\"/>",
              px(x0), TOP, px(x1) - px(x0), HEIGHT - TOP - BOTTOM, BAND_COLOR));
      overlay.append(
          fmt(
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#4f7a32\">%s</text>",
              (px(x0) + px(x1)) / 2, TOP + 22, esc(label)));
    }

    void beginSeries(String name) {
      body.append("<g class=\"series\" data-series=\"").append(esc(name)).append("\">");
    }

    void endSeries() {
      body.append("</g>\n");
    }

    void bar(double x0, double x1, double y0, double y1, String color) {
      if (!(y1 > y0)) {
        return;
      }
      double left = px(x0) + 1;
      double width = Math.max(1, px(x1) - px(x0) - 2);
      body.append(
          fmt(
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
              left, py(y1), width, py(y0) - py(y1), color));
    }

    /** A polyline through the points, broken where a value is NaN, with a dot on each point. */
    void line(String name, double[] xs, double[] ys, String color, boolean dashed) {
      line(name, xs, ys, color, dashed, true);
    }

    void line(String name, double[] xs, double[] ys, String color, boolean dashed, boolean marks) {
      beginSeries(name);
      StringBuilder points = new StringBuilder();
      for (int i = 0; i <= xs.length; i++) {
        if (i == xs.length || Double.isNaN(ys[i])) {
          flush(points, color, dashed);
          continue;
        }
        points.append(fmt("%.1f,%.1f ", px(xs[i]), py(ys[i])));
        // a lone point between gaps would not show as a line
        boolean alone =
            (i == 0 || Double.isNaN(ys[i - 1])) && (i == xs.length - 1 || Double.isNaN(ys[i + 1]));
        if (ys[i] > yMax) {
          overlay.append(
              fmt(
                  "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"%s\">%s</text>",
                  px(xs[i]), TOP + 36, color, esc(yLabel.apply(ys[i]))));
        }
        if (marks || alone) {
          body.append(
              fmt(
                  "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"%s\"/>",
                  px(xs[i]), py(ys[i]), color));
        }
      }
      endSeries();
    }

    private void flush(StringBuilder points, String color, boolean dashed) {
      if (points.length() > 0) {
        body.append("<polyline fill=\"none\" stroke=\"")
            .append(color)
            .append("\" stroke-width=\"2\"")
            .append(dashed ? " stroke-dasharray=\"5,4\"" : "")
            .append(" points=\"")
            .append(points.toString().strip())
            .append("\"/>");
        points.setLength(0);
      }
    }

    void hline(double y, String label, String color) {
      overlay.append(
          fmt(
              "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\""
                  + " stroke-dasharray=\"6,4\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\""
                  + " fill=\"%s\">%s</text>",
              LEFT,
              WIDTH - RIGHT,
              py(y),
              py(y),
              color,
              WIDTH - RIGHT - 4,
              py(y) - 4,
              color,
              esc(label)));
    }

    void marker(double x, String label) {
      if (x < 0 || x > xMax) {
        return;
      }
      // labels near the right edge go on the line's left
      boolean left = px(x) + 7 * label.length() > WIDTH - RIGHT;
      overlay.append(
          fmt(
              "<g class=\"marker\"><line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#222\""
                  + " stroke-width=\"1\" stroke-dasharray=\"2,3\"/><text x=\"%.1f\" y=\"%d\"%s>%s</text></g>",
              px(x),
              px(x),
              TOP - 4,
              HEIGHT - BOTTOM,
              left ? px(x) - 3 : px(x) + 3,
              TOP + 8,
              left ? " text-anchor=\"end\"" : "",
              esc(label)));
    }

    /** Entries of name, color and kind ("box", "line" or "dash"). */
    void legend(List<String[]> entries) {
      double x = LEFT;
      for (String[] e : entries) {
        if (e[2].equals("box")) {
          overlay.append(
              fmt("<rect x=\"%.1f\" y=\"14\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, e[1]));
        } else {
          overlay.append(
              fmt(
                  "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"20\" y2=\"20\" stroke=\"%s\" stroke-width=\"2\"%s/>",
                  x, x + 14, e[1], e[2].equals("dash") ? " stroke-dasharray=\"4,3\"" : ""));
        }
        overlay.append(fmt("<text x=\"%.1f\" y=\"24\">%s</text>", x + 18, esc(e[0])));
        x += 30 + 6.5 * e[0].length();
      }
    }

    String render() {
      StringBuilder svg = new StringBuilder();
      svg.append(
          fmt(
              "<figure><svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
              WIDTH, HEIGHT, esc(title)));
      // grid and axes
      double yStep = niceStep(yMax);
      for (double y = 0; y <= yMax + yStep / 1000; y += yStep) {
        svg.append(
            fmt(
                "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                LEFT, WIDTH - RIGHT, py(y), py(y), LEFT - 6, py(y) + 4, esc(yLabel.apply(y))));
      }
      double xStep = niceStep(xMax);
      for (double x = 0; x <= xMax + xStep / 1000; x += xStep) {
        svg.append(
            fmt(
                "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%ss</text>\n",
                px(x),
                px(x),
                HEIGHT - BOTTOM,
                HEIGHT - BOTTOM + 4,
                px(x),
                HEIGHT - BOTTOM + 16,
                fmt("%.0f", x)));
      }
      svg.append(
          fmt(
              "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
              LEFT, WIDTH - RIGHT, HEIGHT - BOTTOM, HEIGHT - BOTTOM));
      svg.append(
          fmt(
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">seconds since the load started</text>\n",
              WIDTH - RIGHT, HEIGHT - 4));
      svg.append(body)
          .append(overlay)
          .append("\n</svg><figcaption>")
          .append(esc(title))
          .append("</figcaption></figure>\n");
      return svg.toString();
    }
  }

  /** A round step giving about five grid lines up to {@code max}. */
  static double niceStep(double max) {
    double raw = max / 5;
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / magnitude;
    double step = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
    return step * magnitude;
  }

  /** {@code max} rounded up to a multiple of its nice step. */
  static double niceCeiling(double max) {
    double step = niceStep(max);
    return Math.ceil(max / step) * step;
  }

  private static double max(double[] values) {
    return Arrays.stream(values).filter(v -> !Double.isNaN(v)).max().orElse(0);
  }

  private static String ms(OptionalDouble v) {
    return v.isPresent() ? fmt("%.0f ms", v.getAsDouble()) : "-";
  }

  private static String ms(double v) {
    return Double.isNaN(v) ? "-" : fmt("%.0f ms", v);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static String esc(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
