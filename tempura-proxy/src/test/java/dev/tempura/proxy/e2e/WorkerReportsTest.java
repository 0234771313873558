package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.worker.v1.WorkerHeartbeat;
import io.temporal.api.workflowservice.v1.RecordWorkerHeartbeatRequest;
import io.temporal.api.workflowservice.v1.ShutdownWorkerRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkerVersioningRulesRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker's reports (RecordWorkerHeartbeat, ShutdownWorker) go to every backend and succeed while
 * one of them refuses; a shared-state write (versioning rules) still fails then, as it must be
 * retried until every backend has it. Two {@link RecordingBackend}s, pa first.
 */
class WorkerReportsTest {
  @TempDir Path dir;
  private OnRecordingBackends on;

  @BeforeEach
  void setUp() {
    on = new OnRecordingBackends(dir);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    on.close();
  }

  private WorkflowServiceBlockingStub stub() {
    return on.stub();
  }

  private static void refuse(RecordingBackend backend, MethodDescriptor<?, ?> method) {
    backend.reply(
        method,
        req ->
            RecordingBackend.Reply.error(
                Status.UNAVAILABLE.withDescription("backend down"), new Metadata()));
  }

  private void heartbeat() {
    stub()
        .recordWorkerHeartbeat(
            RecordWorkerHeartbeatRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setIdentity("worker-1")
                .addWorkerHeartbeat(
                    WorkerHeartbeat.newBuilder().setWorkerInstanceKey("key-1").build())
                .build());
  }

  private void shutdown() {
    stub()
        .shutdownWorker(
            ShutdownWorkerRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setStickyTaskQueue("sticky-1")
                .setIdentity("worker-1")
                .build());
  }

  @Test
  void heartbeatAndShutdown_succeedWhileTheFirstBackendRefuses_andReachTheOther() {
    refuse(on.a, WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod());
    refuse(on.a, WorkflowServiceGrpc.getShutdownWorkerMethod());

    heartbeat();
    shutdown();

    for (MethodDescriptor<?, ?> m :
        new MethodDescriptor<?, ?>[] {
          WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod(),
          WorkflowServiceGrpc.getShutdownWorkerMethod()
        }) {
      assertThat(on.a.received(m)).as("%s sent to the refusing backend", m).hasSize(1);
      assertThat(on.b.received(m)).as("%s sent to the other", m).hasSize(1);
    }
  }

  @Test
  void heartbeat_succeedsWhileTheSecondBackendRefuses() {
    refuse(on.b, WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod());

    heartbeat();

    assertThat(on.a.received(WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod())).hasSize(1);
  }

  @Test
  void aReportNoBackendTakes_failsWithTheFirstBackendsError() {
    refuse(on.a, WorkflowServiceGrpc.getShutdownWorkerMethod());
    on.b.reply(
        WorkflowServiceGrpc.getShutdownWorkerMethod(),
        req ->
            RecordingBackend.Reply.error(
                Status.PERMISSION_DENIED.withDescription("not b's worker"), new Metadata()));

    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, this::shutdown);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("backend down");
  }

  @Test
  void aSharedStateWrite_stillFailsWhenOneBackendRefuses() {
    refuse(on.b, WorkflowServiceGrpc.getUpdateWorkerVersioningRulesMethod());

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                stub()
                    .updateWorkerVersioningRules(
                        UpdateWorkerVersioningRulesRequest.newBuilder()
                            .setNamespace(ProxyFixture.VIRTUAL)
                            .setTaskQueue("queue")
                            .build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
  }
}
