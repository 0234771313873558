package dev.tempura.loadgen;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/** The runner's Prometheus series; the HdrHistograms in {@link LoadRunner} feed its own reports. */
final class RunnerMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter started;
  private final Counter completed;
  private final Counter failed;
  private final Timer startLatency;
  private final Timer workflowLatency;

  RunnerMetrics(RunnerSettings settings, IntSupplier inFlight) {
    // tagged so that several runners scraped into one Prometheus stay apart
    Tags tags =
        Tags.of(
            "namespace", settings.namespace(),
            "task_queue", settings.taskQueue(),
            "workflow_type", settings.workflowType());
    started =
        Counter.builder("loadgen.workflows.started")
            .description("Workflows started: successful start calls")
            .tags(tags)
            .register(registry);
    completed =
        Counter.builder("loadgen.workflows.completed")
            .description("Workflows whose successful result the runner received")
            .tags(tags)
            .register(registry);
    failed =
        Counter.builder("loadgen.workflows.failed")
            .description("Failed start calls plus failed workflows")
            .tags(tags)
            .register(registry);
    // buckets rather than client-side quantiles: histogram_quantile() can aggregate buckets
    // across runners, and the Prometheus registry would not export quantiles beside them anyway
    startLatency =
        Timer.builder("loadgen.start.latency")
            .description("Duration of the start call (StartWorkflowExecution or SignalWithStart)")
            .tags(tags)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(1))
            .register(registry);
    workflowLatency =
        Timer.builder("loadgen.workflow.latency")
            .description("From just before the start call to the workflow's result")
            .tags(tags)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofMinutes(10))
            .register(registry);
    Gauge.builder("loadgen.workflows.in.flight", inFlight::getAsInt)
        .description("Workflows started and not yet finished")
        .tags(tags)
        .register(registry);
  }

  void started(long startNanos) {
    started.increment();
    startLatency.record(startNanos, TimeUnit.NANOSECONDS);
  }

  void completed(long workflowNanos) {
    completed.increment();
    workflowLatency.record(workflowNanos, TimeUnit.NANOSECONDS);
  }

  void failed() {
    failed.increment();
  }

  String scrape() {
    return registry.scrape();
  }

  void close() {
    registry.close();
  }
}
