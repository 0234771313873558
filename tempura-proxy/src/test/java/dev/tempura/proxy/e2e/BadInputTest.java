package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.token.TaskTokens;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hostile or broken input gets a clear status, and the proxy keeps serving. */
class BadInputTest {
  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(1);
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backends.close();
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** A call that must work after each bad one: the proxy is still up and serving. */
  private void stillServing() {
    assertThatThrownBy(
            () ->
                stub()
                    .describeWorkflowExecution(
                        ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, "nobody")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private static Status.Code code(Throwable e) {
    return ((StatusRuntimeException) e).getStatus().getCode();
  }

  @Test
  void unknownVirtualNamespace_getsNotFoundNamingIt_withTemporalsFailureDetail() {
    assertThatThrownBy(
            () ->
                stub()
                    .startWorkflowExecution(
                        StartWorkflowExecutionRequest.newBuilder()
                            .setNamespace("no-such-namespace")
                            .setWorkflowId("w")
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("no-such-namespace");
              assertThat(StatusProto.fromThrowable(e).getDetailsList())
                  .anySatisfy(d -> assertThat(d.is(NamespaceNotFoundFailure.class)).isTrue());
            });
    stillServing();
  }

  @Test
  void garbageTaskToken_getsInvalidArgument() {
    for (byte[] token :
        new byte[][] {
          "garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8),
          new byte[] {(byte) 0xD7, 1, 5, 'a'},
          flipLastBit(TaskTokens.wrap("namespace-a@" + backends.address(0), new byte[] {1, 2, 3}))
        }) {
      assertThatThrownBy(
              () ->
                  stub()
                      .respondActivityTaskCompleted(
                          RespondActivityTaskCompletedRequest.newBuilder()
                              .setNamespace(ProxyFixture.VIRTUAL)
                              .setTaskToken(ByteString.copyFrom(token))
                              .build()))
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    stillServing();
  }

  @Test
  void tokenOfAPhysicalNamespaceOutsideTheVirtualOne_getsInvalidArgument() {
    byte[] foreign = TaskTokens.wrap("other@127.0.0.1:1", new byte[] {1});
    assertThatThrownBy(
            () ->
                stub()
                    .respondActivityTaskCompleted(
                        RespondActivityTaskCompletedRequest.newBuilder()
                            .setNamespace(ProxyFixture.VIRTUAL)
                            .setTaskToken(ByteString.copyFrom(foreign))
                            .build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    stillServing();
  }

  @Test
  void malformedProtobufBytes_areRejectedWithInvalidArgument() {
    MethodRoute signal =
        dev.tempura.proxy.MethodTable.build()
            .route(WorkflowServiceGrpc.getSignalWorkflowExecutionMethod().getFullMethodName());
    byte[] valid =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("w"))
            .build()
            .toByteArray();
    byte[][] broken = {
      new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
      java.util.Arrays.copyOf(valid, valid.length - 3),
      new byte[] {0x0A, 0x7F, 'x'},
      new byte[] {0x0B}
    };
    for (byte[] bytes : broken) {
      assertThatThrownBy(
              () ->
                  ClientCalls.blockingUnaryCall(
                      channel,
                      signal.method(),
                      CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                      bytes))
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    stillServing();
  }

  @Test
  void unknownMethod_getsUnimplementedNamingIt() {
    MethodDescriptor<byte[], byte[]> future =
        MethodDescriptor.<byte[], byte[]>newBuilder(
                ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
            .setFullMethodName("temporal.api.workflowservice.v1.WorkflowService/SomeFutureMethod")
            .setType(MethodDescriptor.MethodType.UNARY)
            .build();
    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    future,
                    CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
                    new byte[0]))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
              assertThat(e.getStatus().getDescription()).contains("SomeFutureMethod");
            });
    stillServing();
  }

  @Test
  void missingNamespace_getsInvalidArgument() {
    assertThatThrownBy(
            () ->
                stub()
                    .startWorkflowExecution(
                        StartWorkflowExecutionRequest.newBuilder().setWorkflowId("w").build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    stillServing();
  }

  private static byte[] flipLastBit(byte[] b) {
    byte[] c = b.clone();
    c[c.length - 1] ^= 1;
    return c;
  }
}
