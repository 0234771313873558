package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.store.MappingKey;
import dev.tempura.store.redis.RedisServerFixture;
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
  private TemporalBackends backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    redis = RedisServerFixture.start();
    backends = TemporalBackends.start(2);
    tempura = ProxyFixture.start(RedisStores.at(redis.uri(), "tempura:"));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.addPhysical("namespace-b", backends.address(1));
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.InteractiveImpl.class);
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
  void redisDownAndRestarted_runningWorkflowsComplete_newStartsWork_andTheProxyRecovers() throws Exception {
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

    redis.restart();
    for (TestWorkflows.Interactive wf : startedDuring) {
      wf.add("after-restart"); // unrecorded: found on its backend and recorded now
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
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, "after-restart")).join() != null);
    assertThat(tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, "during-0")).join()).isNotNull();
  }
}
