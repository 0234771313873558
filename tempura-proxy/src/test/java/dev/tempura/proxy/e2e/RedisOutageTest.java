package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.store.redis.RedisServerFixture;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redis goes away and comes back under load; the proxy keeps routing and recovers by itself. */
class RedisOutageTest {
  private static final String QUEUE = "outage";

  private RedisServerFixture redis;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    redis = RedisServerFixture.start();
    backends = TemporalClusters.start(2);
    tempura = ProxyFixture.start(RedisStores.at(redis.uri(), "tempura:"));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.addPhysical("namespace-b", backends.address(1));
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(
        TestWorkflows.InteractiveImpl.class, TestWorkflows.ParentImpl.class);
    factory.start();
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
    redis.close();
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
  void redisDownAndRestarted_runningWorkflowsComplete_newStartsWork_andTheProxyRecovers()
      throws Exception {
    List<TestWorkflows.Interactive> running = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      running.add(start("before-" + i));
    }
    redis.stop();

    // cached mappings keep routing; new ids are placed deterministically without the store
    for (TestWorkflows.Interactive wf : running) {
      wf.add("during-outage");
    }
    List<TestWorkflows.Interactive> startedDuring = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      startedDuring.add(start("during-" + i));
    }
    // started during the outage and never called again: only the backlog can record it
    TestWorkflows.Interactive quiet = start("quiet");
    for (TestWorkflows.Interactive wf : startedDuring) {
      wf.add("during-outage"); // locates it on its backend
    }
    // a workflow task that starts a child goes through: the child exists while the store is down
    TestWorkflows.Parent parent =
        client.newWorkflowStub(
            TestWorkflows.Parent.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("parent").build());
    WorkflowClient.start(parent::run, "child");
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .ignoreExceptions()
        .until(() -> describedThroughTempura("child"));
    assertThat(redis.isRunning()).isFalse();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> backlog() >= 8);

    redis.restart();
    for (TestWorkflows.Interactive wf : startedDuring) {
      wf.add("after-restart");
    }
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (TestWorkflows.Interactive wf : running) {
      wf.finish();
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(String.class));
    }
    for (TestWorkflows.Interactive wf : startedDuring) {
      wf.finish();
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(String.class));
    }
    for (CompletableFuture<String> r : results) {
      assertThat(r.get(60, TimeUnit.SECONDS)).isNotEmpty();
    }
    // the store works again without restarting the proxy: new placements are recorded
    start("after-restart").finish();
    // and every workflow placed or located while it was down is recorded once it is back,
    // on the backend that holds it, whether it was called again or not
    List<String> unrecordedIds = new ArrayList<>(List.of("quiet", "parent", "child"));
    for (int i = 0; i < 5; i++) {
      unrecordedIds.add("during-" + i);
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> backlog() == 0 && mapped("after-restart") != null);
    for (String id : unrecordedIds) {
      String physical = mapped(id);
      assertThat(physical).as("mapping of %s", id).isNotNull();
      assertThat(heldBy(physical, id)).as("%s on %s", id, physical).isTrue();
    }
    quiet.finish();
    assertThat(WorkflowStub.fromTyped(quiet).getResult(String.class)).isNotEmpty();
    client.newWorkflowStub(TestWorkflows.Interactive.class, "child").finish();
    parent.finish();
    assertThat(WorkflowStub.fromTyped(parent).getResult(String.class)).isEqualTo("parent+child:");
    assertThat(tempura.scrape())
        .containsPattern("tempura_mapping_backlog_recorded_total(\\{[^}]*\\})? [1-9]");
  }

  private boolean describedThroughTempura(String workflowId) {
    client
        .getWorkflowServiceStubs()
        .blockingStub()
        .describeWorkflowExecution(ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, workflowId));
    return true;
  }

  /** Asks the backend itself, not through the proxy, whether it has the workflow. */
  private static boolean heldBy(String physicalId, String workflowId) {
    int at = physicalId.indexOf('@');
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(physicalId.substring(at + 1)).usePlaintext().build();
    try {
      WorkflowServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(
              DescribeWorkflowExecutionRequest.newBuilder()
                  .setNamespace(physicalId.substring(0, at))
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                  .build());
      return true;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return false;
      }
      throw e;
    } finally {
      channel.shutdownNow();
    }
  }

  private String mapped(String id) {
    return tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
  }

  private double backlog() {
    String line =
        tempura
            .scrape()
            .lines()
            .filter(
                l ->
                    l.startsWith("tempura_mapping_backlog ")
                        || l.startsWith("tempura_mapping_backlog{"))
            .findFirst()
            .orElseThrow();
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }
}
