package dev.tempura.sandbox;

import dev.tempura.sandbox.Census.Found;
import dev.tempura.sandbox.LoadRecorder.Outcome;
import dev.tempura.sandbox.LoadRecorder.Run;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-interval series the report's charts draw, one value per sample; NaN where there is
 * nothing to show (no start in the interval).
 */
final class ReportSeries {
  double[] x0;
  double[] x1;
  final Map<String, double[]> share = new LinkedHashMap<>();
  final Map<String, long[]> starts = new LinkedHashMap<>();
  final Map<String, double[]> completedPerSecond = new LinkedHashMap<>();

  /**
   * Start p95 of the starts sent in the interval, by the backend the census found the workflow on,
   * as the runner measured each one: exact (nearest rank), no histogram buckets.
   */
  final Map<String, double[]> startP95 = new LinkedHashMap<>();

  /** Tempura's live Start p95 per backend, interpolated inside its histogram's buckets. */
  final Map<String, double[]> tempuraP95 = new LinkedHashMap<>();

  final Map<String, double[]> transitionsPerSecond = new LinkedHashMap<>();

  /** Starts sent in the interval, whatever became of them (the census may not have found some). */
  long[] sent;

  static ReportSeries of(HtmlReport.Data d) {
    List<Sample> samples = d.samples();
    int n = samples.size();
    ReportSeries s = new ReportSeries();
    s.x0 = new double[n];
    s.x1 = new double[n];
    s.sent = new long[n];
    Map<String, List<List<Long>>> latencies = new LinkedHashMap<>();
    for (String ns : ScenarioRunner.NAMESPACES) {
      s.share.put(ns, new double[n]);
      s.starts.put(ns, new long[n]);
      s.completedPerSecond.put(ns, new double[n]);
      s.startP95.put(ns, new double[n]);
      s.tempuraP95.put(ns, new double[n]);
      s.transitionsPerSecond.put(ns, new double[n]);
      List<List<Long>> perInterval = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        perInterval.add(new ArrayList<>());
      }
      latencies.put(ns, perInterval);
    }
    for (int i = 0; i < n; i++) {
      Sample sample = samples.get(i);
      s.x0[i] = d.phases().secondsAt(sample.startNanos());
      s.x1[i] = d.phases().secondsAt(sample.endNanos());
      for (String ns : ScenarioRunner.NAMESPACES) {
        s.tempuraP95.get(ns)[i] = sample.p95(ns).orElse(Double.NaN);
        s.transitionsPerSecond.get(ns)[i] = sample.transitionsPerSecond(ns);
      }
    }
    for (Run run : d.runs()) {
      int started = indexOf(samples, run.sentNanos());
      if (started >= 0) {
        s.sent[started]++;
      }
      List<Found> found = d.where().getOrDefault(run.workflowId(), List.of());
      if (found.size() != 1 || !s.starts.containsKey(found.get(0).physicalNamespace())) {
        continue;
      }
      String ns = found.get(0).physicalNamespace();
      if (started >= 0) {
        s.starts.get(ns)[started]++;
        latencies.get(ns).get(started).add(run.startLatencyNanos());
      }
      int finished =
          run.outcome() == Outcome.COMPLETED ? indexOf(samples, run.finishedNanos()) : -1;
      if (finished >= 0) {
        s.completedPerSecond.get(ns)[finished] += 1 / samples.get(finished).seconds();
      }
    }
    for (int i = 0; i < n; i++) {
      long total = 0;
      for (String ns : ScenarioRunner.NAMESPACES) {
        total += s.starts.get(ns)[i];
      }
      for (String ns : ScenarioRunner.NAMESPACES) {
        s.share.get(ns)[i] = total == 0 ? 0 : (double) s.starts.get(ns)[i] / total;
        long[] sorted =
            latencies.get(ns).get(i).stream().mapToLong(Long::longValue).sorted().toArray();
        s.startP95.get(ns)[i] = ScenarioResult.percentileMillis(sorted, 0.95).orElse(Double.NaN);
      }
    }
    return s;
  }

  /** The sample whose interval holds {@code nanos}; -1 when none does. */
  private static int indexOf(List<Sample> samples, long nanos) {
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      if (nanos >= s.startNanos()
          && (nanos < s.endNanos() || i == samples.size() - 1 && nanos <= s.endNanos())) {
        return i;
      }
    }
    return -1;
  }
}
