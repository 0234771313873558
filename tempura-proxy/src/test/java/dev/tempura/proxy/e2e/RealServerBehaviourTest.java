// Over 500 lines: one test per real-server behaviour of docs/real-server.md, which names them, on
// the same two recording backends.
package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.tempura.proxy.health.BackendHealth;
import dev.tempura.proxy.health.HealthOptions;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import io.temporal.api.enums.v1.TaskQueueKind;
import io.temporal.api.errordetails.v1.NamespaceNotActiveFailure;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;
import io.temporal.api.history.v1.History;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * What a real Temporal server does that the in-memory test server does not, and what Tempura does
 * with it (docs/real-server.md): each test has recording backends answer as the real server's code
 * path would.
 */
class RealServerBehaviourTest {
  @TempDir Path dir;
  private RecordingBackend a;
  private RecordingBackend b;
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub;

  @BeforeEach
  void setUp() {
    a = new RecordingBackend();
    b = new RecordingBackend();
    // a throttle long enough that the starts below all fall inside it on a busy machine
    tempura =
        ProxyFixture.start(
            dir,
            o ->
                o.health(
                    new HealthOptions(
                        Duration.ofMillis(500),
                        Duration.ofSeconds(2),
                        2,
                        5,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(30))));
    tempura.createVirtual();
    tempura.addPhysical("pa", a.address());
    tempura.addPhysical("pb", b.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    stub = WorkflowServiceGrpc.newBlockingStub(channel);
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    a.close();
    b.close();
  }

  private PhysicalNamespace physical(String name) {
    return tempura
        .topology()
        .virtualNamespace(ProxyFixture.VIRTUAL)
        .orElseThrow()
        .physicalNamespaces()
        .stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static PollWorkflowTaskQueueRequest workflowPoll(TaskQueue queue) {
    return PollWorkflowTaskQueueRequest.newBuilder()
        .setNamespace(ProxyFixture.VIRTUAL)
        .setTaskQueue(queue)
        .setIdentity("worker-1")
        .build();
  }

  private static Metadata details(com.google.protobuf.Message detail, Status.Code code, String m) {
    return StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(m)
                .addDetails(Any.pack(detail))
                .build())
        .getTrailers();
  }

  /**
   * A real frontend answers an idle poll with an empty response 1 s before its deadline and refuses
   * a poll with less than 2 s left. The empty answer is "no task": no backoff, no fault, the client
   * poll stays parked; and no backend poll is started so late that the frontend would refuse it.
   */
  @Test
  void idlePollAnsweredEmptyNearItsDeadline_isNoTask_andNoPollTooShortForTheFrontend()
      throws Exception {
    a.answerPollsAsRealServer();
    b.answerPollsAsRealServer();
    TaskQueue q = TaskQueue.newBuilder().setName("q").build();
    // backend polls get 3.5 s; the frontend answers them empty after 2.5 s, when 1 s of the
    // client's poll is left: a backend poll started then would be refused
    PollWorkflowTaskQueueResponse answer =
        stub.withDeadlineAfter(4, TimeUnit.SECONDS).pollWorkflowTaskQueue(workflowPoll(q));
    assertThat(answer.getTaskToken().isEmpty()).isTrue();
    assertThat(a.emptyPollAnswers.get() + b.emptyPollAnswers.get()).isGreaterThanOrEqualTo(1);
    assertThat(a.pollsRefusedTooShort.get() + b.pollsRefusedTooShort.get()).isZero();
    assertThat(tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, physical("pa")))
        .containsEntry("usable", true);

    // and polling goes on as before: a task on B reaches the next poll
    b.offerTask(
        WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(),
        PollWorkflowTaskQueueResponse.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("token-b"))
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1"))
            .build()
            .toByteArray());
    PollWorkflowTaskQueueResponse task =
        stub.withDeadlineAfter(20, TimeUnit.SECONDS).pollWorkflowTaskQueue(workflowPoll(q));
    assertThat(TaskTokens.unwrap(task.getTaskToken().toByteArray()).physicalId()).startsWith("pb@");
    assertThat(a.pollsRefusedTooShort.get() + b.pollsRefusedTooShort.get()).isZero();
  }

  /**
   * A workflow task on a sticky queue nobody polls times out schedule-to-start on a real server and
   * is scheduled again on the normal queue (history's timer executor). Tempura must let the backend
   * see the sticky queue unpolled once the worker is gone (its backend sticky polls are cancelled),
   * and must deliver the redispatched task from the normal queue with a token that routes its
   * completion to the backend that holds the workflow.
   */
  @Test
  void stickyTaskTimingOut_reappearsOnTheNormalQueue_andCompletesOnItsBackend() throws Exception {
    a.answerPollsAsRealServer();
    b.answerPollsAsRealServer();
    TaskQueue sticky =
        TaskQueue.newBuilder()
            .setName("worker-1-sticky")
            .setKind(TaskQueueKind.TASK_QUEUE_KIND_STICKY)
            .setNormalName("q")
            .build();
    var stickyCall =
        io.grpc.stub.ClientCalls.futureUnaryCall(
            channel.newCall(
                WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(),
                io.grpc.CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
            workflowPoll(sticky));
    Awaitility.await()
        .until(
            () ->
                a.received(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod()).size() == 1
                    && b.received(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod()).size()
                        == 1);
    List<RecordingBackend.Received> stickyPolls =
        List.of(
            a.received(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod()).get(0),
            b.received(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod()).get(0));
    assertThat(stickyPolls)
        .allMatch(r -> RecordingBackend.taskQueueOf(r.request()).equals("worker-1-sticky"));

    // the worker stops: its sticky poll goes, and so do Tempura's polls of the sticky queue
    stickyCall.cancel(true);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stickyPolls.stream().allMatch(RecordingBackend.Received::ended));

    // A times the task out and schedules it on the normal queue, where another worker polls
    a.offerTask(
        WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(),
        "q",
        PollWorkflowTaskQueueResponse.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("token-a-normal"))
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-sticky"))
            .setWorkflowType(WorkflowType.newBuilder().setName("W"))
            .build()
            .toByteArray());
    PollWorkflowTaskQueueResponse task =
        stub.withDeadlineAfter(20, TimeUnit.SECONDS)
            .pollWorkflowTaskQueue(workflowPoll(TaskQueue.newBuilder().setName("q").build()));
    assertThat(task.getWorkflowExecution().getWorkflowId()).isEqualTo("wf-sticky");
    assertThat(TaskTokens.unwrap(task.getTaskToken().toByteArray()).physicalId()).startsWith("pa@");

    stub.respondWorkflowTaskCompleted(
        RespondWorkflowTaskCompletedRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setTaskToken(task.getTaskToken())
            .build());
    List<RecordingBackend.Received> completions =
        a.received(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod());
    assertThat(completions).hasSize(1);
    assertThat(
            RespondWorkflowTaskCompletedRequest.parseFrom(completions.get(0).request())
                .getTaskToken()
                .toStringUtf8())
        .isEqualTo("token-a-normal");
    assertThat(b.received(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod())).isEmpty();
  }

  /**
   * RESOURCE_EXHAUSTED with a capacity cause (the frontend's namespace rate limit: RPS_LIMIT, scope
   * NAMESPACE) takes the backend out of placement: the client gets Temporal's status as it was, and
   * the next new workflows go to the other backend. BUSY_WORKFLOW, about one workflow, does not.
   */
  @Test
  void resourceExhaustedFromOneBackend_sendsNewWorkflowsElsewhere() {
    Metadata rateLimited =
        details(
            ResourceExhaustedFailure.newBuilder()
                .setCause(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT)
                .setScope(ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE)
                .build(),
            Status.Code.RESOURCE_EXHAUSTED,
            "namespace rate limit exceeded");
    a.reply(
        WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
        req ->
            RecordingBackend.Reply.error(
                Status.RESOURCE_EXHAUSTED.withDescription("namespace rate limit exceeded"),
                rateLimited));
    b.reply(
        WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
        req ->
            RecordingBackend.Reply.of(
                StartWorkflowExecutionResponse.newBuilder().setRunId("run").build().toByteArray()));

    // starts until one is placed on A, which refuses it
    StatusRuntimeException refused = null;
    for (int i = 0; i < 200 && refused == null; i++) {
      try {
        stub.startWorkflowExecution(start("before-" + i));
      } catch (StatusRuntimeException e) {
        refused = e;
      }
    }
    assertThat(refused).as("rendezvous placed one of 200 ids on A").isNotNull();
    assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(StatusProto.fromThrowable(refused).getDetails(0).is(ResourceExhaustedFailure.class))
        .isTrue();
    assertThat(tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, physical("pa")).get("health"))
        .asString()
        .contains("throttled")
        .contains("RPS_LIMIT");

    int onA = a.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()).size();
    for (int i = 0; i < 40; i++) {
      stub.startWorkflowExecution(start("after-" + i));
    }
    assertThat(a.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod())).hasSize(onA);
  }

  @Test
  void busyWorkflow_isNotAboutTheBackend_andLeavesPlacementAlone() {
    Metadata busy =
        details(
            ResourceExhaustedFailure.newBuilder()
                .setCause(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW)
                .setScope(ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE)
                .build(),
            Status.Code.RESOURCE_EXHAUSTED,
            "Workflow is busy.");
    for (RecordingBackend backend : List.of(a, b)) {
      backend.reply(
          WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(),
          req ->
              RecordingBackend.Reply.error(
                  Status.RESOURCE_EXHAUSTED.withDescription("Workflow is busy."), busy));
      backend.reply(
          WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod(),
          req -> RecordingBackend.Reply.error(Status.NOT_FOUND, new Metadata()));
    }
    assertThatThrownBy(
            () ->
                stub.signalWorkflowExecution(
                    SignalWorkflowExecutionRequest.newBuilder()
                        .setNamespace(ProxyFixture.VIRTUAL)
                        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("busy"))
                        .setSignalName("s")
                        .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .extracting(e -> ((StatusRuntimeException) e).getStatus().getCode())
        .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    for (String p : List.of("pa", "pb")) {
      assertThat(tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, physical(p)).get("health"))
          .asString()
          .doesNotContain("throttled");
    }
  }

  /**
   * After a failover of a global namespace, the old active cluster answers NamespaceNotActive
   * (FAILED_PRECONDITION with NamespaceNotActiveFailure). The client gets it with the virtual name
   * in the message and in the detail, Tempura logs one line however many calls fail, and the
   * backend takes no new workflows.
   */
  @Test
  void namespaceNotActive_passesThroughTranslated_withOneLogLine() {
    Logger logger = (Logger) LoggerFactory.getLogger(BackendHealth.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      String message =
          "Namespace: pa is active in cluster: cluster-b, while current cluster cluster-a is a"
              + " standby cluster.";
      Metadata trailers =
          details(
              NamespaceNotActiveFailure.newBuilder()
                  .setNamespace("pa")
                  .setCurrentCluster("cluster-a")
                  .setActiveCluster("cluster-b")
                  .build(),
              Status.Code.FAILED_PRECONDITION,
              message);
      a.reply(
          WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
          req ->
              RecordingBackend.Reply.error(
                  Status.FAILED_PRECONDITION.withDescription(message), trailers));
      b.reply(
          WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
          req ->
              RecordingBackend.Reply.of(
                  StartWorkflowExecutionResponse.newBuilder()
                      .setRunId("run")
                      .build()
                      .toByteArray()));

      StatusRuntimeException first = null;
      int failures = 0;
      for (int i = 0; i < 200 && failures < 1; i++) {
        try {
          stub.startWorkflowExecution(start("na-" + i));
        } catch (StatusRuntimeException e) {
          first = e;
          failures++;
        }
      }
      assertThat(first).isNotNull();
      assertThat(first.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
      assertThat(first.getStatus().getDescription())
          .contains(ProxyFixture.VIRTUAL)
          .doesNotContain("pa ");
      NamespaceNotActiveFailure detail =
          unpack(StatusProto.fromThrowable(first).getDetails(0), NamespaceNotActiveFailure.class);
      assertThat(detail.getNamespace()).isEqualTo(ProxyFixture.VIRTUAL);
      assertThat(detail.getActiveCluster()).isEqualTo("cluster-b");

      // the SDK retries nothing here; a second caller of the same id gets the same answer
      String failedId = null;
      for (RecordingBackend.Received r :
          a.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod())) {
        failedId = parseStart(r.request()).getWorkflowId();
      }
      String id = failedId;
      assertThatThrownBy(() -> stub.startWorkflowExecution(start(id)))
          .isInstanceOf(StatusRuntimeException.class);

      assertThat(
              logs.list.stream()
                  .filter(e -> e.getFormattedMessage().contains("NamespaceNotActive"))
                  .count())
          .isEqualTo(1);
      assertThat(
              tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, physical("pa")).get("health"))
          .asString()
          .contains("not active")
          .contains("cluster-b");
      int onA = a.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()).size();
      for (int i = 0; i < 20; i++) {
        stub.startWorkflowExecution(start("after-failover-" + i));
      }
      assertThat(a.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod())).hasSize(onA);
    } finally {
      logger.detachAppender(logs);
    }
  }

  /**
   * SDKs wait for a result with GetWorkflowExecutionHistory(wait_new_event): the real server holds
   * it (history's long poll, up to 20 s) and, with no new event, answers an empty page with a next
   * page token to poll again with. The token passes through unchanged, and the next call goes to
   * the same backend with it and with a deadline.
   */
  @Test
  void historyLongPollAndPagingToken_passThroughToTheBackendThatHoldsTheWorkflow()
      throws Exception {
    b.reply(
        WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod(),
        req -> RecordingBackend.Reply.error(Status.NOT_FOUND, new Metadata()));
    byte[] token = {9, 8, 7, 6, 5};
    a.reply(
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod(),
        req ->
            RecordingBackend.Reply.of(
                GetWorkflowExecutionHistoryResponse.newBuilder()
                    .setHistory(History.getDefaultInstance())
                    .setNextPageToken(ByteString.copyFrom(token))
                    .build()
                    .toByteArray()));
    GetWorkflowExecutionHistoryRequest first =
        GetWorkflowExecutionHistoryRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-wait"))
            .setWaitNewEvent(true)
            .build();
    GetWorkflowExecutionHistoryResponse page =
        stub.withDeadlineAfter(30, TimeUnit.SECONDS).getWorkflowExecutionHistory(first);
    assertThat(page.getNextPageToken().toByteArray()).isEqualTo(token);

    stub.withDeadlineAfter(30, TimeUnit.SECONDS)
        .getWorkflowExecutionHistory(
            first.toBuilder().setNextPageToken(page.getNextPageToken()).build());
    List<RecordingBackend.Received> onA =
        a.received(WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod());
    assertThat(onA).hasSize(2);
    GetWorkflowExecutionHistoryRequest second =
        GetWorkflowExecutionHistoryRequest.parseFrom(onA.get(1).request());
    assertThat(second.getNextPageToken().toByteArray()).isEqualTo(token);
    assertThat(second.getWaitNewEvent()).isTrue();
    assertThat(second.getNamespace()).isEqualTo("pa");
    assertThat(onA.get(1).context().getDeadline()).isNotNull();
    assertThat(b.received(WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod())).isEmpty();
  }

  /**
   * GetSystemInfo through Tempura advertises only what every backend has, including one that cannot
   * answer right now (its last answer counts).
   */
  @Test
  void systemInfo_isTheIntersection_evenWhileOneBackendIsDown() throws Exception {
    a.reply(
        WorkflowServiceGrpc.getGetSystemInfoMethod(),
        req -> RecordingBackend.Reply.of(systemInfo(true, true).toByteArray()));
    b.reply(
        WorkflowServiceGrpc.getGetSystemInfoMethod(),
        req -> RecordingBackend.Reply.of(systemInfo(true, false).toByteArray()));
    GetSystemInfoResponse both = stub.getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    assertThat(both.getCapabilities().getEagerWorkflowStart()).isTrue();
    assertThat(both.getCapabilities().getNexus()).isFalse();

    b.close();
    GetSystemInfoResponse withoutB = stub.getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    assertThat(withoutB.getCapabilities().getEagerWorkflowStart()).isTrue();
    assertThat(withoutB.getCapabilities().getNexus()).as("B lacks Nexus, down or not").isFalse();
  }

  static GetSystemInfoResponse systemInfo(boolean eager, boolean nexus) {
    return GetSystemInfoResponse.newBuilder()
        .setServerVersion("1.29.0")
        .setCapabilities(
            GetSystemInfoResponse.Capabilities.newBuilder()
                .setSignalAndQueryHeader(true)
                .setEagerWorkflowStart(eager)
                .setNexus(nexus))
        .build();
  }

  private static StartWorkflowExecutionRequest start(String id) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(ProxyFixture.VIRTUAL)
        .setWorkflowId(id)
        .setWorkflowType(WorkflowType.newBuilder().setName("W"))
        .setTaskQueue(TaskQueue.newBuilder().setName("q"))
        .setRequestId(java.util.UUID.randomUUID().toString())
        .build();
  }

  private static StartWorkflowExecutionRequest parseStart(byte[] bytes) {
    try {
      return StartWorkflowExecutionRequest.parseFrom(bytes);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private static <T extends com.google.protobuf.Message> T unpack(Any any, Class<T> type) {
    try {
      return any.unpack(type);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
