package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tempura.sandbox.StartLatencyHistograms.Buckets;
import org.junit.jupiter.api.Test;

class SandboxStartLatencyHistogramsTest {
  private static final String METRICS_BEFORE =
      """
      # HELP tempura_backend_request_duration_seconds Latency of calls to a backend
      # TYPE tempura_backend_request_duration_seconds histogram
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.1"} 10
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.15"} 10
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.2"} 10
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="+Inf"} 10
      tempura_backend_request_duration_seconds_bucket{operation="PollWorkflowTaskQueue",physical_namespace="namespace-a",le="+Inf"} 99
      tempura_backend_request_duration_seconds_count{operation="StartWorkflowExecution",physical_namespace="namespace-a"} 10
      """;

  private static final String METRICS_AFTER =
      """
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.1"} 10.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.15"} 30.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="0.2"} 110.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-a",le="+Inf"} 110.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-b",le="0.1"} 4.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-b",le="0.15"} 4.0
      tempura_backend_request_duration_seconds_bucket{operation="StartWorkflowExecution",physical_namespace="namespace-b",le="+Inf"} 5.0
      """;

  @Test
  void since_interval_interpolatesP95InsideItsBucketAsHistogramQuantileDoes() {
    StartLatencyHistograms before = StartLatencyHistograms.parse(METRICS_BEFORE);
    StartLatencyHistograms after = StartLatencyHistograms.parse(METRICS_AFTER);

    Buckets a = after.since(before, "namespace-a");

    // 100 starts in the interval: 20 within 150 ms, 80 between 150 and 200 ms; rank 95 is the
    // 75th of those 80
    assertThat(a.total()).isEqualTo(100);
    assertThat(a.quantileMillis(0.95).getAsDouble()).isCloseTo(150 + 50 * 75.0 / 80, within(1e-9));
    assertThat(a.quantileMillis(0.10).getAsDouble()).isCloseTo(125, within(1e-9));
  }

  @Test
  void since_namespaceNewInTheInterval_countsFromZeroAndInfiniteBucketGivesHighestBound() {
    Buckets b =
        StartLatencyHistograms.parse(METRICS_AFTER)
            .since(StartLatencyHistograms.parse(METRICS_BEFORE), "namespace-b");

    assertThat(b.total()).isEqualTo(5);
    assertThat(b.quantileMillis(0.95).getAsDouble()).isEqualTo(150);
  }

  @Test
  void since_noStarts_isEmpty() {
    StartLatencyHistograms before = StartLatencyHistograms.parse(METRICS_BEFORE);

    assertThat(before.since(before, "namespace-a").quantileMillis(0.95)).isEmpty();
    assertThat(before.since(StartLatencyHistograms.EMPTY, "namespace-c").quantileMillis(0.95))
        .isEmpty();
  }

  @Test
  void plus_addsCumulativeCountsAtEveryBound() {
    StartLatencyHistograms after = StartLatencyHistograms.parse(METRICS_AFTER);
    Buckets sum =
        after
            .since(StartLatencyHistograms.EMPTY, "namespace-a")
            .plus(after.since(StartLatencyHistograms.EMPTY, "namespace-b"));

    // namespace-b has no 200 ms bucket: its count there is the one at 150 ms
    assertThat(sum.bounds()).containsExactly(0.1, 0.15, 0.2, Double.POSITIVE_INFINITY);
    assertThat(sum.counts()).containsExactly(14, 34, 114, 115);
    assertThat(sum.total()).isEqualTo(115);
  }
}
