package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Physical namespaces added and cordoned while workflows run: nothing stops, load moves. */
class LiveTopologyTest {
  private static final String QUEUE = "live";

  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.InteractiveImpl.class);
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  private List<TestWorkflows.Interactive> startMany(String prefix, int n) {
    List<TestWorkflows.Interactive> started = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      TestWorkflows.Interactive wf =
          client.newWorkflowStub(
              TestWorkflows.Interactive.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(prefix + i).build());
      WorkflowClient.start(wf::run, prefix);
      started.add(wf);
    }
    return started;
  }

  private Map<String, Integer> placements(String prefix, int n) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      String mapped =
          tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, prefix + i)).join();
      counts.merge(mapped.substring(0, mapped.indexOf('@')), 1, Integer::sum);
    }
    return counts;
  }

  private static void finishAll(List<TestWorkflows.Interactive> wfs) throws Exception {
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (TestWorkflows.Interactive wf : wfs) {
      wf.add("x");
      wf.finish();
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(String.class));
    }
    for (CompletableFuture<String> r : results) {
      assertThat(r.get(60, TimeUnit.SECONDS)).endsWith(":x");
    }
  }

  @Test
  void addingAPhysicalNamespaceLive_spreadsNewWorkflows_andOldOnesCompleteWhereTheyAre()
      throws Exception {
    List<TestWorkflows.Interactive> before = startMany("before-", 20);
    assertThat(placements("before-", 20)).containsOnlyKeys("namespace-a");

    tempura.addPhysical("namespace-b", backends.address(1));
    List<TestWorkflows.Interactive> after = startMany("after-", 40);
    Map<String, Integer> spread = placements("after-", 40);
    assertThat(spread).containsKeys("namespace-a", "namespace-b");
    assertThat(spread.get("namespace-b")).isGreaterThanOrEqualTo(10);

    finishAll(before);
    finishAll(after);
    assertThat(placements("before-", 20)).containsOnlyKeys("namespace-a");
  }

  @Test
  void cordoningAPhysicalNamespace_stopsNewPlacements_andItsWorkflowsStillComplete()
      throws Exception {
    tempura.addPhysical("namespace-b", backends.address(1));
    List<TestWorkflows.Interactive> before = startMany("pre-cordon-", 30);
    Map<String, Integer> spread = placements("pre-cordon-", 30);
    assertThat(spread).containsKeys("namespace-a", "namespace-b");

    tempura.cordon("namespace-a", backends.address(0));
    List<TestWorkflows.Interactive> after = startMany("post-cordon-", 30);
    assertThat(placements("post-cordon-", 30)).containsOnlyKeys("namespace-b");

    // workers keep polling the cordoned namespace, so its workflows make progress and finish
    finishAll(before);
    finishAll(after);
  }
}
