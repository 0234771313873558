package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DoubleValue;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.taskqueue.v1.TaskQueueMetadata;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task queue rate limits are applied by every backend on its own, so Tempura gives each of the N
 * backends limit / N: together they allow the limit the client set, not N times it.
 */
class SplitRateLimitsTest {
  @TempDir Path dir;
  private final List<RecordingBackend> backends = new ArrayList<>();
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    for (int i = 0; i < 4; i++) {
      RecordingBackend b = new RecordingBackend();
      backends.add(b);
      tempura.addPhysical("ns-" + i, b.address());
    }
    // a cordoned backend is still written and polled, so it takes a share too
    tempura.cordon("ns-3", backends.get(3).address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backends.forEach(RecordingBackend::close);
  }

  @Test
  void updateTaskQueueConfig_eachBackendGetsItsShareOfTheQueueAndFairnessKeyLimits()
      throws Exception {
    WorkflowServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .updateTaskQueueConfig(
            UpdateTaskQueueConfigRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setTaskQueue("q")
                .setUpdateQueueRateLimit(
                    UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder()
                        .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(100f))
                        .setReason("load test"))
                .setUpdateFairnessKeyRateLimitDefault(
                    UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder()
                        .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(8f)))
                .build());

    for (RecordingBackend b : backends) {
      List<RecordingBackend.Received> got =
          b.received(WorkflowServiceGrpc.getUpdateTaskQueueConfigMethod());
      assertThat(got).hasSize(1);
      UpdateTaskQueueConfigRequest r = UpdateTaskQueueConfigRequest.parseFrom(got.get(0).request());
      assertThat(r.getUpdateQueueRateLimit().getRateLimit().getRequestsPerSecond()).isEqualTo(25f);
      assertThat(r.getUpdateQueueRateLimit().getReason()).isEqualTo("load test");
      assertThat(r.getUpdateFairnessKeyRateLimitDefault().getRateLimit().getRequestsPerSecond())
          .isEqualTo(2f);
      assertThat(r.getTaskQueue()).isEqualTo("q");
    }
  }

  @Test
  void activityPoll_eachBackendPollCarriesItsShareOfTheWorkersMaxTasksPerSecond() {
    // the poll parks (no task); its backend polls are what is checked
    WorkflowServiceGrpc.newFutureStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .pollActivityTaskQueue(
            PollActivityTaskQueueRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setTaskQueue(TaskQueue.newBuilder().setName("limited"))
                .setIdentity("worker-1")
                .setTaskQueueMetadata(
                    TaskQueueMetadata.newBuilder().setMaxTasksPerSecond(DoubleValue.of(10)))
                .build());

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                backends.stream()
                    .allMatch(
                        b ->
                            !b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod())
                                .isEmpty()));
    for (RecordingBackend b : backends) {
      for (RecordingBackend.Received r :
          b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod())) {
        PollActivityTaskQueueRequest sent = parse(r.request());
        assertThat(sent.getTaskQueueMetadata().getMaxTasksPerSecond().getValue()).isEqualTo(2.5);
        assertThat(sent.getTaskQueue().getName()).isEqualTo("limited");
      }
    }
  }

  private static PollActivityTaskQueueRequest parse(byte[] bytes) {
    try {
      return PollActivityTaskQueueRequest.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
