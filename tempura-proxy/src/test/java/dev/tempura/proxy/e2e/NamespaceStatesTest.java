package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.errordetails.v1.NamespaceInvalidStateFailure;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Namespace states a real frontend answers with and the in-memory server never does
 * (docs/real-server.md, namespace states): a deleted physical namespace's NamespaceInvalidState and
 * a handover's UNAVAILABLE reach the client as Temporal sent them, with the virtual name in the
 * message and in the failure detail, so nothing of the physical layout leaks and the SDK's retry
 * rules (retry UNAVAILABLE, not FAILED_PRECONDITION) apply unchanged.
 */
class NamespaceStatesTest {
  @TempDir Path dir;
  private RecordingBackend a;
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub;

  @BeforeEach
  void setUp() {
    a = new RecordingBackend();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("pa", a.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    stub = WorkflowServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    a.close();
  }

  @Test
  void deletedNamespace_invalidStatePassesThroughWithTheVirtualName() {
    // common/rpc/interceptor/namespace_validator.go: a namespace being deleted is not admitted
    String message = "Namespace pa has invalid state: Deleted. Must be Registered or Deprecated.";
    Metadata trailers =
        StatusProto.toStatusRuntimeException(
                com.google.rpc.Status.newBuilder()
                    .setCode(Status.Code.FAILED_PRECONDITION.value())
                    .setMessage(message)
                    .addDetails(
                        Any.pack(
                            NamespaceInvalidStateFailure.newBuilder()
                                .setNamespace("pa")
                                .setState(NamespaceState.NAMESPACE_STATE_DELETED)
                                .addAllowedStates(NamespaceState.NAMESPACE_STATE_REGISTERED)
                                .addAllowedStates(NamespaceState.NAMESPACE_STATE_DEPRECATED)
                                .build()))
                    .build())
            .getTrailers();
    a.reply(
        WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(),
        req ->
            RecordingBackend.Reply.error(
                Status.FAILED_PRECONDITION.withDescription(message), trailers));

    StatusRuntimeException e =
        catchThrowableOfType(
            () -> stub.signalWorkflowExecution(signal("w-1")), StatusRuntimeException.class);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription())
        .isEqualTo(
            "Namespace "
                + ProxyFixture.VIRTUAL
                + " has invalid state: Deleted. Must be Registered or Deprecated.");
    com.google.rpc.Status details = StatusProto.fromThrowable(e);
    assertThat(details.getDetailsCount()).isEqualTo(1);
    NamespaceInvalidStateFailure failure;
    try {
      failure = details.getDetails(0).unpack(NamespaceInvalidStateFailure.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
      throw new AssertionError(bad);
    }
    assertThat(failure.getNamespace()).isEqualTo(ProxyFixture.VIRTUAL);
    assertThat(failure.getState()).isEqualTo(NamespaceState.NAMESPACE_STATE_DELETED);
  }

  @Test
  void handover_unavailablePassesThroughSoTheSdkRetries() {
    // common/rpc/interceptor/namespace_handover.go: common.ErrNamespaceHandover
    String message = "Namespace replication in REPLICATION_STATE_HANDOVER state.";
    a.reply(
        WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(),
        req ->
            RecordingBackend.Reply.error(
                Status.UNAVAILABLE.withDescription(message), new Metadata()));

    StatusRuntimeException e =
        catchThrowableOfType(
            () -> stub.signalWorkflowExecution(signal("w-2")), StatusRuntimeException.class);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).isEqualTo(message);
    assertThat(a.received(WorkflowServiceGrpc.getSignalWorkflowExecutionMethod())).isNotEmpty();
  }

  private static SignalWorkflowExecutionRequest signal(String workflowId) {
    return SignalWorkflowExecutionRequest.newBuilder()
        .setNamespace(ProxyFixture.VIRTUAL)
        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
        .setSignalName("s")
        .setIdentity("client")
        .build();
  }
}
