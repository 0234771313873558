package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.token.TaskTokens;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How client polls and backend polls relate, observed on recording backends. */
class PollHubTest {
  private static final MethodRoute POLL_ACTIVITY =
      dev.tempura.proxy.MethodTable.build()
          .route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod().getFullMethodName());

  @TempDir Path dir;
  private OnRecordingBackends on;
  private RecordingBackend a;
  private RecordingBackend b;
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    on = new OnRecordingBackends(dir);
    a = on.a;
    b = on.b;
    tempura = on.tempura;
    channel = on.channel;
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    on.close();
  }

  private static byte[] pollRequest(String identity) {
    return PollActivityTaskQueueRequest.newBuilder()
        .setNamespace(ProxyFixture.VIRTUAL)
        .setTaskQueue(TaskQueue.newBuilder().setName("q"))
        .setIdentity(identity)
        .build()
        .toByteArray();
  }

  private static byte[] task(String token, String activityId) {
    return PollActivityTaskQueueResponse.newBuilder()
        .setTaskToken(com.google.protobuf.ByteString.copyFromUtf8(token))
        .setActivityId(activityId)
        .setWorkflowNamespace("pb")
        .build()
        .toByteArray();
  }

  private CompletableFuture<byte[]> poll(String identity, Duration timeout) {
    return CompletableFuture.supplyAsync(
        () ->
            ClientCalls.blockingUnaryCall(
                channel,
                POLL_ACTIVITY.method(),
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
                pollRequest(identity)));
  }

  @Test
  void taskArrivingAfterItsPollWasAnswered_goesToTheNextPoll_notDropped() throws Exception {
    CompletableFuture<byte[]> first = poll("worker-1", Duration.ofSeconds(20));
    Awaitility.await()
        .until(
            () ->
                !a.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).isEmpty()
                    && !b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).isEmpty());

    a.offerTask(WorkflowServiceGrpc.getPollActivityTaskQueueMethod(), task("token-a", "act-a"));
    PollActivityTaskQueueResponse fromA =
        PollActivityTaskQueueResponse.parseFrom(first.get(10, TimeUnit.SECONDS));
    assertThat(fromA.getActivityId()).isEqualTo("act-a");
    assertThat(TaskTokens.unwrap(fromA.getTaskToken().toByteArray()).physicalId())
        .startsWith("pa@");

    // B's poll, started for the first client poll, is still parked; its task finds no taker
    b.offerTask(WorkflowServiceGrpc.getPollActivityTaskQueueMethod(), task("token-b", "act-b"));
    Awaitility.await()
        .until(
            () ->
                b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).stream()
                    .allMatch(RecordingBackend.Received::ended));

    long started = System.nanoTime();
    PollActivityTaskQueueResponse fromB =
        PollActivityTaskQueueResponse.parseFrom(
            poll("worker-2", Duration.ofSeconds(20)).get(10, TimeUnit.SECONDS));
    // from the kept task, not from a new backend poll (B has nothing more: that one would wait 20
    // s)
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(fromB.getActivityId()).isEqualTo("act-b");
    assertThat(fromB.getWorkflowNamespace()).isEqualTo(ProxyFixture.VIRTUAL);
    TaskTokens.Unwrapped token = TaskTokens.unwrap(fromB.getTaskToken().toByteArray());
    assertThat(token.physicalId()).startsWith("pb@");
    assertThat(new String(token.innerToken(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("token-b");
  }

  @Test
  void clientCancellingItsPoll_cancelsTheBackendPolls() throws Exception {
    ClientCall<byte[], byte[]> call =
        channel.newCall(
            POLL_ACTIVITY.method(), CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(pollRequest("worker-1"));
    call.halfClose();
    Awaitility.await()
        .until(
            () ->
                !a.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).isEmpty()
                    && !b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).isEmpty());
    List<RecordingBackend.Received> backendPolls =
        List.of(
            a.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).get(0),
            b.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).get(0));
    assertThat(backendPolls).noneMatch(RecordingBackend.Received::ended);

    call.cancel("worker shutting down", null);
    assertThat(closed.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.CANCELLED);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> backendPolls.stream().allMatch(RecordingBackend.Received::ended));
    assertThat(tempura.proxy().parkedPolls()).isZero();
  }

  @Test
  void physicalNamespaceAddedWhilePollsAreParked_isPolledAtOnce() throws Exception {
    RecordingBackend c = new RecordingBackend();
    try {
      CompletableFuture<byte[]> parked = poll("worker-1", Duration.ofSeconds(30));
      Awaitility.await().until(() -> tempura.proxy().parkedPolls() == 1);
      tempura.addPhysical("pc", c.address());
      // at once, not when the parked poll ends (30 s)
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !c.received(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()).isEmpty());
      c.offerTask(WorkflowServiceGrpc.getPollActivityTaskQueueMethod(), task("token-c", "act-c"));
      PollActivityTaskQueueResponse fromC =
          PollActivityTaskQueueResponse.parseFrom(parked.get(5, TimeUnit.SECONDS));
      assertThat(fromC.getActivityId()).isEqualTo("act-c");
    } finally {
      c.close();
    }
  }

  @Test
  void shutdown_answersParkedPollsEmpty() throws Exception {
    CompletableFuture<byte[]> parked = poll("worker-1", Duration.ofSeconds(30));
    Awaitility.await().until(() -> tempura.proxy().parkedPolls() == 1);
    tempura.proxy().close();
    assertThat(parked.get(5, TimeUnit.SECONDS)).isEmpty();
    tempura.startProxyAfterClose();
  }
}
