package dev.tempura.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DoubleValue;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.taskqueue.v1.TaskQueueMetadata;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.UpdateTaskQueueConfigRequest;
import org.junit.jupiter.api.Test;

/** Floats and doubles scaled on the wire: the rest of the message byte for byte the same. */
class WireScaleTest {
  private static final int[][] POLL_RATE = {
    WireFields.path(
        PollActivityTaskQueueRequest.getDescriptor(),
        "task_queue_metadata.max_tasks_per_second.value")
  };

  @Test
  void doubleInANestedWrapper_isScaled_everythingElseKept() throws Exception {
    PollActivityTaskQueueRequest request =
        PollActivityTaskQueueRequest.newBuilder()
            .setNamespace("ns")
            .setTaskQueue(TaskQueue.newBuilder().setName("q"))
            .setIdentity("worker")
            .setTaskQueueMetadata(
                TaskQueueMetadata.newBuilder().setMaxTasksPerSecond(DoubleValue.of(10)))
            .build();

    byte[] scaled = WireScale.scale(request.toByteArray(), POLL_RATE, 1.0 / 4);

    PollActivityTaskQueueRequest out = PollActivityTaskQueueRequest.parseFrom(scaled);
    assertThat(out.getTaskQueueMetadata().getMaxTasksPerSecond().getValue()).isEqualTo(2.5);
    assertThat(out.toBuilder().clearTaskQueueMetadata().build())
        .isEqualTo(request.toBuilder().clearTaskQueueMetadata().build());
    assertThat(scaled).hasSameSizeAs(request.toByteArray());
  }

  @Test
  void floatsAtSeveralPaths_areScaled() throws Exception {
    UpdateTaskQueueConfigRequest request =
        UpdateTaskQueueConfigRequest.newBuilder()
            .setNamespace("ns")
            .setUpdateQueueRateLimit(
                UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder()
                    .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(9f))
                    .setReason("why"))
            .setUpdateFairnessKeyRateLimitDefault(
                UpdateTaskQueueConfigRequest.RateLimitUpdate.newBuilder()
                    .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(3f)))
            .build();
    int[][] paths = {
      WireFields.path(
          UpdateTaskQueueConfigRequest.getDescriptor(),
          "update_queue_rate_limit.rate_limit.requests_per_second"),
      WireFields.path(
          UpdateTaskQueueConfigRequest.getDescriptor(),
          "update_fairness_key_rate_limit_default.rate_limit.requests_per_second")
    };

    UpdateTaskQueueConfigRequest out =
        UpdateTaskQueueConfigRequest.parseFrom(
            WireScale.scale(request.toByteArray(), paths, 1.0 / 3));

    assertThat(out.getUpdateQueueRateLimit().getRateLimit().getRequestsPerSecond()).isEqualTo(3f);
    assertThat(out.getUpdateQueueRateLimit().getReason()).isEqualTo("why");
    assertThat(out.getUpdateFairnessKeyRateLimitDefault().getRateLimit().getRequestsPerSecond())
        .isEqualTo(1f);
  }

  @Test
  void absentField_returnsTheInputItself() {
    byte[] request =
        PollActivityTaskQueueRequest.newBuilder().setNamespace("ns").build().toByteArray();
    assertThat(WireScale.scale(request, POLL_RATE, 0.5)).isSameAs(request);
  }
}
