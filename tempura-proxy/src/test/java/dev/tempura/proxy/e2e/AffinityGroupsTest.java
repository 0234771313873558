package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.PlacementSettings.Affinity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
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

/**
 * An affinity rule keeps a group of related workflows on one backend, so that they can signal one
 * another from workflow code (a command the backend carries out within its own namespace).
 */
class AffinityGroupsTest {
  private static final String QUEUE = "affinity";
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";

  /** Workflow n > 0 signals workflow n - 1 of its group, then waits to be signalled itself. */
  @WorkflowInterface
  public interface Link {
    @WorkflowMethod
    String run(String group, int n);

    @SignalMethod
    void ping(String from);
  }

  public static final class LinkImpl implements Link {
    private String pingedBy;

    @Override
    public String run(String group, int n) {
      if (n > 0) {
        Workflow.newUntypedExternalWorkflowStub(group + ":" + (n - 1))
            .signal("ping", Workflow.getInfo().getWorkflowId());
      }
      Workflow.await(() -> pingedBy != null);
      return pingedBy;
    }

    @Override
    public void ping(String from) {
      pingedBy = from;
    }
  }

  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    tempura = ProxyFixture.startOnTwoClusters(dir, backends);
    tempura
        .topology()
        .setPlacement(
            ProxyFixture.VIRTUAL,
            PlacementSettings.DEFAULT.withAffinity(new Affinity(Affinity.PREFIX, ":")))
        .join();
    client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, LinkImpl.class);
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  /** The physical namespace name {@code id} is mapped to, or null. */
  private String placement(String id) {
    String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
    return mapped == null ? null : mapped.substring(0, mapped.indexOf('@'));
  }

  private Link link(String id) {
    return client.newWorkflowStub(
        Link.class, WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
  }

  /**
   * Starts workflows {@code group:0} to {@code group:(n-1)} one after another (each signals the one
   * before, which therefore exists), signals the last from the client, and returns where each
   * workflow was placed, once all have completed, each signalled by the next.
   */
  private Map<String, Integer> runChain(String group, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      WorkflowClient.start(link(group + ":" + i)::run, group, i);
    }
    client.newWorkflowStub(Link.class, group + ":" + (n - 1)).ping("client");
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      results.add(client.newUntypedWorkflowStub(group + ":" + i).getResultAsync(String.class));
    }
    for (int i = 0; i < n; i++) {
      String expected = i == n - 1 ? "client" : group + ":" + (i + 1);
      assertThat(results.get(i).get(60, TimeUnit.SECONDS))
          .as("who signalled %s:%d", group, i)
          .isEqualTo(expected);
    }
    Map<String, Integer> where = new HashMap<>();
    for (int i = 0; i < n; i++) {
      where.merge(String.valueOf(placement(group + ":" + i)), 1, Integer::sum);
    }
    return where;
  }

  @Test
  void aGroupOfAHundredWorkflows_landsOnOneBackend_andItsWorkflowsSignalEachOther()
      throws Exception {
    Map<String, Integer> group1 = runChain("group-1", 100);
    assertThat(group1).hasSize(1);
    String home1 = group1.keySet().iterator().next();
    assertThat(group1.get(home1)).isEqualTo(100);
    // the group's own record names the same backend
    String groupMapping =
        tempura.mappings().get(Keyspace.AFFINITY.key(ProxyFixture.VIRTUAL, "group-1")).join();
    assertThat(groupMapping).startsWith(home1 + "@");

    Map<String, Integer> group2 = runChain("group-2", 20);
    assertThat(group2).hasSize(1);
    assertThat(group2.values()).containsExactly(20);
    assertThat(group2.keySet()).allSatisfy(home -> assertThat(home).isIn(A, B));

    // ids the rule does not apply to (no ':') are placed one by one, over both backends
    Map<String, Integer> unrelated = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String id = "unrelated-" + i;
      WorkflowStub stub =
          client.newUntypedWorkflowStub(
              "Link", WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
      stub.start(id, 0);
      unrelated.merge(placement(id), 1, Integer::sum);
    }
    System.out.printf(
        "AffinityGroupsTest: group-1 on %s, group-2 on %s, unrelated ids %s%n",
        group1, group2, unrelated);
    assertThat(unrelated).containsOnlyKeys(A, B);
    assertThat(unrelated.get(A)).isGreaterThanOrEqualTo(8);
    assertThat(unrelated.get(B)).isGreaterThanOrEqualTo(8);
  }
}
