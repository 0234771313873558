package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.onboard.OnboardingOptions;
import dev.tempura.store.MappingKey;
import dev.tempura.testing.TemporalClustersExtension;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdConflictPolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Putting Tempura in front of a namespace that already has workflows (issue 13, point 1): cluster
 * A's workflows are made directly on it, before Tempura knows it; then Tempura serves A, declared
 * as holding existing workflows, and B. Each cluster is its own in-memory server (whose open list
 * ignores the namespace), and A's visibility is paged as a real frontend pages it ({@link
 * PagingVisibilityFront}).
 */
@Timeout(120)
class OnboardingTest {
  private static final String QUEUE = "onboarding";

  @RegisterExtension
  final TemporalClustersExtension<AutoCloseable> env = TemporalClustersExtension.clusters(2);

  @TempDir Path dataDir;

  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  @Test
  void startsReachTheExecutionsAlreadyOnAAndNoIdRunsTwice(TemporalClusters clusters)
      throws Exception {
    // before Tempura: entity workflows waiting for signals, and a few that already closed
    // (no worker yet: the first one to run them is the one behind Tempura)
    WorkflowClient direct = directClient(clusters.address(0));
    Map<String, String> entities = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      String id = "customer-" + i;
      WorkflowStub s = direct.newUntypedWorkflowStub("Interactive", options(id));
      entities.put(id, s.start(id).getRunId());
    }
    List<String> closed = List.of("order-0", "order-1");
    for (String id : closed) {
      WorkflowStub s = direct.newUntypedWorkflowStub("Interactive", options(id));
      s.start(id);
      s.terminate("closed before Tempura");
    }

    PagingVisibilityFront a = PagingVisibilityFront.start(clusters.address(0));
    closeAfter.add(a);
    // the import lists nothing yet: every start below must find its execution by looking on A
    a.holdAfter(0);
    ProxyFixture tempura =
        ProxyFixture.start(
            dataDir,
            b ->
                b.onboarding(
                    new OnboardingOptions(3, 1000, Duration.ofSeconds(1), Duration.ofMillis(200))));
    closeAfter.add(tempura);
    tempura.createVirtual();
    tempura.addPhysicalWithExistingWorkflows("namespace-a", a.address());
    tempura.addPhysical("namespace-b", clusters.address(1));
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.InteractiveImpl.class);

    // SignalWithStart of every existing entity signals it on A: same run, no second execution
    for (Map.Entry<String, String> e : entities.entrySet()) {
      WorkflowStub s = client.newUntypedWorkflowStub("Interactive", options(e.getKey()));
      String runId =
          s.signalWithStart("add", new Object[] {"via-tempura"}, new Object[] {e.getKey()})
              .getRunId();
      assertThat(runId).as(e.getKey()).isEqualTo(e.getValue());
    }
    // a closed one still inside retention: REJECT_DUPLICATE holds, answered by A
    assertThatThrownBy(
            () ->
                client
                    .newUntypedWorkflowStub(
                        "Interactive",
                        options("order-0").toBuilder()
                            .setWorkflowIdReusePolicy(
                                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                            .build())
                    .start("order-0"))
        .isInstanceOf(WorkflowExecutionAlreadyStarted.class);
    // ids nobody has are placed as usual, over both backends
    List<String> fresh = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String id = "fresh-" + i;
      fresh.add(id);
      client
          .newUntypedWorkflowStub("Interactive", options(id))
          .signalWithStart("add", new Object[] {"new"}, new Object[] {id});
    }
    Map<String, Object> during = onboarding(tempura, "namespace-a");
    assertThat(during.get("state")).isEqualTo("importing");
    // counted only where placement had chosen B (a start placed on A needs no look-up)
    assertThat((Integer) during.get("located_starts")).isBetween(1, entities.size() + 1);

    // the import runs and finishes; the ids it lists are mapped to A
    a.release();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "done".equals(onboarding(tempura, "namespace-a").get("state")));
    Map<String, Object> after = onboarding(tempura, "namespace-a");
    assertThat((Long) after.get("imported_workflows"))
        .isGreaterThanOrEqualTo(entities.size() + closed.size());
    assertThat(after.get("mapped_elsewhere")).isEqualTo(0L);
    assertThat(tempura.scrape())
        .contains("tempura_onboarding_state{")
        .containsPattern(
            "tempura_onboarding_pending\\{[^}]*physical_namespace=\"namespace-a\"[^}]*} 0.0");
    for (String id : closed) {
      assertThat(tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join())
          .as(id)
          .startsWith("namespace-a@");
    }

    // after the import, Start with the id's policies is answered by A as before
    assertThatThrownBy(
            () -> client.newUntypedWorkflowStub("Interactive", options("customer-0")).start("x"))
        .isInstanceOf(WorkflowExecutionAlreadyStarted.class);
    String existing =
        client
            .newUntypedWorkflowStub(
                "Interactive",
                options("customer-1").toBuilder()
                    .setWorkflowIdConflictPolicy(
                        WorkflowIdConflictPolicy.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING)
                    .build())
            .start("x")
            .getRunId();
    assertThat(existing).isEqualTo(entities.get("customer-1"));
    assertThatThrownBy(
            () ->
                client
                    .newUntypedWorkflowStub(
                        "Interactive",
                        options("order-1").toBuilder()
                            .setWorkflowIdReusePolicy(
                                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
                            .build())
                    .start("order-1"))
        .isInstanceOf(WorkflowExecutionAlreadyStarted.class);

    // every existing entity got the signal in its one execution on A; no id runs on two backends
    for (String id : entities.keySet()) {
      TestWorkflows.Interactive stub = client.newWorkflowStub(TestWorkflows.Interactive.class, id);
      assertThat(stub.items()).as(id).containsExactly("via-tempura");
      assertThat(
              describe(clusters.address(0), "namespace-a", id)
                  .getWorkflowExecutionInfo()
                  .getExecution()
                  .getRunId())
          .isEqualTo(entities.get(id));
      assertThat(describe(clusters.address(1), "namespace-b", id)).as(id + " on B").isNull();
    }
    for (String id : closed) {
      assertThat(describe(clusters.address(1), "namespace-b", id)).as(id + " on B").isNull();
    }
    int onB = 0;
    for (String id : fresh) {
      boolean onA = describe(clusters.address(0), "namespace-a", id) != null;
      boolean inB = describe(clusters.address(1), "namespace-b", id) != null;
      assertThat(onA ^ inB).as(id + " on exactly one backend").isTrue();
      onB += inB ? 1 : 0;
    }
    assertThat(onB).as("fresh ids placed on B").isPositive();
  }

  @Test
  void anImportStoppedMidwayResumesFromItsLastPageAfterARestart(TemporalClusters clusters) {
    // thirty open workflows on A (no worker needed: they stay open)
    WorkflowClient direct = directClient(clusters.address(0));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = "entity-" + i;
      ids.add(id);
      direct.newUntypedWorkflowStub("Interactive", options(id)).start(id);
    }
    PagingVisibilityFront a = PagingVisibilityFront.start(clusters.address(0));
    closeAfter.add(a);
    a.holdAfter(4);
    // pages of 3 at 30 workflows a second; the default lease of 60 s: the stopping proxy gives
    // its lease up, so the restarted one resumes at once, well within the 30 s awaited below
    ProxyFixture tempura =
        ProxyFixture.start(
            dataDir,
            b ->
                b.onboarding(
                    new OnboardingOptions(3, 30, Duration.ofSeconds(60), Duration.ofMillis(200))));
    closeAfter.add(tempura);
    tempura.createVirtual();
    tempura.addPhysicalWithExistingWorkflows("namespace-a", a.address());
    tempura.addPhysical("namespace-b", clusters.address(1));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                a.heldCalls() == 1
                    && Long.valueOf(4).equals(onboarding(tempura, "namespace-a").get("pages")));
    Map<String, Object> stopped = onboarding(tempura, "namespace-a");
    assertThat(stopped.get("state")).isEqualTo("importing");
    assertThat(stopped.get("imported_workflows")).isEqualTo(12L);
    String heldToken = a.requests().get(a.requests().size() - 1).pageToken();
    assertThat(heldToken).isEqualTo("12");

    // Tempura stops in the middle of the import and starts again on the same store
    tempura.stopProxy();
    a.release();
    a.clearRequests();
    tempura.startProxy();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> "done".equals(onboarding(tempura, "namespace-a").get("state")));
    List<PagingVisibilityFront.ListRequest> resumed = a.requests();
    assertThat(resumed.get(0).query()).isEqualTo("ExecutionStatus=\"Running\"");
    assertThat(resumed.get(0).pageToken()).as("resumed from the stored token").isEqualTo("12");
    assertThat(resumed)
        .filteredOn(r -> r.query().equals("ExecutionStatus=\"Running\""))
        .as("the open phase never started over")
        .noneMatch(r -> r.pageToken().isEmpty());
    Map<String, Object> done = onboarding(tempura, "namespace-a");
    assertThat(done.get("imported_workflows")).isEqualTo(30L);
    for (String id : ids) {
      assertThat(tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join())
          .as(id)
          .startsWith("namespace-a@");
    }
  }

  private Map<String, Object> onboarding(ProxyFixture tempura, String physical) {
    PhysicalNamespace p =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(physical)
            .get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> o =
        (Map<String, Object>)
            tempura
                .proxy()
                .physicalDetails(ProxyFixture.VIRTUAL, p)
                .getOrDefault("onboarding", Map.of());
    return o;
  }

  private WorkflowClient directClient(String address) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    closeAfter.add(stubs::shutdownNow);
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace("namespace-a").build());
  }

  /** The describe of {@code id} straight on a backend, or null when it has no such workflow. */
  private DescribeWorkflowExecutionResponse describe(String address, String namespace, String id) {
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    try {
      return stubs
          .blockingStub()
          .describeWorkflowExecution(ProxyFixture.describeRequest(namespace, id));
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      return null;
    } finally {
      stubs.shutdownNow();
    }
  }

  private static WorkflowOptions options(String id) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setTaskQueue(QUEUE)
        .setWorkflowRunTimeout(Duration.ofMinutes(10))
        .build();
  }
}
