package dev.tempura.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.local.Ports;
import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** The worker and the runner against Temporal's in-memory server. */
// a workflow that cannot run is retried forever, as benchmark-workers' would be: fail instead
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LoadgenEndToEndTest {
  private static final String ECHO_THREE_TIMES =
      "{ \"Count\": 3, \"Activity\": \"Echo\", \"Input\": { \"Message\": \"test\" } }";
  private static final AtomicInteger QUEUES = new AtomicInteger();

  @RegisterExtension
  static final TemporalClustersExtension<AutoCloseable> TEMPORAL =
      TemporalClustersExtension.clusters(1);

  private final List<LoadWorker> workers = new CopyOnWriteArrayList<>();
  private static WorkflowServiceStubs stubs;
  private static WorkflowClient client;

  @BeforeAll
  static void startServer() {
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(endpoint()).build());
    client = Connections.client(stubs, LoadgenSettings.DEFAULT_NAMESPACE);
  }

  @AfterEach
  void stopWorkers() {
    workers.forEach(LoadWorker::close);
  }

  @AfterAll
  static void stopServer() {
    stubs.shutdownNow();
  }

  @Test
  void theRunnerCommandCompletesExactlyMaxWorkflowsExecuteActivityWorkflows() {
    String queue = newQueue();
    startWorker(workerSettings(queue));
    StringWriter out = new StringWriter();
    CommandLine commandLine = LoadgenCommand.commandLine(environment(queue));
    commandLine.setOut(new PrintWriter(out, true));

    int exit =
        commandLine.execute(
            "runner",
            "-c",
            "4",
            "-w",
            "--max-workflows",
            "20",
            "--report-interval",
            "200ms",
            "-t",
            "ExecuteActivity",
            ECHO_THREE_TIMES);

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("started 20, completed 20, failed 0 (0 at start), abandoned 0")
        .containsPattern("start latency: +p50/p95/p99 [0-9.]+/[0-9.]+/[0-9.]+ ms")
        .containsPattern("workflow latency: p50/p95/p99 [0-9.]+/[0-9.]+/[0-9.]+ ms")
        .containsPattern("\\[[0-9.]+s\\] starts [0-9.]+/s completions [0-9.]+/s failed 0");
  }

  @Test
  void theRunnerApiReportsEveryStartAndIntervalAndASummaryWithPercentiles()
      throws InterruptedException {
    String queue = newQueue();
    Recording recording = new Recording();
    startWorker(workerSettings(queue));

    RunSummary summary = LoadRunner.run(runnerSettings(queue).maxWorkflows(20).build(), recording);

    assertThat(summary.started()).isEqualTo(20);
    assertThat(summary.completed()).isEqualTo(20);
    assertThat(summary.failed()).isZero();
    assertThat(summary.abandoned()).isZero();
    assertThat(summary.startsPerSecond()).isPositive();
    assertThat(summary.completionsPerSecond()).isPositive();
    assertPercentiles(summary.startLatency(), 20);
    assertPercentiles(summary.workflowLatency(), 20);
    assertThat(summary.workflowLatency().p50()).isGreaterThan(summary.startLatency().p50());

    assertThat(recording.started).hasSize(20);
    assertThat(recording.started.stream().map(WorkflowStarted::workflowId).distinct()).hasSize(20);
    assertThat(recording.started)
        .allSatisfy(s -> assertThat(s.startLatency()).isPositive())
        .allSatisfy(s -> assertThat(s.runId()).isNotBlank());
    assertThat(recording.finished).hasSize(20).allMatch(WorkflowFinished::completed);
    // the intervals, the last one partial, add up to the run
    assertThat(recording.intervals).isNotEmpty();
    assertThat(recording.intervals.stream().mapToLong(IntervalStats::started).sum()).isEqualTo(20);
    assertThat(recording.intervals.stream().mapToLong(IntervalStats::completed).sum())
        .isEqualTo(20);
    assertThat(recording.intervals.stream().mapToLong(i -> i.startLatency().count()).sum())
        .isEqualTo(20);
    IntervalStats last = recording.intervals.get(recording.intervals.size() - 1);
    assertThat(last.totalCompleted()).isEqualTo(20);
    assertThat(last.inFlight()).isZero();
  }

  @Test
  void receiveSignalWorkflowsCompleteWhenTheRunnerSignalsWithStart() {
    String queue = newQueue();
    // the worker from the environment, with a poller maximum, as the scenario's docker run sets
    Map<String, String> env = environment(queue);
    Map<String, String> workerEnv = new HashMap<>(env);
    workerEnv.put("TEMPORAL_MAX_WORKFLOW_TASK_POLLERS", "4");
    workerEnv.put("TEMPORAL_MAX_ACTIVITY_TASK_POLLERS", "2");
    startWorker(LoadgenSettings.fromEnvironment(workerEnv).build());
    StringWriter out = new StringWriter();
    CommandLine commandLine = LoadgenCommand.commandLine(env);
    commandLine.setOut(new PrintWriter(out, true));

    int exit =
        commandLine.execute(
            "runner",
            "-c",
            "2",
            "--max-workflows",
            "6",
            "-t",
            "ReceiveSignal",
            "-s",
            "go",
            "{ \"Count\": 1, \"Name\": \"go\" }");

    assertThat(exit).isZero();
    assertThat(out.toString()).contains("started 6, completed 6, failed 0");
  }

  @Test
  void receiveSignalWorkflowsCompleteWhenSignalledAfterTheirStart() throws InterruptedException {
    String queue = newQueue();
    startWorker(workerSettings(queue));
    RunSummary summary =
        LoadRunner.run(
            runnerSettings(queue)
                .workflowType("ReceiveSignal")
                .signalType("go")
                .signalAfterStart(true)
                .input("{\"Count\":1,\"Name\":\"go\"}")
                .maxWorkflows(4)
                .build(),
            LoadListener.NONE);

    assertThat(summary.completed()).isEqualTo(4);
    assertThat(summary.failed()).isZero();
  }

  @Test
  void historiesCarryBenchmarkWorkersTypeNamesAndJson() throws InterruptedException {
    String queue = newQueue();
    Recording recording = new Recording();
    startWorker(workerSettings(queue));
    LoadRunner.run(runnerSettings(queue).concurrency(1).maxWorkflows(1).build(), recording);
    String workflowId = recording.started.get(0).workflowId();

    List<HistoryEvent> events = client.fetchHistory(workflowId).getEvents();

    HistoryEvent started = events.get(0);
    assertThat(started.getEventType()).isEqualTo(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED);
    assertThat(started.getWorkflowExecutionStartedEventAttributes().getWorkflowType().getName())
        .isEqualTo("ExecuteActivity");
    assertThat(json(started.getWorkflowExecutionStartedEventAttributes().getInput().getPayloads(0)))
        .isEqualTo(RunnerSettings.parse(ECHO_THREE_TIMES));
    List<HistoryEvent> scheduled =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .collect(Collectors.toList());
    assertThat(scheduled).hasSize(3);
    assertThat(scheduled)
        .allSatisfy(
            e -> {
              var attributes = e.getActivityTaskScheduledEventAttributes();
              assertThat(attributes.getActivityType().getName()).isEqualTo("Echo");
              assertThat(attributes.getStartToCloseTimeout().getSeconds()).isEqualTo(60);
              assertThat(attributes.getInput().getPayloads(0).getData().toStringUtf8())
                  .isEqualTo("{\"Message\":\"test\"}");
            });
    assertThat(
            events.stream()
                .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
                .map(e -> e.getActivityTaskCompletedEventAttributes().getResult().getPayloads(0))
                .map(p -> p.getData().toStringUtf8()))
        .containsOnly("\"test\"");
  }

  @Test
  void theMetricsEndpointServesTheLoadgenSeriesAfterARun() throws Exception {
    String queue = newQueue();
    int port = Ports.freePort();
    startWorker(workerSettings(queue));
    try (LoadRunner runner =
        LoadRunner.start(
            runnerSettings(queue).maxWorkflows(5).metricsPort(port).build(), LoadListener.NONE)) {
      runner.awaitSummary();

      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
      assertThat(response.body())
          .containsPattern(
              "(?m)^loadgen_workflows_started_total\\{.*workflow_type=\"ExecuteActivity\".*\\} 5")
          .containsPattern("(?m)^loadgen_workflows_completed_total\\{.*\\} 5")
          .containsPattern("(?m)^loadgen_workflows_failed_total\\{.*\\} 0")
          .containsPattern("(?m)^loadgen_start_latency_seconds_bucket\\{.*le=")
          .containsPattern("(?m)^loadgen_start_latency_seconds_count\\{.*\\} 5")
          .containsPattern("(?m)^loadgen_workflow_latency_seconds_bucket\\{.*le=")
          .containsPattern("(?m)^loadgen_workflow_latency_seconds_count\\{.*\\} 5")
          .containsPattern("(?m)^loadgen_workflows_in_flight\\{.*\\} 0");
      assertThat(runner.scrapeMetrics()).contains("loadgen_workflows_started_total");
    }
  }

  @Test
  void failedWorkflowsAreCountedAndReported() throws InterruptedException {
    // no worker: each workflow is terminated as soon as it starts, so its result is a failure
    String queue = newQueue();
    Recording recording =
        new Recording() {
          @Override
          public void onWorkflowStarted(WorkflowStarted started) {
            super.onWorkflowStarted(started);
            client.newUntypedWorkflowStub(started.workflowId()).terminate("by the test");
          }
        };

    RunSummary summary =
        LoadRunner.run(
            runnerSettings(queue).concurrency(2).maxWorkflows(4).disableBackoff(true).build(),
            recording);

    assertThat(summary.started()).isEqualTo(4);
    assertThat(summary.completed()).isZero();
    assertThat(summary.failed()).isEqualTo(4);
    assertThat(summary.startFailures()).isZero();
    assertThat(summary.lastFailure())
        .hasValueSatisfying(f -> assertThat(f).contains("by the test"));
    assertThat(recording.finished).hasSize(4).noneMatch(WorkflowFinished::completed);
    assertThat(summary.workflowLatency().count()).isZero();
  }

  @Test
  void stoppingAbandonsWorkflowsStillRunningAfterTheDrainTimeout() throws InterruptedException {
    // no worker, so nothing ever completes
    Recording recording = new Recording();
    RunSummary summary;
    try (LoadRunner runner =
        LoadRunner.start(
            runnerSettings(newQueue()).concurrency(3).drainTimeout(Duration.ofMillis(100)).build(),
            recording)) {
      await().atMost(Duration.ofSeconds(20)).until(() -> recording.started.size() == 3);
      runner.stop();
      summary = runner.awaitSummary();
    }

    assertThat(summary.started()).isEqualTo(3);
    assertThat(summary.abandoned()).isEqualTo(3);
    assertThat(summary.completed()).isZero();
    assertThat(summary.failed()).isZero();
  }

  @Test
  void aDurationEndsTheRun() throws InterruptedException {
    RunSummary summary =
        LoadRunner.run(
            runnerSettings(newQueue())
                .waitForCompletion(false)
                .concurrency(1)
                .duration(Duration.ofMillis(500))
                .build(),
            LoadListener.NONE);

    assertThat(summary.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(summary.abandoned()).isZero();
  }

  @Test
  void withoutWaitingTheRunnerOnlyStartsWorkflows() throws InterruptedException {
    RunSummary summary =
        LoadRunner.run(
            runnerSettings(newQueue()).waitForCompletion(false).maxWorkflows(10).build(),
            LoadListener.NONE);

    assertThat(summary.started()).isEqualTo(10);
    assertThat(summary.completed()).isZero();
    assertThat(summary.startLatency().count()).isEqualTo(10);
    assertThat(summary.workflowLatency()).isEqualTo(LatencyPercentiles.empty());
  }

  @Test
  void dslWorkflowsRunStepsRepeatsAndChildren() throws InterruptedException {
    String queue = newQueue();
    startWorker(workerSettings(queue));
    RunSummary summary =
        LoadRunner.run(
            runnerSettings(queue)
                .workflowType("DSL")
                .input(
                    "[{\"a\":\"Echo\",\"i\":{\"Message\":\"test\"},\"r\":2,\"p\":64},"
                        + "{\"c\":[{\"a\":\"Sleep\",\"i\":{\"SleepTimeInSeconds\":0}}]}]")
                .maxWorkflows(2)
                .build(),
            LoadListener.NONE);

    assertThat(summary.completed()).isEqualTo(2);
    assertThat(summary.failed()).isZero();
  }

  private static void assertPercentiles(LatencyPercentiles latency, long count) {
    assertThat(latency.count()).isEqualTo(count);
    assertThat(latency.p50()).isPositive();
    assertThat(latency.p95()).isGreaterThanOrEqualTo(latency.p50());
    assertThat(latency.p99()).isGreaterThanOrEqualTo(latency.p95());
    assertThat(latency.max()).isGreaterThanOrEqualTo(latency.p99());
  }

  private static com.fasterxml.jackson.databind.JsonNode json(Payload payload) {
    return RunnerSettings.parse(payload.getData().toStringUtf8());
  }

  private void startWorker(LoadgenSettings settings) {
    workers.add(LoadWorker.start(settings));
  }

  private static String newQueue() {
    return "loadgen-test-" + QUEUES.incrementAndGet();
  }

  private static Map<String, String> environment(String queue) {
    return Map.of("TEMPORAL_GRPC_ENDPOINT", endpoint(), "TEMPORAL_TASK_QUEUE", queue);
  }

  private static LoadgenSettings workerSettings(String queue) {
    return LoadgenSettings.builder().endpoint(endpoint()).taskQueue(queue).build();
  }

  private static RunnerSettings.Builder runnerSettings(String queue) {
    return RunnerSettings.builder()
        .endpoint(endpoint())
        .taskQueue(queue)
        .concurrency(4)
        .reportInterval(Duration.ofMillis(200))
        .input(ECHO_THREE_TIMES);
  }

  private static class Recording implements LoadListener {
    final List<IntervalStats> intervals = new CopyOnWriteArrayList<>();
    final List<WorkflowStarted> started = new CopyOnWriteArrayList<>();
    final List<WorkflowFinished> finished = new CopyOnWriteArrayList<>();

    @Override
    public void onInterval(IntervalStats stats) {
      intervals.add(stats);
    }

    @Override
    public void onWorkflowStarted(WorkflowStarted workflow) {
      started.add(workflow);
    }

    @Override
    public void onWorkflowFinished(WorkflowFinished workflow) {
      finished.add(workflow);
    }
  }

  private static String endpoint() {
    return TEMPORAL.clusters().address(0);
  }
}
