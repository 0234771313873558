package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.tempura.local.TemporalClusters;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SandboxCapacityLimiterTest {
  private static final String NAMESPACE = "namespace-a";

  private TemporalClusters server;
  private String serverAddress;
  private CapacityLimiter limiter;
  private WorkflowServiceStubs stubs;

  @BeforeEach
  void startServer() throws IOException {
    server = TemporalClusters.start(1);
    serverAddress = server.address(0);
  }

  @AfterEach
  void stop() {
    if (stubs != null) {
      stubs.shutdownNow();
      stubs.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (limiter != null) {
      limiter.close();
    }
    server.close();
  }

  @Test
  void oneShardOf50ms_tenConcurrentStarts_queueBehindEachOtherAndAllSucceed() throws Exception {
    limiter = CapacityLimiter.start(serverAddress, 1, Duration.ofMillis(50));
    stubs = connect(limiter.address());

    long began = System.nanoTime();
    List<ListenableFuture<StartWorkflowExecutionResponse>> starts = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      starts.add(stubs.futureStub().startWorkflowExecution(start("w-" + i)));
    }
    List<String> runIds = new ArrayList<>();
    for (ListenableFuture<StartWorkflowExecutionResponse> start : starts) {
      runIds.add(start.get(30, TimeUnit.SECONDS).getRunId());
    }
    Duration took = Duration.ofNanos(System.nanoTime() - began);

    assertThat(runIds).hasSize(10).allSatisfy(id -> assertThat(id).isNotBlank());
    // one at a time, each holding the only shard for 50 ms
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(450));
    assertThat(limiter.transitions()).isEqualTo(10);
    assertThat(limiter.queued()).isZero();
  }

  @Test
  void readsAndHealthChecks_passThroughWithoutAShard() throws Exception {
    // a service time no test would wait out: only ungated calls can answer in time
    limiter = CapacityLimiter.start(serverAddress, 1, Duration.ofMinutes(10));
    WorkflowServiceStubs direct = connect(serverAddress);
    String runId;
    try {
      runId = direct.blockingStub().startWorkflowExecution(start("direct")).getRunId();
    } finally {
      direct.shutdownNow();
    }
    stubs = connect(limiter.address());

    String described =
        stubs
            .blockingStub()
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(NAMESPACE)
                    .setExecution(WorkflowExecution.newBuilder().setWorkflowId("direct"))
                    .build())
            .getWorkflowExecutionInfo()
            .getExecution()
            .getRunId();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(limiter.address()).usePlaintext().build();
    HealthCheckResponse.ServingStatus health;
    try {
      health =
          HealthGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .check(
                  HealthCheckRequest.newBuilder()
                      .setService("temporal.api.workflowservice.v1.WorkflowService")
                      .build())
              .getStatus();
    } finally {
      channel.shutdownNow();
    }

    assertThat(described).isEqualTo(runId);
    assertThat(health).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(limiter.transitions()).isZero();
  }

  @Test
  void startsHoldTheirShortServiceTime_otherStateChangingCallsTheLongOne() throws Exception {
    // a start service time of 1 ms, every other state-changing call 10 minutes
    limiter = CapacityLimiter.start(serverAddress, 1, Duration.ofMinutes(10), Duration.ofMillis(1));
    stubs = connect(limiter.address());

    List<String> runIds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      runIds.add(
          stubs
              .blockingStub()
              .withDeadlineAfter(20, TimeUnit.SECONDS)
              .startWorkflowExecution(start("short-" + i))
              .getRunId());
    }
    Throwable signal =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                stubs
                    .blockingStub()
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .signalWorkflowExecution(
                        io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest
                            .newBuilder()
                            .setNamespace(NAMESPACE)
                            .setWorkflowExecution(
                                WorkflowExecution.newBuilder().setWorkflowId("short-0"))
                            .setSignalName("s")
                            .build()));

    assertThat(runIds).hasSize(3).allSatisfy(id -> assertThat(id).isNotBlank());
    assertThat(io.grpc.Status.fromThrowable(signal).getCode())
        .isEqualTo(io.grpc.Status.Code.DEADLINE_EXCEEDED);
    assertThat(limiter.transitions()).isEqualTo(4);
  }

  @Test
  void capacity_isShardsOverServiceTime() throws IOException {
    limiter = CapacityLimiter.start(serverAddress, 4, Duration.ofMillis(10));

    assertThat(limiter.capacityPerSecond()).isEqualTo(400.0);
  }

  private static WorkflowServiceStubs connect(String target) {
    return WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
  }

  private static StartWorkflowExecutionRequest start(String workflowId) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(NAMESPACE)
        .setWorkflowId(workflowId)
        .setWorkflowType(WorkflowType.newBuilder().setName("ExecuteActivity"))
        .setTaskQueue(TaskQueue.newBuilder().setName("benchmark"))
        .setRequestId(UUID.randomUUID().toString())
        .build();
  }
}
