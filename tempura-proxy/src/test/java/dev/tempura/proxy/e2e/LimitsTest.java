package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.ProxyOptions;
import dev.tempura.topology.ClusterAddress;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The message size limit, the parked-poll limit per client and the rate limit per namespace. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LimitsTest {
  private static final String OTHER = "other-app";

  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private final List<ListenableFuture<?>> polls = new ArrayList<>();

  private void start(UnaryOperator<ProxyOptions.Builder> options) {
    backends = TemporalClusters.start(1);
    tempura = ProxyFixture.start(dir, options);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.topology().createVirtualNamespace(OTHER).join();
    tempura
        .topology()
        .addPhysicalNamespace(OTHER, "namespace-b", ClusterAddress.parse(backends.address(0)), 1)
        .join();
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    polls.forEach(p -> p.cancel(true));
    if (channel != null) {
      channel.shutdownNow();
    }
    if (tempura != null) {
      tempura.close();
    }
    if (backends != null) {
      backends.close();
    }
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private Status.Code describe(String namespace) {
    return describeError(namespace).getStatus().getCode();
  }

  private StatusRuntimeException describeError(String namespace) {
    try {
      stub().describeWorkflowExecution(ProxyFixture.describeRequest(namespace, "nobody"));
      return Status.OK.asRuntimeException();
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  private ListenableFuture<PollActivityTaskQueueResponse> poll(String queue) {
    ListenableFuture<PollActivityTaskQueueResponse> f =
        WorkflowServiceGrpc.newFutureStub(channel)
            .withDeadlineAfter(60, TimeUnit.SECONDS)
            .pollActivityTaskQueue(
                PollActivityTaskQueueRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(TaskQueue.newBuilder().setName(queue))
                    .build());
    polls.add(f);
    return f;
  }

  @Test
  void oversizedMessage_getsResourceExhausted_andTheProxyKeepsServing() {
    start(b -> b.maxMessageBytes(64 * 1024));
    StartWorkflowExecutionRequest big =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setWorkflowId("big")
            .setWorkflowType(WorkflowType.newBuilder().setName("W"))
            .setTaskQueue(TaskQueue.newBuilder().setName("q"))
            .setInput(
                Payloads.newBuilder()
                    .addPayloads(
                        Payload.newBuilder().setData(ByteString.copyFrom(new byte[100 * 1024]))))
            .build();

    assertThatThrownBy(() -> stub().startWorkflowExecution(big))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void parkedPollsPerClient_areLimited_andASlotFreesWhenAPollEnds() throws Exception {
    start(b -> b.maxParkedPollsPerClient(2));
    ListenableFuture<PollActivityTaskQueueResponse> first = poll("limits-a");
    poll("limits-b");
    Awaitility.await()
        .untilAsserted(() -> assertThat(tempura.proxy().parkedPollsOf("127.0.0.1")).isEqualTo(2));

    assertThatThrownBy(() -> poll("limits-c").get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              StatusRuntimeException s = (StatusRuntimeException) e.getCause();
              assertThat(s.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
              assertThat(s.getStatus().getDescription())
                  .isEqualTo("too many parked polls from 127.0.0.1 (limit: 2)");
            });
    // other calls are not affected
    assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);

    first.cancel(true);
    Awaitility.await()
        .untilAsserted(() -> assertThat(tempura.proxy().parkedPollsOf("127.0.0.1")).isEqualTo(1));
    poll("limits-c");
    Awaitility.await()
        .untilAsserted(() -> assertThat(tempura.proxy().parkedPollsOf("127.0.0.1")).isEqualTo(2));
    assertThat(tempura.proxy().parkedPolls()).isEqualTo(2);
  }

  @Test
  void rateLimitPerNamespace_answersResourceExhaustedWithTemporalsDetail_butNotForPolls()
      throws Exception {
    // one token, refilled every 5 s: the second call in a row is over the limit
    start(b -> b.rateLimitPerNamespace(0.2).rateLimits(Map.of(OTHER, 0.0)));

    assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);
    StatusRuntimeException limited = describeError(ProxyFixture.VIRTUAL);

    assertThat(limited.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(limited.getStatus().getDescription()).contains("namespace rate limit exceeded");
    ResourceExhaustedFailure failure =
        StatusProto.fromThrowable(limited).getDetailsList().stream()
            .filter(d -> d.is(ResourceExhaustedFailure.class))
            .findFirst()
            .orElseThrow()
            .unpack(ResourceExhaustedFailure.class);
    assertThat(failure.getCause())
        .isEqualTo(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT);
    assertThat(failure.getScope())
        .isEqualTo(ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
    // polls do not count and are not refused
    poll("limited-queue");
    Awaitility.await().untilAsserted(() -> assertThat(tempura.proxy().parkedPolls()).isEqualTo(1));
    // a namespace with its own (no) limit is not affected
    for (int i = 0; i < 5; i++) {
      assertThat(describe(OTHER)).isEqualTo(Status.Code.NOT_FOUND);
    }
  }

  @Test
  void rateLimit_refillsOverTime() {
    start(b -> b.rateLimits(Map.of(ProxyFixture.VIRTUAL, 5.0)));
    int served = 0;
    for (int i = 0; i < 20; i++) {
      if (describe(ProxyFixture.VIRTUAL) == Status.Code.NOT_FOUND) {
        served++;
      }
    }
    assertThat(served).isLessThan(20);
    Awaitility.await()
        .pollInterval(Duration.ofMillis(100))
        .atMost(Duration.ofSeconds(5))
        .until(() -> describe(ProxyFixture.VIRTUAL) == Status.Code.NOT_FOUND);
  }
}
