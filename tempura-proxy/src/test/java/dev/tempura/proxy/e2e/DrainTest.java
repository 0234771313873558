package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.lifecycle.DrainReporter;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.VirtualNamespace;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Draining a cordoned physical namespace: the report counts its open workflows and dates the
 * oldest, and falls to zero as they complete. And the round-robin policy, which alternates.
 */
class DrainTest {
  private static final String QUEUE = "drain";
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";

  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private WorkflowClient client;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    tempura = ProxyFixture.startOnTwoClusters(dir, backends);
    client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.InteractiveImpl.class);
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  private TestWorkflows.Interactive interactive(String id) {
    return client.newWorkflowStub(
        TestWorkflows.Interactive.class,
        WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
  }

  /** The physical namespace name {@code id} is mapped to, or null. */
  private String placement(String id) {
    String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
    return mapped == null ? null : mapped.substring(0, mapped.indexOf('@'));
  }

  /** The start time the backend gives the workflow, asked through the proxy. */
  private Instant startTime(String id) {
    long millis =
        Timestamps.toMillis(
            client
                .getWorkflowServiceStubs()
                .blockingStub()
                .describeWorkflowExecution(ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, id))
                .getWorkflowExecutionInfo()
                .getStartTime());
    return Instant.ofEpochMilli(millis);
  }

  private DrainReporter.Report report(String physical) {
    VirtualNamespace vns = tempura.topology().virtualNamespace(ProxyFixture.VIRTUAL).orElseThrow();
    PhysicalNamespace p = vns.findByName(physical).get(0);
    return tempura.proxy().drainReport(vns, p).join();
  }

  /** The workflow mappings as the store holds them, with their TTLs: what a report walks. */
  private String mappingsDump() {
    StringBuilder out = new StringBuilder();
    for (var e : tempura.mappings().scan(null, 1000).join().entries()) {
      out.append("\n  ")
          .append(e.key().workflowId())
          .append(" -> ")
          .append(e.physicalId())
          .append(" ttl ")
          .append(e.ttlMillis());
    }
    return out.toString();
  }

  private void finish(String id) throws Exception {
    TestWorkflows.Interactive wf = client.newWorkflowStub(TestWorkflows.Interactive.class, id);
    wf.finish();
    assertThat(WorkflowStub.fromTyped(wf).getResultAsync(String.class).get(30, TimeUnit.SECONDS))
        .isEqualTo(id + ":");
  }

  @Test
  void cordoningANamespaceWithOpenWorkflows_reportsTheirCountAndTheOldest_andTheCountFallsToZero()
      throws Exception {
    List<String> onA = new ArrayList<>();
    List<String> onB = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      String id = "drain-" + i;
      WorkflowClient.start(interactive(id)::run, id);
      (A.equals(placement(id)) ? onA : onB).add(id);
    }
    assertThat(onA).hasSizeGreaterThanOrEqualTo(3);
    tempura.cordon(A, backends.address(0));
    // a cordoned namespace takes no new workflows, so the open count can only fall
    for (int i = 0; i < 10; i++) {
      String id = "after-cordon-" + i;
      WorkflowClient.start(interactive(id)::run, id);
      assertThat(placement(id)).isEqualTo(B);
      onB.add(id);
    }

    // oldest first, as the backend dates them
    onA.sort(Comparator.comparing(this::startTime));
    DrainReporter.Report full = report(A);
    assertThat(full.openWorkflows())
        .as(() -> "open on " + A + " " + onA + "; mappings:" + mappingsDump())
        .isEqualTo(onA.size());
    assertThat(full.oldestStartedAt()).isEqualTo(startTime(onA.get(0)));
    assertThat(report(B).openWorkflows())
        .as(() -> "open on " + B + " " + onB + "; mappings:" + mappingsDump())
        .isEqualTo(onB.size());

    // the oldest half completes: the count falls by as many, and the oldest is a later one
    int half = onA.size() / 2;
    for (String id : onA.subList(0, half)) {
      finish(id);
    }
    DrainReporter.Report halfway = report(A);
    assertThat(halfway.openWorkflows())
        .as(
            () ->
                "open on "
                    + A
                    + " "
                    + onA.subList(half, onA.size())
                    + "; mappings:"
                    + mappingsDump())
        .isEqualTo(onA.size() - half);
    assertThat(halfway.oldestStartedAt()).isEqualTo(startTime(onA.get(half)));

    for (String id : onA.subList(half, onA.size())) {
      finish(id);
    }
    DrainReporter.Report drained = report(A);
    System.out.printf(
        "DrainTest: %d open on %s at cordon (oldest %s), %d halfway, %s when all completed%n",
        full.openWorkflows(), A, full.oldestStartedAt(), halfway.openWorkflows(), drained);
    assertThat(drained.openWorkflows()).as(() -> "mappings:" + mappingsDump()).isZero();
    assertThat(drained.oldestStartedAt()).isNull();
    // the other namespace's workflows are not counted against it, and are still open
    assertThat(report(B).openWorkflows())
        .as(() -> "open on " + B + " " + onB + "; mappings:" + mappingsDump())
        .isEqualTo(onB.size());
  }

  @Test
  void roundRobinPolicy_alternatesConsecutiveStartsBetweenTwoBackends() {
    tempura
        .topology()
        .setPlacement(
            ProxyFixture.VIRTUAL,
            PlacementSettings.DEFAULT.withPolicy(PlacementSettings.ROUND_ROBIN))
        .join();
    List<String> placements = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = "rr-" + i;
      WorkflowClient.start(interactive(id)::run, id);
      placements.add(placement(id));
    }
    for (int i = 1; i < placements.size(); i++) {
      assertThat(placements.get(i))
          .as("start %d, after one on %s", i, placements.get(i - 1))
          .isNotEqualTo(placements.get(i - 1));
    }
    assertThat(placements).containsOnly(A, B);
    assertThat(placements.stream().filter(A::equals).count()).isEqualTo(10);
  }
}
