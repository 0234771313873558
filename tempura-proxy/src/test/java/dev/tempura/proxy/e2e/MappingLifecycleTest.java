package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import org.assertj.core.data.Offset;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A mapping has no TTL while its workflow runs, and the retention once it closes. Runs against
 * every store: MappingLifecycleEmbeddedTest, MappingLifecycleRedisTest and
 * MappingLifecycleRedisClusterTest, each a file of its own (Surefire skips static nested classes).
 */
abstract class MappingLifecycleTest {
  private static final String QUEUE = "lifecycle";
  private static final long RETENTION_MS = ProxyFixture.RETENTION.toMillis();

  private TemporalClusters backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  abstract ProxyFixture.StoreFactory stores();

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    tempura = ProxyFixture.start(stores());
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.addPhysical("namespace-b", backends.address(1));
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(
        TestWorkflows.InteractiveImpl.class, TestWorkflows.ChainImpl.class);
    factory.start();
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  private long pttl(String id) {
    return tempura.mappings().ttlMillis(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
  }

  private TestWorkflows.Interactive start(String id) {
    TestWorkflows.Interactive wf =
        client.newWorkflowStub(
            TestWorkflows.Interactive.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
    WorkflowClient.start(wf::run, id);
    return wf;
  }

  @Test
  void runningWorkflow_hasNoTtl_andCompletion_setsTheRetention() {
    TestWorkflows.Interactive wf = start("completes");
    wf.add("x"); // a round trip through a workflow task: the workflow is surely running
    assertThat(pttl("completes")).isEqualTo(-1);

    wf.finish();
    WorkflowStub.fromTyped(wf).getResult(String.class);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(pttl("completes")).isCloseTo(RETENTION_MS, Offset.offset(10_000L)));
  }

  @Test
  void terminateThroughTempura_setsTheRetention() {
    TestWorkflows.Interactive wf = start("terminated-here");
    wf.add("x");
    WorkflowStub.fromTyped(wf).terminate("test");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(pttl("terminated-here"))
                    .isCloseTo(RETENTION_MS, Offset.offset(10_000L)));
  }

  @Test
  void continueAsNew_keepsTheMappingWithoutTtl() {
    TestWorkflows.Chain wf =
        client.newWorkflowStub(
            TestWorkflows.Chain.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("chained").build());
    WorkflowClient.start(wf::run, 2);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> historyStartsAfterContinue("chained", 2));
    assertThat(pttl("chained")).isEqualTo(-1);
    client.newWorkflowStub(TestWorkflows.Chain.class, "chained").finish();
    client.newUntypedWorkflowStub("chained").getResult(String.class);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(pttl("chained")).isCloseTo(RETENTION_MS, Offset.offset(10_000L)));
  }

  /** True once the latest run was reached through {@code continues} continue-as-new steps. */
  private boolean historyStartsAfterContinue(String id, int continues) {
    int seen = 0;
    String runId = "";
    while (true) {
      String previous =
          client
              .fetchHistory(id, runId)
              .getHistory()
              .getEvents(0)
              .getWorkflowExecutionStartedEventAttributes()
              .getContinuedExecutionRunId();
      if (previous.isEmpty()) {
        return seen >= continues;
      }
      seen++;
      runId = previous;
    }
  }

  @Test
  void terminateSentStraightToTheBackend_isFoundByTheReconciler() {
    TestWorkflows.Interactive wf = start("terminated-behind");
    wf.add("x");
    String mapped =
        tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, "terminated-behind")).join();
    int index = mapped.startsWith("namespace-a@") ? 0 : 1;
    WorkflowServiceStubs direct =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(backends.address(index)).build());
    try {
      direct
          .blockingStub()
          .terminateWorkflowExecution(
              TerminateWorkflowExecutionRequest.newBuilder()
                  .setNamespace(index == 0 ? "namespace-a" : "namespace-b")
                  .setWorkflowExecution(
                      WorkflowExecution.newBuilder().setWorkflowId("terminated-behind"))
                  .setReason("behind Tempura's back")
                  .build());
    } finally {
      direct.shutdownNow();
    }
    long closedBefore = tempura.proxy().reconciler().closedFound();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(pttl("terminated-behind"))
                    .isCloseTo(RETENTION_MS, Offset.offset(15_000L)));
    assertThat(tempura.proxy().reconciler().closedFound()).isGreaterThan(closedBefore);
  }
}
