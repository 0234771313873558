package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.VirtualNamespace;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two proxy replicas share one Redis (standalone here, a cluster in
 * RedisReplicasOnRedisClusterTest): topology made on one shows on the other, clients may use
 * either, and concurrent starts agree.
 */
class RedisReplicasTest {
  private static final String QUEUE = "replicas";

  private TemporalClusters backends;
  private ProxyFixture replicaA;
  private ProxyFixture replicaB;
  private String prefix;

  ProxyFixture.StoreFactory stores(String prefix) {
    return RedisStores.standalone(prefix);
  }

  @BeforeEach
  void setUp() {
    prefix = RedisStores.uniquePrefix();
    backends = TemporalClusters.start(2);
    replicaA = ProxyFixture.start(stores(prefix));
    replicaB = ProxyFixture.start(stores(prefix));
  }

  @AfterEach
  void tearDown() {
    replicaA.close();
    replicaB.close();
    backends.close();
    RedisStores.deleteKeys(prefix);
  }

  private void topologyOnA_reachesB() {
    replicaA.createVirtual();
    replicaA.addPhysical("namespace-a", backends.address(0));
    replicaA.addPhysical("namespace-b", backends.address(1));
    // announced at once; polled each second should the announcement be lost. The bound leaves
    // room for a slow machine: how fast is for benchmarks, this checks that it arrives unasked
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                replicaB
                        .topology()
                        .virtualNamespace(ProxyFixture.VIRTUAL)
                        .map(VirtualNamespace::physicalNamespaces)
                        .map(List::size)
                        .orElse(0)
                    == 2);
  }

  private static WorkerFactory worker(ProxyFixture replica, WorkflowClient client) {
    WorkerFactory factory = replica.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.InteractiveImpl.class);
    factory.start();
    return factory;
  }

  @Test
  void topologyChangeOnOneReplica_isVisibleOnTheOther_withoutARestart() {
    topologyOnA_reachesB();
    replicaB.cordon("namespace-a", backends.address(0));
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                replicaA
                        .topology()
                        .virtualNamespace(ProxyFixture.VIRTUAL)
                        .orElseThrow()
                        .active()
                        .size()
                    == 1);
  }

  @Test
  void clientsAlternatingBetweenReplicas_everyWorkflowCompletesAndEveryCallRoutes()
      throws Exception {
    topologyOnA_reachesB();
    WorkflowClient[] clients = {replicaA.newClient(), replicaB.newClient()};
    worker(replicaA, clients[0]);
    worker(replicaB, clients[1]);

    int n = 30;
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = "alternating-" + i;
      TestWorkflows.Interactive started =
          clients[i % 2].newWorkflowStub(
              TestWorkflows.Interactive.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
      WorkflowClient.start(started::run, "w" + i);
      TestWorkflows.Interactive other =
          clients[(i + 1) % 2].newWorkflowStub(TestWorkflows.Interactive.class, id);
      other.add("via-other");
      // the signal, sent through the other replica, is seen through the starter's before the
      // update: under load the in-memory server may order an update ahead of a signal that
      // arrived while a workflow task was running, which is not what this test is about
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> started.items().contains("via-other"));
      assertThat(started.addAndCount("via-starter")).isEqualTo(2);
      assertThat(other.items()).containsExactly("via-other", "via-starter");
      other.finish();
      results.add(WorkflowStub.fromTyped(started).getResultAsync(String.class));
    }
    Set<String> backendsUsed = new HashSet<>();
    for (int i = 0; i < n; i++) {
      assertThat(results.get(i).get(60, TimeUnit.SECONDS))
          .isEqualTo("w" + i + ":via-other,via-starter");
      String onA =
          replicaA.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, "alternating-" + i)).join();
      String onB =
          replicaB.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, "alternating-" + i)).join();
      assertThat(onA).isEqualTo(onB);
      backendsUsed.add(onA);
    }
    assertThat(backendsUsed).hasSize(2);
  }

  @Test
  void fiftyConcurrentStartsOfOneIdAcrossBothReplicas_yieldExactlyOneExecution() throws Exception {
    topologyOnA_reachesB();
    WorkflowClient[] clients = {replicaA.newClient(), replicaB.newClient()};
    worker(replicaA, clients[0]);
    String id = "contended-across-replicas";
    ExecutorService pool = Executors.newFixedThreadPool(16);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> outcomes = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        WorkflowClient client = clients[i % 2];
        outcomes.add(
            pool.submit(
                () -> {
                  go.await();
                  TestWorkflows.Interactive wf =
                      client.newWorkflowStub(
                          TestWorkflows.Interactive.class,
                          WorkflowOptions.newBuilder()
                              .setTaskQueue(QUEUE)
                              .setWorkflowId(id)
                              .build());
                  try {
                    return WorkflowClient.start(wf::run, "once").getRunId();
                  } catch (WorkflowExecutionAlreadyStarted e) {
                    return "already-started";
                  }
                }));
      }
      go.countDown();
      List<String> results = new ArrayList<>();
      for (Future<String> f : outcomes) {
        results.add(f.get(60, TimeUnit.SECONDS));
      }
      assertThat(results.stream().filter(r -> !r.equals("already-started"))).hasSize(1);
      assertThat(results.stream().filter(r -> r.equals("already-started"))).hasSize(49);
    } finally {
      pool.shutdownNow();
    }
    clients[1].newWorkflowStub(TestWorkflows.Interactive.class, id).finish();
    assertThat(clients[0].newUntypedWorkflowStub(id).getResult(String.class)).isEqualTo("once:");
  }
}
