package dev.tempura.bench;

import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.net.InetSocketAddress;
import java.util.UUID;

/**
 * (f)'s backend: a WorkflowService that answers at once with a fixed response, so that what a path
 * costs on top of it is the proxy's own cost, not the backend's (the in-memory test server spends
 * 1-3 ms of CPU per start and slows down as workflows pile up). It answers the three calls (f)
 * measures (StartWorkflowExecution, SignalWorkflowExecution, DescribeWorkflowExecution) and what
 * Tempura itself asks a backend (DescribeNamespace, GetSystemInfo, ListSearchAttributes, health);
 * everything else is UNIMPLEMENTED. Run as its own JVM ({@code NullBackend <port>}) so that its CPU
 * is counted apart from the client's.
 */
final class NullBackend {
  private NullBackend() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Server server = start(port);
    System.out.println("null backend serving on 127.0.0.1:" + port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
    server.awaitTermination();
  }

  /** Serves on {@code 127.0.0.1:port} (0: any free port). */
  static Server start(int port) throws java.io.IOException {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .directExecutor()
        .maxConcurrentCallsPerConnection(100_000)
        .addService(new Workflows())
        .addService(new Operator())
        .addService(new Health())
        .build()
        .start();
  }

  /** The fixed answers: built once, so the backend's own cost stays as small as it can be. */
  private static final String RUN_ID = UUID.randomUUID().toString();

  private static final StartWorkflowExecutionResponse STARTED =
      StartWorkflowExecutionResponse.newBuilder().setRunId(RUN_ID).setStarted(true).build();

  private static final SignalWorkflowExecutionResponse SIGNALLED =
      SignalWorkflowExecutionResponse.getDefaultInstance();

  private static final class Workflows extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void startWorkflowExecution(
        StartWorkflowExecutionRequest request,
        StreamObserver<StartWorkflowExecutionResponse> response) {
      response.onNext(STARTED);
      response.onCompleted();
    }

    @Override
    public void signalWorkflowExecution(
        SignalWorkflowExecutionRequest request,
        StreamObserver<SignalWorkflowExecutionResponse> response) {
      response.onNext(SIGNALLED);
      response.onCompleted();
    }

    @Override
    public void describeWorkflowExecution(
        DescribeWorkflowExecutionRequest request,
        StreamObserver<DescribeWorkflowExecutionResponse> response) {
      // the id asked for, so that a proxy that checks the answer against the call finds it
      response.onNext(
          DescribeWorkflowExecutionResponse.newBuilder()
              .setWorkflowExecutionInfo(
                  WorkflowExecutionInfo.newBuilder()
                      .setExecution(
                          WorkflowExecution.newBuilder()
                              .setWorkflowId(request.getExecution().getWorkflowId())
                              .setRunId(RUN_ID))
                      .setType(WorkflowType.newBuilder().setName("ExecuteActivity"))
                      .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING))
              .build());
      response.onCompleted();
    }

    @Override
    public void describeNamespace(
        DescribeNamespaceRequest request, StreamObserver<DescribeNamespaceResponse> response) {
      String name = request.getNamespace();
      response.onNext(
          DescribeNamespaceResponse.newBuilder()
              .setNamespaceInfo(
                  NamespaceInfo.newBuilder()
                      .setName(name)
                      .setId(UUID.nameUUIDFromBytes(name.getBytes()).toString()))
              .setConfig(
                  NamespaceConfig.newBuilder()
                      .setWorkflowExecutionRetentionTtl(
                          com.google.protobuf.Duration.newBuilder().setSeconds(86_400)))
              .build());
      response.onCompleted();
    }

    @Override
    public void getSystemInfo(
        GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
      response.onNext(
          GetSystemInfoResponse.newBuilder()
              .setServerVersion("null-backend")
              .setCapabilities(
                  GetSystemInfoResponse.Capabilities.newBuilder()
                      .setSignalAndQueryHeader(true)
                      .setInternalErrorDifferentiation(true)
                      .setEncodedFailureAttributes(true)
                      .setUpsertMemo(true))
              .build());
      response.onCompleted();
    }
  }

  private static final class Operator extends OperatorServiceGrpc.OperatorServiceImplBase {
    @Override
    public void listSearchAttributes(
        ListSearchAttributesRequest request,
        StreamObserver<ListSearchAttributesResponse> response) {
      response.onNext(ListSearchAttributesResponse.getDefaultInstance());
      response.onCompleted();
    }
  }

  /** Serving, for every service name: Tempura's health checks steer placement by it. */
  private static final class Health extends HealthGrpc.HealthImplBase {
    @Override
    public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> response) {
      response.onNext(
          HealthCheckResponse.newBuilder()
              .setStatus(HealthCheckResponse.ServingStatus.SERVING)
              .build());
      response.onCompleted();
    }
  }
}
