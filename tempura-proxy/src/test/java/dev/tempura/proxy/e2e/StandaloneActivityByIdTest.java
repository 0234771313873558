package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.RecordActivityTaskHeartbeatByIdRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCanceledByIdRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedByIdRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskFailedByIdRequest;
import io.temporal.api.workflowservice.v1.StartActivityExecutionRequest;
import io.temporal.api.workflowservice.v1.StartActivityExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RecordActivityTaskHeartbeatById and RespondActivityTask{Completed,Failed,Canceled}ById with an
 * empty workflow_id are about a standalone activity (Temporal's frontend reads them so): over three
 * backends, each reaches the backend its StartActivityExecution was placed on. With a workflow_id
 * they still go where the workflow is. Recording backends stand in for Temporal, since the
 * in-memory test server has no standalone activities.
 */
class StandaloneActivityByIdTest {
  @TempDir Path dir;
  private final List<RecordingBackend> backends = new ArrayList<>();
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub;

  @BeforeEach
  void setUp() {
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    for (int i = 0; i < 3; i++) {
      RecordingBackend b = new RecordingBackend();
      backends.add(b);
      tempura.addPhysical("ns-" + i, b.address());
    }
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    stub = WorkflowServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backends.forEach(RecordingBackend::close);
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** The index of the one backend that received a call of {@code method} about {@code id}. */
  private int receivedBy(MethodDescriptor<?, ?> method, String id) {
    List<Integer> got = new ArrayList<>();
    for (int i = 0; i < backends.size(); i++) {
      for (RecordingBackend.Received r : backends.get(i).received(method)) {
        if (contains(r.request(), id)) {
          got.add(i);
        }
      }
    }
    assertThat(got).as(method.getBareMethodName() + " of " + id).hasSize(1);
    return got.get(0);
  }

  private static boolean contains(byte[] request, String id) {
    return new String(request, java.nio.charset.StandardCharsets.ISO_8859_1).contains(id);
  }

  private StartActivityExecutionResponse startStandalone(String activityId) {
    return stub()
        .startActivityExecution(
            StartActivityExecutionRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setActivityId(activityId)
                .setRequestId(UUID.randomUUID().toString())
                .setActivityType(ActivityType.newBuilder().setName("Echo"))
                .setTaskQueue(TaskQueue.newBuilder().setName("standalone"))
                .build());
  }

  @Test
  void byIdCallsWithoutWorkflowId_reachTheBackendTheStandaloneActivityWasStartedOn()
      throws InvalidProtocolBufferException {
    Set<Integer> startedOn = new HashSet<>();
    for (int n = 0; n < 9; n++) {
      String id = "standalone-activity-" + n;
      startStandalone(id);
      int home = receivedBy(WorkflowServiceGrpc.getStartActivityExecutionMethod(), id);
      startedOn.add(home);

      stub()
          .recordActivityTaskHeartbeatById(
              RecordActivityTaskHeartbeatByIdRequest.newBuilder()
                  .setNamespace(ProxyFixture.VIRTUAL)
                  .setActivityId(id)
                  .build());
      stub()
          .respondActivityTaskCompletedById(
              RespondActivityTaskCompletedByIdRequest.newBuilder()
                  .setNamespace(ProxyFixture.VIRTUAL)
                  .setActivityId(id)
                  .build());
      stub()
          .respondActivityTaskFailedById(
              RespondActivityTaskFailedByIdRequest.newBuilder()
                  .setNamespace(ProxyFixture.VIRTUAL)
                  .setActivityId(id)
                  .build());
      stub()
          .respondActivityTaskCanceledById(
              RespondActivityTaskCanceledByIdRequest.newBuilder()
                  .setNamespace(ProxyFixture.VIRTUAL)
                  .setActivityId(id)
                  .build());

      assertThat(receivedBy(WorkflowServiceGrpc.getRecordActivityTaskHeartbeatByIdMethod(), id))
          .isEqualTo(home);
      assertThat(receivedBy(WorkflowServiceGrpc.getRespondActivityTaskCompletedByIdMethod(), id))
          .isEqualTo(home);
      assertThat(receivedBy(WorkflowServiceGrpc.getRespondActivityTaskFailedByIdMethod(), id))
          .isEqualTo(home);
      assertThat(receivedBy(WorkflowServiceGrpc.getRespondActivityTaskCanceledByIdMethod(), id))
          .isEqualTo(home);
    }
    // routed by any one backend (the old behaviour sent every such call to the first) would fail
    // above for the activities placed elsewhere; make sure there were some
    assertThat(startedOn)
        .as("backends the standalone activities were placed on")
        .hasSizeGreaterThan(1);
  }

  @Test
  void byIdCallWithWorkflowId_stillGoesWhereTheWorkflowIs() {
    PhysicalNamespace p1 = physical(1);
    PhysicalNamespace p2 = physical(2);
    // a workflow on backend 2; a standalone activity with the same activity id on backend 1
    tempura
        .mappings()
        .putIfAbsent(Keyspace.WORKFLOW.key(ProxyFixture.VIRTUAL, "wf-x"), p2.id())
        .join();
    tempura
        .mappings()
        .putIfAbsent(Keyspace.ACTIVITY.key(ProxyFixture.VIRTUAL, "act-x"), p1.id())
        .join();

    stub()
        .respondActivityTaskCompletedById(
            RespondActivityTaskCompletedByIdRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setWorkflowId("wf-x")
                .setActivityId("act-x")
                .build());
    stub()
        .recordActivityTaskHeartbeatById(
            RecordActivityTaskHeartbeatByIdRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setWorkflowId("wf-x")
                .setActivityId("act-x")
                .build());

    assertThat(receivedBy(WorkflowServiceGrpc.getRespondActivityTaskCompletedByIdMethod(), "wf-x"))
        .isEqualTo(2);
    assertThat(receivedBy(WorkflowServiceGrpc.getRecordActivityTaskHeartbeatByIdMethod(), "wf-x"))
        .isEqualTo(2);
  }

  private PhysicalNamespace physical(int i) {
    return tempura
        .topology()
        .virtualNamespace(ProxyFixture.VIRTUAL)
        .orElseThrow()
        .findByName("ns-" + i)
        .get(0);
  }
}
