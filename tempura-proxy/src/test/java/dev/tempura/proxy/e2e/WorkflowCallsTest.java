package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.testing.TemporalClustersExtension;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ResetWorkflowExecutionRequest;
import io.temporal.client.ActivityCompletionClient;
import io.temporal.client.UpdateOptions;
import io.temporal.client.WithStartWorkflowOperation;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateStage;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TerminatedFailure;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every kind of workflow call an SDK client makes, through Tempura, over two clusters. */
class WorkflowCallsTest {
  private static final String QUEUE = "calls";

  @RegisterExtension
  static final TemporalClustersExtension<ProxyFixture> ENV = ProxyFixture.onTwoClusters();

  private static TemporalClusters backends;
  private static ProxyFixture tempura;
  private static WorkflowClient client;
  private static WorkflowServiceStubs[] direct;

  @BeforeAll
  static void setUp() {
    backends = ENV.clusters();
    tempura = ENV.front();
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(
        TestWorkflows.InteractiveImpl.class,
        TestWorkflows.ParentImpl.class,
        TestWorkflows.ActivityFeaturesImpl.class,
        TestWorkflows.ChainImpl.class,
        TestWorkflows.RetriedImpl.class);
    worker.registerActivitiesImplementations(
        new TestWorkflows.ExternalImpl(), new TestWorkflows.CounterImpl());
    factory.start();
    direct =
        new WorkflowServiceStubs[] {
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(backends.address(0)).build()),
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder().setTarget(backends.address(1)).build())
        };
  }

  @AfterAll
  static void tearDown() {
    for (WorkflowServiceStubs s : direct) {
      s.shutdownNow();
    }
  }

  private static TestWorkflows.Interactive interactive(String id) {
    return client.newWorkflowStub(
        TestWorkflows.Interactive.class,
        WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
  }

  /** The backend index that holds {@code id}, checked on the backends themselves. */
  private static int holder(String id) {
    String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
    assertThat(mapped).as("mapping of %s", id).isNotNull();
    int index = mapped.startsWith("namespace-a@") ? 0 : 1;
    String physical = index == 0 ? "namespace-a" : "namespace-b";
    DescribeWorkflowExecutionResponse there =
        direct[index]
            .blockingStub()
            .describeWorkflowExecution(ProxyFixture.describeRequest(physical, id));
    assertThat(there.getWorkflowExecutionInfo().getExecution().getWorkflowId()).isEqualTo(id);
    return index;
  }

  @Test
  void signalQueryUpdateDescribeHistory_reachTheBackendThatHoldsEachWorkflow() {
    Set<Integer> holders = new HashSet<>();
    for (int i = 0; i < 12; i++) {
      String id = "interactive-" + i;
      TestWorkflows.Interactive wf = interactive(id);
      WorkflowClient.start(wf::run, "w" + i);
      wf.add("a");
      // a signal is applied by a later workflow task; wait for it before the update
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> wf.items().contains("a"));
      assertThat(wf.addAndCount("b")).isEqualTo(2);
      assertThat(wf.items()).containsExactly("a", "b");

      DescribeWorkflowExecutionResponse described =
          client
              .getWorkflowServiceStubs()
              .blockingStub()
              .describeWorkflowExecution(ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, id));
      assertThat(described.getWorkflowExecutionInfo().getStatus())
          .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);

      wf.finish();
      assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("w" + i + ":a,b");
      List<HistoryEvent> events = client.fetchHistory(id).getHistory().getEventsList();
      assertThat(events)
          .extracting(HistoryEvent::getEventType)
          .contains(
              EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
              EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
              EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED);
      holders.add(holder(id));
    }
    assertThat(holders).as("workflows landed on both clusters").containsExactlyInAnyOrder(0, 1);
  }

  @Test
  void updateWithStart_startsTheWorkflowAndAppliesTheUpdate() {
    String id = "update-with-start";
    TestWorkflows.Interactive wf =
        client.newWorkflowStub(
            TestWorkflows.Interactive.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(QUEUE)
                .setWorkflowId(id)
                .setWorkflowIdConflictPolicy(
                    io.temporal.api.enums.v1.WorkflowIdConflictPolicy
                        .WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                .build());
    WithStartWorkflowOperation<String> start = new WithStartWorkflowOperation<>(wf::run, "uws");
    Integer count =
        WorkflowClient.executeUpdateWithStart(
            wf::addAndCount,
            "first",
            UpdateOptions.<Integer>newBuilder()
                .setWaitForStage(WorkflowUpdateStage.COMPLETED)
                .build(),
            start);
    assertThat(count).isEqualTo(1);
    wf.finish();
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("uws:first");
    holder(id);
  }

  @Test
  void signalWithStart_startsOnceThenSignalsTheRunningWorkflow() {
    String id = "signal-with-start";
    WorkflowStub first =
        client.newUntypedWorkflowStub(
            "Interactive",
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    first.signalWithStart("add", new Object[] {"x"}, new Object[] {"sws"});
    WorkflowStub second =
        client.newUntypedWorkflowStub(
            "Interactive",
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    second.signalWithStart("add", new Object[] {"y"}, new Object[] {"ignored"});
    first.signal("finish");
    assertThat(first.getResult(String.class)).isEqualTo("sws:x,y");
    holder(id);
  }

  @Test
  void duplicateStart_surfacesAsWorkflowExecutionAlreadyStarted() {
    String id = "duplicate";
    TestWorkflows.Interactive wf = interactive(id);
    WorkflowClient.start(wf::run, "once");
    TestWorkflows.Interactive again = interactive(id);
    assertThatThrownBy(() -> WorkflowClient.start(again::run, "twice"))
        .isInstanceOf(WorkflowExecutionAlreadyStarted.class);
    wf.finish();
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("once:");
  }

  @Test
  void cancel_endsTheWorkflowAsCanceled() {
    String id = "to-cancel";
    TestWorkflows.Interactive wf = interactive(id);
    WorkflowClient.start(wf::run, "c");
    WorkflowStub stub = WorkflowStub.fromTyped(wf);
    stub.cancel();
    assertThatThrownBy(() -> stub.getResult(String.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(CanceledFailure.class);
  }

  @Test
  void terminate_endsTheWorkflowAsTerminated() {
    String id = "to-terminate";
    TestWorkflows.Interactive wf = interactive(id);
    WorkflowClient.start(wf::run, "t");
    WorkflowStub stub = WorkflowStub.fromTyped(wf);
    stub.terminate("test");
    assertThatThrownBy(() -> stub.getResult(String.class))
        .isInstanceOf(WorkflowFailedException.class)
        .hasCauseInstanceOf(TerminatedFailure.class);
    assertThat(stub.describe().getWorkflowExecutionInfo().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
  }

  @Test
  void reset_isForwardedToTheHoldingBackendWhichAnswersWithItsOwnStatus() {
    String id = "to-reset";
    TestWorkflows.Interactive wf = interactive(id);
    WorkflowClient.start(wf::run, "r");
    // The in-memory server does not implement reset: its own UNIMPLEMENTED proves the call went
    // through to the backend (an unknown workflow would be NOT_FOUND from Tempura's lookup).
    assertThatThrownBy(
            () ->
                client
                    .getWorkflowServiceStubs()
                    .blockingStub()
                    .resetWorkflowExecution(
                        ResetWorkflowExecutionRequest.newBuilder()
                            .setNamespace(ProxyFixture.VIRTUAL)
                            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
                            .setWorkflowTaskFinishEventId(3)
                            .setRequestId("reset-1")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
    wf.finish();
  }

  @Test
  void childWorkflow_isMappedToItsParentsBackendAndBothTakeSignals() {
    String parentId = "parent";
    String childId = "parent-child";
    TestWorkflows.Parent parent =
        client.newWorkflowStub(
            TestWorkflows.Parent.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(parentId).build());
    WorkflowClient.start(parent::run, childId);
    TestWorkflows.Interactive child =
        client.newWorkflowStub(TestWorkflows.Interactive.class, childId);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(child.items()).isEmpty());
    child.add("from-client");
    child.finish();
    parent.finish();
    assertThat(WorkflowStub.fromTyped(parent).getResult(String.class))
        .isEqualTo("parent+child:from-client");
    assertThat(holder(childId)).isEqualTo(holder(parentId));
  }

  @Test
  void asyncCompletionFromAnotherClient_heartbeatDetails_andRetries_allWork() throws Exception {
    String id = "activity-features";
    String key = "k-" + System.nanoTime();
    TestWorkflows.ActivityFeatures wf =
        client.newWorkflowStub(
            TestWorkflows.ActivityFeatures.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(wf::run, key);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> TestWorkflows.TOKENS.containsKey(key));

    WorkflowClient other = tempura.newClient();
    ActivityCompletionClient completions = other.newActivityCompletionClient();
    completions.complete(TestWorkflows.TOKENS.get(key), "done");

    String result =
        WorkflowStub.fromTyped(wf).getResultAsync(String.class).get(60, TimeUnit.SECONDS);
    // attempt 1 heartbeat 1..5 then failed; attempt 2 resumed from the last heartbeat's details
    assertThat(result).isEqualTo("done|attempt 2 resumed at 5");
  }

  @Test
  void describeNamespace_showsTheVirtualName() {
    String name =
        client
            .getWorkflowServiceStubs()
            .blockingStub()
            .describeNamespace(
                DescribeNamespaceRequest.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build())
            .getNamespaceInfo()
            .getName();
    assertThat(name).isEqualTo(ProxyFixture.VIRTUAL);
  }

  @Test
  void continueAsNew_laterRunsKeepTheMappingAndTakeSignals() {
    String id = "chain";
    TestWorkflows.Chain wf =
        client.newWorkflowStub(
            TestWorkflows.Chain.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    String firstRun = WorkflowClient.start(wf::run, 3).getRunId();
    int before = holder(id);
    // three continue-as-new later, the last run is parked on its signal
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> runsOf(id) == 4);
    assertThat(
            WorkflowStub.fromTyped(wf)
                .describe()
                .getWorkflowExecutionInfo()
                .getExecution()
                .getRunId())
        .isNotEqualTo(firstRun);
    client.newWorkflowStub(TestWorkflows.Chain.class, id).finish();
    assertThat(client.newUntypedWorkflowStub(id).getResult(String.class)).isEqualTo("last run");
    assertThat(holder(id)).isEqualTo(before);
  }

  /** How many runs of {@code id} the history chain shows, following continued-execution links. */
  private static int runsOf(String id) {
    int runs = 1;
    String runId = "";
    while (true) {
      HistoryEvent first = client.fetchHistory(id, runId).getHistory().getEvents(0);
      String previous =
          first.getWorkflowExecutionStartedEventAttributes().getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return runs;
      }
      runs++;
      runId = previous;
    }
  }

  @Test
  void concurrentStartsOfOneNewId_createExactlyOneExecution() throws Exception {
    String id = "contended";
    int callers = 50;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      List<java.util.concurrent.Future<String>> outcomes = new java.util.ArrayList<>();
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      for (int i = 0; i < callers; i++) {
        outcomes.add(
            pool.submit(
                () -> {
                  go.await();
                  TestWorkflows.Interactive wf = interactive(id);
                  try {
                    return WorkflowClient.start(wf::run, "c").getRunId();
                  } catch (WorkflowExecutionAlreadyStarted e) {
                    return "already-started";
                  }
                }));
      }
      go.countDown();
      List<String> results = new java.util.ArrayList<>();
      for (java.util.concurrent.Future<String> f : outcomes) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(results.stream().filter(r -> !r.equals("already-started"))).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
    int index = holder(id);
    String otherPhysical = index == 0 ? "namespace-b" : "namespace-a";
    assertThatThrownBy(
            () ->
                direct[1 - index]
                    .blockingStub()
                    .describeWorkflowExecution(ProxyFixture.describeRequest(otherPhysical, id)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    client.newWorkflowStub(TestWorkflows.Interactive.class, id).finish();
  }

  @Test
  void workflowStartedBehindTempurasBack_isLocatedOnItsBackendAndRecorded() {
    String id = "started-directly";
    direct[1]
        .blockingStub()
        .startWorkflowExecution(
            io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest.newBuilder()
                .setNamespace("namespace-b")
                .setWorkflowId(id)
                .setWorkflowType(
                    io.temporal.api.common.v1.WorkflowType.newBuilder().setName("Interactive"))
                .setTaskQueue(io.temporal.api.taskqueue.v1.TaskQueue.newBuilder().setName(QUEUE))
                .setInput(
                    io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE
                        .toPayloads("direct")
                        .get())
                .setRequestId(java.util.UUID.randomUUID().toString())
                .build());
    TestWorkflows.Interactive wf = client.newWorkflowStub(TestWorkflows.Interactive.class, id);
    wf.add("found");
    wf.finish();
    assertThat(WorkflowStub.fromTyped(wf).getResult(String.class)).isEqualTo("direct:found");
    assertThat(tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join())
        .startsWith("namespace-b@");
  }

  @Test
  void workflowRetry_newRunKeepsTheMappingAndTakesSignals() {
    String id = "retried";
    TestWorkflows.Retried wf =
        client.newWorkflowStub(
            TestWorkflows.Retried.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(QUEUE)
                .setWorkflowId(id)
                .setRetryOptions(
                    io.temporal.common.RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(100))
                        .setMaximumAttempts(2)
                        .build())
                .build());
    String firstRun = WorkflowClient.start(wf::run).getRunId();
    int before = holder(id);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                !WorkflowStub.fromTyped(wf)
                    .describe()
                    .getWorkflowExecutionInfo()
                    .getExecution()
                    .getRunId()
                    .equals(firstRun));
    client.newWorkflowStub(TestWorkflows.Retried.class, id).finish();
    assertThat(client.newUntypedWorkflowStub(id).getResult(String.class)).isEqualTo("attempt 2");
    assertThat(holder(id)).isEqualTo(before);
  }
}
