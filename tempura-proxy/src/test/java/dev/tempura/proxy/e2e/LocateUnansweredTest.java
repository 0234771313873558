package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A workflow Tempura has no mapping for (started on a backend directly, as before Tempura was in
 * the path) is looked for on every backend. A backend that cannot answer may be the one holding it,
 * so the call gets UNAVAILABLE (which SDKs retry) and no mapping is recorded; NOT_FOUND only when
 * every backend answered.
 */
class LocateUnansweredTest {
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend faultyB;
  private ProxyFixture tempura;
  private ManagedChannel toTempura;
  private ManagedChannel toA;
  private ManagedChannel toB;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    faultyB = new FaultyBackend(backends.address(1));
    // a stalled backend counts as silent after 1 s instead of 10
    tempura = ProxyFixture.start(dir, b -> b.locateTimeout(Duration.ofSeconds(1)));
    tempura.createVirtual();
    tempura.addPhysical(A, backends.address(0));
    tempura.addPhysical(B, faultyB.address());
    toTempura = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    toA = ManagedChannelBuilder.forTarget(backends.address(0)).usePlaintext().build();
    toB = ManagedChannelBuilder.forTarget(backends.address(1)).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    faultyB.stall(false);
    toTempura.shutdownNow();
    toA.shutdownNow();
    toB.shutdownNow();
    tempura.close();
    faultyB.close();
    backends.close();
  }

  /** Starts {@code id} on backend B directly, bypassing Tempura: it has no mapping. */
  private void startOnBDirectly(String id) {
    startDirectly(toB, B, id);
  }

  private static void startDirectly(ManagedChannel backend, String namespace, String id) {
    WorkflowServiceGrpc.newBlockingStub(backend)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .startWorkflowExecution(
            StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(namespace)
                .setWorkflowId(id)
                .setRequestId(UUID.randomUUID().toString())
                .setWorkflowType(WorkflowType.newBuilder().setName("Unpolled"))
                .setTaskQueue(TaskQueue.newBuilder().setName("nobody-polls"))
                .build());
  }

  private DescribeWorkflowExecutionResponse describeThroughTempura(String id) {
    return WorkflowServiceGrpc.newBlockingStub(toTempura)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .describeWorkflowExecution(ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, id));
  }

  private String mapped(String id) {
    return tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
  }

  private String physicalId(String name) {
    return tempura
        .topology()
        .virtualNamespace(ProxyFixture.VIRTUAL)
        .orElseThrow()
        .findByName(name)
        .get(0)
        .id();
  }

  @Test
  void stalledBackend_getsUnavailableAndNoMapping_thenTheCallSucceedsAndMapsToIt() {
    startOnBDirectly("on-b");
    faultyB.stall(true);

    assertThatThrownBy(() -> describeThroughTempura("on-b"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains(physicalId(B))
                  .contains("DEADLINE_EXCEEDED")
                  .doesNotContain(physicalId(A));
            });
    assertThat(mapped("on-b")).as("mapping recorded while B could not answer").isNull();

    faultyB.stall(false);
    DescribeWorkflowExecutionResponse found = describeThroughTempura("on-b");
    assertThat(found.getWorkflowExecutionInfo().getExecution().getWorkflowId()).isEqualTo("on-b");
    assertThat(mapped("on-b")).isEqualTo(physicalId(B));
  }

  @Test
  void backendAnsweringWithAnError_isNotTakenForNotFound() {
    startOnBDirectly("on-b-busy");
    faultyB.failWith(
        "DescribeWorkflowExecution", Status.RESOURCE_EXHAUSTED.withDescription("busy"));

    assertThatThrownBy(() -> describeThroughTempura("on-b-busy"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains(physicalId(B))
                  .contains("RESOURCE_EXHAUSTED");
            });
    assertThat(mapped("on-b-busy")).isNull();

    faultyB.clearFailures();
    assertThat(describeThroughTempura("on-b-busy").getWorkflowExecutionInfo().getExecution())
        .extracting(e -> e.getWorkflowId())
        .isEqualTo("on-b-busy");
    assertThat(mapped("on-b-busy")).isEqualTo(physicalId(B));
  }

  @Test
  void aBackendHoldingTheWorkflow_winsOverOneThatCannotAnswer() {
    // held on A, which answers; B is stalled: the answer is A's, recorded as today
    startDirectly(toA, A, "on-a");
    faultyB.stall(true);
    assertThat(describeThroughTempura("on-a").getWorkflowExecutionInfo().getExecution())
        .extracting(e -> e.getWorkflowId())
        .isEqualTo("on-a");
    assertThat(mapped("on-a")).isEqualTo(physicalId(A));
  }

  @Test
  void everyBackendAnsweringNotFound_isNotFound() {
    assertThatThrownBy(() -> describeThroughTempura("nowhere"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThat(mapped("nowhere")).isNull();
  }
}
