package dev.tempura.sandbox;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The StartWorkflowExecution latency Tempura measures towards each physical namespace, read from
 * its {@code /metrics} text: the cumulative buckets of {@code
 * tempura_backend_request_duration_seconds{operation="StartWorkflowExecution"}}. Subtracting two
 * snapshots gives one interval, whose percentiles are computed as Prometheus' {@code
 * histogram_quantile} would compute them.
 */
final class StartLatencyHistograms {
  static final String METRIC = "tempura_backend_request_duration_seconds";
  static final String METHOD = "StartWorkflowExecution";

  private static final Pattern SAMPLE =
      Pattern.compile("^" + METRIC + "_bucket\\{([^}]*)}\\s+(\\S+)(?:\\s+\\S+)?$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static final StartLatencyHistograms EMPTY = new StartLatencyHistograms(Map.of());

  private final Map<String, Buckets> byNamespace;

  private StartLatencyHistograms(Map<String, Buckets> byNamespace) {
    this.byNamespace = Map.copyOf(byNamespace);
  }

  /**
   * Cumulative counts at upper bounds in seconds, the last bound being infinity.
   *
   * @param bounds ascending
   * @param counts cumulative, as Prometheus buckets are
   */
  record Buckets(double[] bounds, double[] counts) {
    long total() {
      return counts.length == 0 ? 0 : Math.round(counts[counts.length - 1]);
    }

    /** This minus an earlier snapshot of the same histogram; bounds missing there count as 0. */
    Buckets minus(Buckets earlier) {
      double[] diff = new double[counts.length];
      for (int i = 0; i < counts.length; i++) {
        int j = earlier == null ? -1 : Arrays.binarySearch(earlier.bounds, bounds[i]);
        diff[i] = counts[i] - (j >= 0 ? earlier.counts[j] : 0);
      }
      return new Buckets(bounds, diff);
    }

    /** The sum of two histograms, at every bound either has. */
    Buckets plus(Buckets other) {
      TreeMap<Double, Double> sum = new TreeMap<>();
      for (Buckets b : List.of(this, other)) {
        for (double bound : b.bounds) {
          sum.put(bound, cumulativeAt(bound) + other.cumulativeAt(bound));
        }
      }
      return of(sum);
    }

    /** The cumulative count at {@code bound}: that of the highest bound not above it. */
    private double cumulativeAt(double bound) {
      double count = 0;
      for (int i = 0; i < bounds.length && bounds[i] <= bound; i++) {
        count = counts[i];
      }
      return count;
    }

    static Buckets of(TreeMap<Double, Double> cumulative) {
      return new Buckets(
          cumulative.keySet().stream().mapToDouble(Double::doubleValue).toArray(),
          cumulative.values().stream().mapToDouble(Double::doubleValue).toArray());
    }

    /**
     * The quantile in milliseconds, interpolated linearly inside its bucket; the highest finite
     * bound when it falls in the infinite bucket; empty with no samples.
     */
    OptionalDouble quantileMillis(double q) {
      long total = total();
      if (total == 0) {
        return OptionalDouble.empty();
      }
      double rank = q * total;
      double lowerBound = 0;
      double lowerCount = 0;
      for (int i = 0; i < bounds.length; i++) {
        if (counts[i] >= rank) {
          if (Double.isInfinite(bounds[i])) {
            return OptionalDouble.of(lowerBound * 1000);
          }
          double inBucket = counts[i] - lowerCount;
          double fraction = inBucket == 0 ? 1 : (rank - lowerCount) / inBucket;
          return OptionalDouble.of((lowerBound + (bounds[i] - lowerBound) * fraction) * 1000);
        }
        lowerBound = bounds[i];
        lowerCount = counts[i];
      }
      return OptionalDouble.of(lowerBound * 1000);
    }
  }

  /** Parses the buckets of every physical namespace out of Prometheus text. */
  static StartLatencyHistograms parse(String prometheusText) {
    Map<String, TreeMap<Double, Double>> raw = new HashMap<>();
    for (String line : prometheusText.split("\n")) {
      Matcher m = SAMPLE.matcher(line.strip());
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      String ns = labels.get("physical_namespace");
      String le = labels.get("le");
      if (!METHOD.equals(labels.get("operation")) || ns == null || le == null) {
        continue;
      }
      double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
      raw.computeIfAbsent(ns, k -> new TreeMap<>()).put(bound, Double.parseDouble(m.group(2)));
    }
    Map<String, Buckets> byNamespace = new HashMap<>();
    raw.forEach((ns, buckets) -> byNamespace.put(ns, Buckets.of(buckets)));
    return new StartLatencyHistograms(byNamespace);
  }

  /** The starts Tempura sent to {@code physicalNamespace} between {@code earlier} and this. */
  Buckets since(StartLatencyHistograms earlier, String physicalNamespace) {
    Buckets now = byNamespace.get(physicalNamespace);
    if (now == null) {
      return new Buckets(new double[0], new double[0]);
    }
    return now.minus(earlier.byNamespace.get(physicalNamespace));
  }
}
