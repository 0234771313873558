package dev.tempura.sandbox;

import static io.temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.sandbox.Census.Found;
import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.ScenarioRunner.Phases;
import dev.tempura.sandbox.StartLatencyHistograms.Buckets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxHtmlReportTest {
  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_000 * S;

  @TempDir Path dir;

  @Test
  void write_twoPhases_selfContainedWithSeriesForBothBackends() throws Exception {
    HtmlReport.Data data = data();

    Path report = HtmlReport.write(dir.resolve("reports"), data);
    Path second = HtmlReport.write(dir.resolve("reports"), data);

    assertThat(report.getFileName().toString()).matches("report-\\d{8}-\\d{6}\\.html");
    assertThat(second).isNotEqualTo(report);
    String html = Files.readString(report);
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .doesNotContain("<script", "<link", "@import", "url(", "src=", "href=")
        .contains(
            "data-series=\"namespace-a\"",
            "data-series=\"namespace-b\"",
            "namespace-b added",
            "SLO 150 ms",
            "Workflows completed per second",
            "<svg",
            "emulation of shard-lock contention")
        // the admin calls' JSON is escaped, not markup
        .contains("&quot;name&quot;");
    // a bar per backend in the phase-2 interval of the share chart
    assertThat(html.split("data-series=\"namespace-b\"><rect", -1)).hasSizeGreaterThan(1);
  }

  @Test
  void series_binsStartsAndCompletionsByIntervalAndBackend() {
    ReportSeries s = ReportSeries.of(data());

    assertThat(s.x1).containsExactly(1.0, 2.0);
    assertThat(s.starts.get("namespace-a")).containsExactly(2, 1);
    assertThat(s.starts.get("namespace-b")).containsExactly(0, 1);
    assertThat(s.share.get("namespace-b")).containsExactly(0.0, 0.5);
    assertThat(s.completedPerSecond.get("namespace-a")).containsExactly(1.0, 2.0);
    assertThat(s.completedPerSecond.get("namespace-b")).containsExactly(0.0, 1.0);
    // exact per backend and interval, as the runner measured: {300, 200}, then {100} and {50}
    assertThat(s.startP95.get("namespace-a")).containsExactly(300.0, 100.0);
    assertThat(s.startP95.get("namespace-b")[0]).isNaN();
    assertThat(s.startP95.get("namespace-b")[1]).isEqualTo(50.0);
    // Tempura's, interpolated in its buckets
    assertThat(s.tempuraP95.get("namespace-a")).containsExactly(200.0, 95.0);
  }

  @Test
  void render_intervalWithNoStart_isDrawnAndExplained() {
    HtmlReport.Data base = data();
    List<Sample> samples = new ArrayList<>(base.samples());
    // a third interval after the load stopped, in which nothing was started
    samples.add(
        new Sample(
            T0 + 2 * S, T0 + 3 * S, 2, Map.of(), Map.of("namespace-a", 5L, "namespace-b", 5L)));
    HtmlReport.Data data =
        new HtmlReport.Data(
            base.settings(),
            base.startedAt(),
            base.wallTime(),
            base.transcript(),
            base.findings(),
            base.phases(),
            samples,
            base.runs(),
            base.where(),
            base.result());

    String html = HtmlReport.render(data);

    assertThat(html)
        .contains("data-series=\"no start\"", "no new workflow (see below)")
        .contains(
            "No workflow was started in 1 of 3 intervals: 2-3s (after the load stopped: only the"
                + " workflows in flight finishing).");
  }

  @Test
  void render_stepsWrapAndStartP95ChartHasOneLinePerBackendAndTheSlo() {
    String html = HtmlReport.render(data());

    assertThat(html).contains("<pre class=\"steps\">", "pre.steps{white-space:pre-wrap");
    String chart = html.substring(html.indexOf("<h2>Start p95 over time"));
    chart = chart.substring(0, chart.indexOf("</figure>"));
    assertThat(chart.split("<polyline", -1)).hasSize(3); // namespace-a and namespace-b
    assertThat(chart).contains("SLO 150 ms", "exact, with no histogram buckets");
    assertThat(chart).contains("phase 1 steady", "phase 2 steady");
  }

  private static HtmlReport.Data data() {
    List<Sample> samples =
        List.of(
            new Sample(
                T0,
                T0 + S,
                1,
                Map.of("namespace-a", buckets(0, 1, 2)),
                Map.of("namespace-a", 100L, "namespace-b", 0L)),
            new Sample(
                T0 + S,
                T0 + 2 * S,
                2,
                Map.of("namespace-a", buckets(1, 1, 1), "namespace-b", buckets(1, 1, 1)),
                Map.of("namespace-a", 60L, "namespace-b", 40L)));
    List<Run> runs = new ArrayList<>();
    Map<String, List<Found>> where = new HashMap<>();
    run(runs, where, "a1", 1, T0 + S / 10, 300, T0 + S / 2, "namespace-a");
    run(runs, where, "a2", 1, T0 + S / 5, 200, T0 + S + S / 2, "namespace-a");
    run(runs, where, "a3", 2, T0 + S + S / 10, 100, T0 + S + S / 2, "namespace-a");
    run(runs, where, "b1", 2, T0 + S + S / 5, 50, T0 + S + S * 9 / 10, "namespace-b");
    ScenarioResult result =
        ScenarioResult.tally(
            ScenarioRunner.PHASES,
            ScenarioRunner.NAMESPACES,
            runs,
            List.of(),
            where,
            ScenarioRunner.NAMESPACES,
            Map.of(),
            new ScenarioResult.SloCheck(150, OptionalDouble.of(300), OptionalDouble.of(100)));
    SandboxSettings settings =
        new SandboxSettings(
            24,
            4,
            Duration.ofMillis(40),
            Duration.ofMillis(10),
            Duration.ofMillis(150),
            Duration.ofSeconds(30),
            Duration.ofSeconds(40),
            Duration.ofSeconds(1),
            Duration.ZERO,
            Path.of("unused"),
            0,
            0,
            "rendezvous");
    return new HtmlReport.Data(
        settings,
        Instant.parse("2026-01-02T03:04:05Z"),
        Duration.ofSeconds(3),
        List.of(
            "$ curl -X POST http://127.0.0.1:8089/namespace/virtual/create -d '{\"name\": \"my-app-namespace\"}'",
            "Virtual namespace 'my-app-namespace' created successfully"),
        List.of("namespace-a's Start p95 passed the SLO"),
        new Phases(T0, T0 + S, T0 + S + S / 20, T0 + 2 * S, T0 + 2 * S),
        samples,
        runs,
        where,
        result);
  }

  /** Cumulative counts at 100 ms, 200 ms and +Inf. */
  private static Buckets buckets(double within100, double within200, double all) {
    return new Buckets(
        new double[] {0.1, 0.2, Double.POSITIVE_INFINITY},
        new double[] {within100, within200, all});
  }

  private static void run(
      List<Run> runs,
      Map<String, List<Found>> where,
      String id,
      int phase,
      long sent,
      long latencyMillis,
      long finished,
      String on) {
    runs.add(
        new Run(id, phase, sent, latencyMillis * 1_000_000, finished, Outcome.COMPLETED, null));
    where.put(id, List.of(new Found(on, WORKFLOW_EXECUTION_STATUS_COMPLETED)));
  }
}
