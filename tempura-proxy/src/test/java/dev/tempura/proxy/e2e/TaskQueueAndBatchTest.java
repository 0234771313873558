package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import com.google.protobuf.Timestamp;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.batch.v1.BatchOperationSignal;
import io.temporal.api.common.v1.Execution;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.enums.v1.ExecutionType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.TaskQueueType;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.AddSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesRequest;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc.OperatorServiceBlockingStub;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.taskqueue.v1.TaskQueuePartitionMetadata;
import io.temporal.api.taskqueue.v1.TaskQueueStats;
import io.temporal.api.taskqueue.v1.TaskQueueStatus;
import io.temporal.api.taskqueue.v1.TaskQueueVersioningInfo;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationRequest;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsRequest;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse;
import io.temporal.api.workflowservice.v1.ShutdownWorkerRequest;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;
import io.temporal.api.workflowservice.v1.StopBatchOperationRequest;
import io.temporal.api.workflowservice.v1.StopBatchOperationResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkerVersioningRulesRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkerVersioningRulesResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Task queue, batch and operator calls through Tempura over two physical namespaces (pa first, then
 * pb), each on a {@link RecordingBackend} with scripted answers: what each backend receives and how
 * the proxy merges what they answer.
 */
class TaskQueueAndBatchTest {
  private static final String QUEUE = "merged-queue";

  /** A second virtual namespace on the same backends, qa (cordoned) on a and qb on b. */
  private static final String CORDONED = "cordoned-app";

  @TempDir static Path dir;
  private static OnRecordingBackends on;
  private static RecordingBackend a;
  private static RecordingBackend b;
  private static ProxyFixture tempura;
  private static ManagedChannel channel;
  private static PhysicalNamespace pa;
  private static PhysicalNamespace pb;

  @BeforeAll
  static void setUp() {
    on = new OnRecordingBackends(dir);
    a = on.a;
    b = on.b;
    tempura = on.tempura;
    channel = on.channel;
    pa = tempura.physical(0);
    pb = tempura.physical(1);
    tempura.topology().createVirtualNamespace(CORDONED).join();
    tempura
        .topology()
        .addPhysicalNamespace(CORDONED, "qa", ClusterAddress.parse(a.address()), 1)
        .join();
    tempura
        .topology()
        .addPhysicalNamespace(CORDONED, "qb", ClusterAddress.parse(b.address()), 1)
        .join();
    tempura
        .topology()
        .setStatus(
            CORDONED, "qa", ClusterAddress.parse(a.address()), PhysicalNamespaceStatus.CORDONED)
        .join();
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    on.close();
  }

  private static WorkflowServiceBlockingStub stub() {
    return on.stub();
  }

  private static OperatorServiceBlockingStub operator() {
    return OperatorServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  /** Makes {@code backend} answer every call of {@code method} with {@code answer}. */
  private static void answer(
      RecordingBackend backend, MethodDescriptor<?, ?> method, Message answer) {
    backend.reply(method, req -> RecordingBackend.Reply.of(answer.toByteArray()));
  }

  private static void answerError(
      RecordingBackend backend, MethodDescriptor<?, ?> method, Status status) {
    backend.reply(method, req -> RecordingBackend.Reply.error(status, new Metadata()));
  }

  /**
   * The requests of {@code method} that {@code backend} received from index {@code from} on,
   * parsed.
   */
  private static <T extends Message> List<T> received(
      RecordingBackend backend, MethodDescriptor<?, ?> method, int from, Parser<T> parser) {
    List<RecordingBackend.Received> all = backend.received(method);
    List<T> out = new ArrayList<>();
    for (RecordingBackend.Received r : all.subList(from, all.size())) {
      out.add(parse(parser, r.request()));
    }
    return out;
  }

  private static Timestamp at(long seconds) {
    return Timestamp.newBuilder().setSeconds(seconds).build();
  }

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  private static void mapWorkflow(String workflowId, PhysicalNamespace p) {
    tempura
        .mappings()
        .putIfAbsent(Keyspace.WORKFLOW.key(ProxyFixture.VIRTUAL, workflowId), p.id())
        .join();
  }

  private static StatusRuntimeException statusOf(Throwable t) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return (StatusRuntimeException) t;
  }

  // ---------------------------------------------------------------- task queues

  @Test
  void describeTaskQueue_listsThePollersOfBothBackends_andSumsTheirBacklogs() {
    answer(
        a,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(
                PollerInfo.newBuilder().setIdentity("worker-on-a").setLastAccessTime(at(100)))
            .setStats(
                TaskQueueStats.newBuilder()
                    .setApproximateBacklogCount(5)
                    .setApproximateBacklogAge(seconds(10))
                    .setTasksAddRate(1.5f)
                    .setTasksDispatchRate(2.0f))
            .setTaskQueueStatus(TaskQueueStatus.newBuilder().setBacklogCountHint(5))
            .build());
    answer(
        b,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(
                PollerInfo.newBuilder().setIdentity("worker-on-b").setLastAccessTime(at(200)))
            .addPollers(
                PollerInfo.newBuilder().setIdentity("other-on-b").setLastAccessTime(at(300)))
            .setStats(
                TaskQueueStats.newBuilder()
                    .setApproximateBacklogCount(7)
                    .setApproximateBacklogAge(seconds(30))
                    .setTasksAddRate(0.5f)
                    .setTasksDispatchRate(1.0f))
            .setTaskQueueStatus(TaskQueueStatus.newBuilder().setBacklogCountHint(7))
            .build());
    int fromA = a.received(WorkflowServiceGrpc.getDescribeTaskQueueMethod()).size();
    int fromB = b.received(WorkflowServiceGrpc.getDescribeTaskQueueMethod()).size();

    DescribeTaskQueueResponse merged =
        stub()
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                    .setTaskQueueType(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW)
                    .setReportStats(true)
                    .build());

    assertThat(merged.getPollersList())
        .extracting(PollerInfo::getIdentity)
        .containsExactlyInAnyOrder("worker-on-a", "worker-on-b", "other-on-b");
    assertThat(merged.getStats().getApproximateBacklogCount()).isEqualTo(12);
    // the oldest task decides how old the backlog is
    assertThat(merged.getStats().getApproximateBacklogAge()).isEqualTo(seconds(30));
    assertThat(merged.getStats().getTasksAddRate()).isEqualTo(2.0f);
    assertThat(merged.getStats().getTasksDispatchRate()).isEqualTo(3.0f);
    assertThat(merged.getTaskQueueStatus().getBacklogCountHint()).isEqualTo(12);
    assertThat(
            received(
                a,
                WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
                fromA,
                DescribeTaskQueueRequest.parser()))
        .extracting(DescribeTaskQueueRequest::getNamespace)
        .containsExactly("pa");
    assertThat(
            received(
                b,
                WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
                fromB,
                DescribeTaskQueueRequest.parser()))
        .extracting(DescribeTaskQueueRequest::getNamespace)
        .containsExactly("pb");
  }

  @Test
  void listTaskQueuePartitions_returnsThePartitionsOfBothBackends() {
    answer(
        a,
        WorkflowServiceGrpc.getListTaskQueuePartitionsMethod(),
        ListTaskQueuePartitionsResponse.newBuilder()
            .addActivityTaskQueuePartitions(
                TaskQueuePartitionMetadata.newBuilder()
                    .setKey("a-act-0")
                    .setOwnerHostName("host-a"))
            .addWorkflowTaskQueuePartitions(
                TaskQueuePartitionMetadata.newBuilder().setKey("a-wf-0").setOwnerHostName("host-a"))
            .addWorkflowTaskQueuePartitions(
                TaskQueuePartitionMetadata.newBuilder().setKey("a-wf-1").setOwnerHostName("host-a"))
            .build());
    answer(
        b,
        WorkflowServiceGrpc.getListTaskQueuePartitionsMethod(),
        ListTaskQueuePartitionsResponse.newBuilder()
            .addActivityTaskQueuePartitions(
                TaskQueuePartitionMetadata.newBuilder()
                    .setKey("b-act-0")
                    .setOwnerHostName("host-b"))
            .addWorkflowTaskQueuePartitions(
                TaskQueuePartitionMetadata.newBuilder().setKey("b-wf-0").setOwnerHostName("host-b"))
            .build());

    ListTaskQueuePartitionsResponse merged =
        stub()
            .listTaskQueuePartitions(
                ListTaskQueuePartitionsRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                    .build());

    assertThat(merged.getActivityTaskQueuePartitionsList())
        .extracting(TaskQueuePartitionMetadata::getKey)
        .containsExactlyInAnyOrder("a-act-0", "b-act-0");
    assertThat(merged.getWorkflowTaskQueuePartitionsList())
        .extracting(TaskQueuePartitionMetadata::getKey)
        .containsExactlyInAnyOrder("a-wf-0", "a-wf-1", "b-wf-0");
  }

  /**
   * Stats per priority are backlog counts too: summed like the totals, or the merged answer
   * contradicts itself (a total of 12 over priorities that add up to 5).
   */
  @Test
  void describeTaskQueue_sumsTheBacklogOfEachPriorityToo() {
    answer(
        a,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .setStats(TaskQueueStats.newBuilder().setApproximateBacklogCount(5))
            .putStatsByPriorityKey(
                1, TaskQueueStats.newBuilder().setApproximateBacklogCount(2).build())
            .putStatsByPriorityKey(
                3, TaskQueueStats.newBuilder().setApproximateBacklogCount(3).build())
            .build());
    answer(
        b,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .setStats(TaskQueueStats.newBuilder().setApproximateBacklogCount(7))
            .putStatsByPriorityKey(
                3, TaskQueueStats.newBuilder().setApproximateBacklogCount(7).build())
            .build());

    DescribeTaskQueueResponse merged =
        stub()
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                    .setReportStats(true)
                    .build());

    assertThat(merged.getStats().getApproximateBacklogCount()).isEqualTo(12);
    assertThat(merged.getStatsByPriorityKeyMap()).containsOnlyKeys(1, 3);
    assertThat(merged.getStatsByPriorityKeyMap().get(1).getApproximateBacklogCount()).isEqualTo(2);
    assertThat(merged.getStatsByPriorityKeyMap().get(3).getApproximateBacklogCount()).isEqualTo(10);
  }

  // ---------------------------------------------------------------- the first active backend

  /**
   * With the first physical namespace (qa) of {@link #CORDONED} cordoned, qb is the first active
   * one: what one backend speaks for, it speaks for (docs/routing.md).
   */
  @Test
  void
      withTheFirstCordoned_aBroadcastChecksTheConflictTokenOnTheFirstActive_andAnswersWithItsAnswer() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getUpdateWorkerVersioningRulesMethod();
    answer(
        a,
        m,
        UpdateWorkerVersioningRulesResponse.newBuilder()
            .setConflictToken(ByteString.copyFromUtf8("after-a"))
            .build());
    answer(
        b,
        m,
        UpdateWorkerVersioningRulesResponse.newBuilder()
            .setConflictToken(ByteString.copyFromUtf8("after-b"))
            .build());
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    UpdateWorkerVersioningRulesResponse updated =
        stub()
            .updateWorkerVersioningRules(
                UpdateWorkerVersioningRulesRequest.newBuilder()
                    .setNamespace(CORDONED)
                    .setTaskQueue(QUEUE)
                    .setConflictToken(ByteString.copyFromUtf8("before"))
                    .build());

    // cordoned backends still get the write: their workers still poll
    assertThat(received(a, m, fromA, UpdateWorkerVersioningRulesRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("qa");
              assertThat(r.getConflictToken()).isEmpty();
            });
    assertThat(received(b, m, fromB, UpdateWorkerVersioningRulesRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("qb");
              assertThat(r.getConflictToken().toStringUtf8()).isEqualTo("before");
            });
    assertThat(updated.getConflictToken().toStringUtf8()).isEqualTo("after-b");
  }

  @Test
  void withTheFirstCordoned_describeNamespaceTakesItsOtherSettingsFromTheFirstActive() {
    for (RecordingBackend backend : List.of(a, b)) {
      String tag = backend == a ? "a" : "b";
      backend.reply(
          WorkflowServiceGrpc.getDescribeNamespaceMethod(),
          req -> {
            String ns = parse(DescribeNamespaceRequest.parser(), req).getNamespace();
            return RecordingBackend.Reply.of(
                DescribeNamespaceResponse.newBuilder()
                    .setNamespaceInfo(
                        NamespaceInfo.newBuilder().setName(ns).setDescription("settings of " + tag))
                    .build()
                    .toByteArray());
          });
    }

    DescribeNamespaceResponse described =
        stub()
            .describeNamespace(
                DescribeNamespaceRequest.newBuilder().setNamespace(CORDONED).build());

    assertThat(described.getNamespaceInfo().getName()).isEqualTo(CORDONED);
    assertThat(described.getNamespaceInfo().getDescription()).isEqualTo("settings of b");
  }

  @Test
  void withTheFirstCordoned_describeTaskQueueTakesVersioningFromTheFirstActive() {
    for (RecordingBackend backend : List.of(a, b)) {
      String tag = backend == a ? "a" : "b";
      answer(
          backend,
          WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
          DescribeTaskQueueResponse.newBuilder()
              .setVersioningInfo(
                  TaskQueueVersioningInfo.newBuilder().setCurrentVersion("version of " + tag))
              .build());
    }

    DescribeTaskQueueResponse queue =
        stub()
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(CORDONED)
                    .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                    .build());

    assertThat(queue.getVersioningInfo().getCurrentVersion()).isEqualTo("version of b");
  }

  private static <T extends Message> T parse(Parser<T> parser, byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  // ---------------------------------------------------------------- broadcast writes

  @Test
  void updateWorkerVersioningRules_reachesBothBackends_withTheConflictTokenOnlyOnTheFirst() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getUpdateWorkerVersioningRulesMethod();
    answer(
        a,
        m,
        UpdateWorkerVersioningRulesResponse.newBuilder()
            .setConflictToken(ByteString.copyFromUtf8("after-a"))
            .build());
    answer(
        b,
        m,
        UpdateWorkerVersioningRulesResponse.newBuilder()
            .setConflictToken(ByteString.copyFromUtf8("after-b"))
            .build());
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    UpdateWorkerVersioningRulesResponse answered =
        stub()
            .updateWorkerVersioningRules(
                UpdateWorkerVersioningRulesRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(QUEUE)
                    .setConflictToken(ByteString.copyFromUtf8("before"))
                    .setCommitBuildId(
                        UpdateWorkerVersioningRulesRequest.CommitBuildId.newBuilder()
                            .setTargetBuildId("build-2"))
                    .build());

    List<UpdateWorkerVersioningRulesRequest> onA =
        received(a, m, fromA, UpdateWorkerVersioningRulesRequest.parser());
    List<UpdateWorkerVersioningRulesRequest> onB =
        received(b, m, fromB, UpdateWorkerVersioningRulesRequest.parser());
    assertThat(onA).hasSize(1);
    assertThat(onB).hasSize(1);
    assertThat(onA.get(0).getNamespace()).isEqualTo("pa");
    assertThat(onB.get(0).getNamespace()).isEqualTo("pb");
    // the token is checked where it was read: the first active backend; the other applies it as is
    assertThat(onA.get(0).getConflictToken().toStringUtf8()).isEqualTo("before");
    assertThat(onB.get(0).getConflictToken()).isEmpty();
    assertThat(onB.get(0).getCommitBuildId().getTargetBuildId()).isEqualTo("build-2");
    // the first active backend's answer speaks for both
    assertThat(answered.getConflictToken().toStringUtf8()).isEqualTo("after-a");
  }

  @Test
  void shutdownWorker_reachesBothBackends() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getShutdownWorkerMethod();
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    stub()
        .shutdownWorker(
            ShutdownWorkerRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setStickyTaskQueue("sticky-1")
                .setIdentity("worker-1")
                .setReason("stopping")
                .build());

    assertThat(received(a, m, fromA, ShutdownWorkerRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pa");
              assertThat(r.getStickyTaskQueue()).isEqualTo("sticky-1");
            });
    assertThat(received(b, m, fromB, ShutdownWorkerRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pb");
              assertThat(r.getStickyTaskQueue()).isEqualTo("sticky-1");
            });
  }

  // ---------------------------------------------------------------- batch operations

  private static BatchOperationSignal finishSignal() {
    return BatchOperationSignal.newBuilder().setSignal("finish").setIdentity("batcher").build();
  }

  @Test
  @SuppressWarnings("deprecation") // executions: what tctl and older SDKs send
  void startBatchWithExplicitExecutions_sendsEachBackendOnlyItsOwn_underOneJobId() {
    mapWorkflow("batch-a1", pa);
    mapWorkflow("batch-a2", pa);
    mapWorkflow("batch-b1", pb);
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getStartBatchOperationMethod();
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    stub()
        .startBatchOperation(
            StartBatchOperationRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setJobId("job-explicit")
                .setReason("test")
                .addExecutions(WorkflowExecution.newBuilder().setWorkflowId("batch-a1"))
                .addExecutions(WorkflowExecution.newBuilder().setWorkflowId("batch-b1"))
                .addExecutions(WorkflowExecution.newBuilder().setWorkflowId("batch-a2"))
                .setSignalOperation(finishSignal())
                .build());

    List<StartBatchOperationRequest> onA =
        received(a, m, fromA, StartBatchOperationRequest.parser());
    List<StartBatchOperationRequest> onB =
        received(b, m, fromB, StartBatchOperationRequest.parser());
    assertThat(onA)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pa");
              assertThat(r.getJobId()).isEqualTo("job-explicit");
              assertThat(r.getExecutionsList())
                  .extracting(WorkflowExecution::getWorkflowId)
                  .containsExactly("batch-a1", "batch-a2");
              assertThat(r.getSignalOperation()).isEqualTo(finishSignal());
            });
    assertThat(onB)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pb");
              assertThat(r.getJobId()).isEqualTo("job-explicit");
              assertThat(r.getExecutionsList())
                  .extracting(WorkflowExecution::getWorkflowId)
                  .containsExactly("batch-b1");
              assertThat(r.getSignalOperation()).isEqualTo(finishSignal());
            });
  }

  /**
   * {@code target_executions} replaces the deprecated {@code executions} in the current API; a
   * batch over explicit executions named that way must be split the same way, or every backend is
   * asked to act on executions it does not hold.
   */
  @Test
  void startBatchWithTargetExecutions_sendsEachBackendOnlyItsOwn_underOneJobId() {
    mapWorkflow("target-a1", pa);
    mapWorkflow("target-b1", pb);
    mapWorkflow("target-b2", pb);
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getStartBatchOperationMethod();
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    stub()
        .startBatchOperation(
            StartBatchOperationRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setJobId("job-targets")
                .setReason("test")
                .addTargetExecutions(workflowTarget("target-a1"))
                .addTargetExecutions(workflowTarget("target-b1"))
                .addTargetExecutions(workflowTarget("target-b2"))
                .setSignalOperation(finishSignal())
                .build());

    List<StartBatchOperationRequest> onA =
        received(a, m, fromA, StartBatchOperationRequest.parser());
    List<StartBatchOperationRequest> onB =
        received(b, m, fromB, StartBatchOperationRequest.parser());
    assertThat(onA)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getJobId()).isEqualTo("job-targets");
              assertThat(r.getTargetExecutionsList())
                  .extracting(Execution::getBusinessId)
                  .containsExactly("target-a1");
            });
    assertThat(onB)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getJobId()).isEqualTo("job-targets");
              assertThat(r.getTargetExecutionsList())
                  .extracting(Execution::getBusinessId)
                  .containsExactly("target-b1", "target-b2");
            });
  }

  private static Execution workflowTarget(String workflowId) {
    return Execution.newBuilder()
        .setType(ExecutionType.EXECUTION_TYPE_WORKFLOW)
        .setBusinessId(workflowId)
        .build();
  }

  @Test
  void startBatchWithAQuery_reachesBothBackendsUnderOneJobId() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getStartBatchOperationMethod();
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    stub()
        .startBatchOperation(
            StartBatchOperationRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setJobId("job-query")
                .setReason("test")
                .setVisibilityQuery("WorkflowType = 'Interactive'")
                .setSignalOperation(finishSignal())
                .build());

    assertThat(received(a, m, fromA, StartBatchOperationRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pa");
              assertThat(r.getJobId()).isEqualTo("job-query");
              assertThat(r.getVisibilityQuery()).isEqualTo("WorkflowType = 'Interactive'");
            });
    assertThat(received(b, m, fromB, StartBatchOperationRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pb");
              assertThat(r.getJobId()).isEqualTo("job-query");
            });
  }

  private static DescribeBatchOperationResponse describeBatch(String jobId) {
    return stub()
        .describeBatchOperation(
            DescribeBatchOperationRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setJobId(jobId)
                .build());
  }

  @Test
  void describeBatch_isRunningWhileAnyPartRuns_withCountsSummed() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getDescribeBatchOperationMethod();
    answer(
        a,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-1")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setStartTime(at(1000))
            .setCloseTime(at(1100))
            .setTotalOperationCount(2)
            .setCompleteOperationCount(2)
            .build());
    answer(
        b,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-1")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_RUNNING)
            .setStartTime(at(999))
            .setTotalOperationCount(3)
            .setCompleteOperationCount(1)
            .setFailureOperationCount(1)
            .build());

    DescribeBatchOperationResponse merged = describeBatch("job-1");

    assertThat(merged.getJobId()).isEqualTo("job-1");
    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_RUNNING);
    assertThat(merged.getTotalOperationCount()).isEqualTo(5);
    assertThat(merged.getCompleteOperationCount()).isEqualTo(3);
    assertThat(merged.getFailureOperationCount()).isEqualTo(1);
    assertThat(merged.getStartTime()).isEqualTo(at(999));
    assertThat(merged.hasCloseTime()).as("a running job has not closed").isFalse();
  }

  @Test
  void describeBatch_isCompletedOnceEveryPartCompleted_closingWithTheLastPart() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getDescribeBatchOperationMethod();
    answer(
        a,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-2")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setStartTime(at(1000))
            .setCloseTime(at(1100))
            .setTotalOperationCount(2)
            .setCompleteOperationCount(2)
            .build());
    answer(
        b,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-2")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setStartTime(at(1001))
            .setCloseTime(at(1200))
            .setTotalOperationCount(1)
            .setCompleteOperationCount(1)
            .build());

    DescribeBatchOperationResponse merged = describeBatch("job-2");

    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
    assertThat(merged.getTotalOperationCount()).isEqualTo(3);
    assertThat(merged.getCompleteOperationCount()).isEqualTo(3);
    assertThat(merged.getStartTime()).isEqualTo(at(1000));
    assertThat(merged.getCloseTime()).isEqualTo(at(1200));
  }

  @Test
  void describeBatch_ignoresABackendThatDoesNotHaveTheJob() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getDescribeBatchOperationMethod();
    // a job over explicit executions exists only where it had executions
    answerError(a, m, Status.NOT_FOUND.withDescription("batch operation not found"));
    answer(
        b,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-3")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setTotalOperationCount(4)
            .setCompleteOperationCount(4)
            .build());

    DescribeBatchOperationResponse merged = describeBatch("job-3");

    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
    assertThat(merged.getTotalOperationCount()).isEqualTo(4);
  }

  @Test
  void describeBatch_ofAJobNoBackendHas_isNotFound() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getDescribeBatchOperationMethod();
    answerError(a, m, Status.NOT_FOUND.withDescription("batch operation not found"));
    answerError(b, m, Status.NOT_FOUND.withDescription("batch operation not found"));

    assertThatThrownBy(() -> describeBatch("job-nowhere"))
        .satisfies(
            t -> assertThat(statusOf(t).getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  /**
   * A split job was started with the union of its parts' executions; describing it should name them
   * all, not only the first backend's share.
   */
  @Test
  void describeBatch_listsTheExecutionsOfEveryPart() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getDescribeBatchOperationMethod();
    answer(
        a,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-4")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setTotalOperationCount(1)
            .setCompleteOperationCount(1)
            .addExecutions(workflowTarget("split-a1"))
            .build());
    answer(
        b,
        m,
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job-4")
            .setState(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED)
            .setTotalOperationCount(2)
            .setCompleteOperationCount(2)
            .addExecutions(workflowTarget("split-b1"))
            .addExecutions(workflowTarget("split-b2"))
            .build());

    DescribeBatchOperationResponse merged = describeBatch("job-4");

    assertThat(merged.getExecutionsList())
        .extracting(Execution::getBusinessId)
        .containsExactlyInAnyOrder("split-a1", "split-b1", "split-b2");
  }

  @Test
  void stopBatch_reachesBothBackends() {
    MethodDescriptor<?, ?> m = WorkflowServiceGrpc.getStopBatchOperationMethod();
    answer(a, m, StopBatchOperationResponse.getDefaultInstance());
    answer(b, m, StopBatchOperationResponse.getDefaultInstance());
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    stub()
        .stopBatchOperation(
            StopBatchOperationRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setJobId("job-stop")
                .setReason("enough")
                .setIdentity("operator")
                .build());

    assertThat(received(a, m, fromA, StopBatchOperationRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pa");
              assertThat(r.getJobId()).isEqualTo("job-stop");
            });
    assertThat(received(b, m, fromB, StopBatchOperationRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pb");
              assertThat(r.getJobId()).isEqualTo("job-stop");
            });
  }

  // ---------------------------------------------------------------- operator service

  @Test
  void addSearchAttributes_isBroadcastWithEachBackendsPhysicalName() {
    MethodDescriptor<?, ?> m = OperatorServiceGrpc.getAddSearchAttributesMethod();
    answer(a, m, AddSearchAttributesResponse.getDefaultInstance());
    answer(b, m, AddSearchAttributesResponse.getDefaultInstance());
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    operator()
        .addSearchAttributes(
            AddSearchAttributesRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .putSearchAttributes("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
                .build());

    assertThat(received(a, m, fromA, AddSearchAttributesRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pa");
              assertThat(r.getSearchAttributesMap())
                  .containsExactly(
                      Map.entry("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
            });
    assertThat(received(b, m, fromB, AddSearchAttributesRequest.parser()))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getNamespace()).isEqualTo("pb");
              assertThat(r.getSearchAttributesMap())
                  .containsExactly(
                      Map.entry("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
            });
  }

  @Test
  void listSearchAttributes_mergesTheAttributesOfBothBackends() {
    MethodDescriptor<?, ?> m = OperatorServiceGrpc.getListSearchAttributesMethod();
    answer(
        a,
        m,
        ListSearchAttributesResponse.newBuilder()
            .putCustomAttributes("OnlyOnA", IndexedValueType.INDEXED_VALUE_TYPE_INT)
            .putCustomAttributes("OnBoth", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putSystemAttributes("WorkflowId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putStorageSchema("OnlyOnA", "Int01")
            .build());
    answer(
        b,
        m,
        ListSearchAttributesResponse.newBuilder()
            .putCustomAttributes("OnlyOnB", IndexedValueType.INDEXED_VALUE_TYPE_BOOL)
            .putCustomAttributes("OnBoth", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putSystemAttributes("WorkflowId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putSystemAttributes("RunId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putStorageSchema("OnlyOnB", "Bool01")
            .build());

    ListSearchAttributesResponse merged =
        operator()
            .listSearchAttributes(
                ListSearchAttributesRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .build());

    assertThat(merged.getCustomAttributesMap())
        .containsOnly(
            Map.entry("OnlyOnA", IndexedValueType.INDEXED_VALUE_TYPE_INT),
            Map.entry("OnlyOnB", IndexedValueType.INDEXED_VALUE_TYPE_BOOL),
            Map.entry("OnBoth", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    assertThat(merged.getSystemAttributesMap()).containsOnlyKeys("WorkflowId", "RunId");
    assertThat(merged.getStorageSchemaMap()).containsOnlyKeys("OnlyOnA", "OnlyOnB");
  }

  @Test
  void createNexusEndpoint_withExternalTarget_isRefusedWithInvalidArgument_andReachesNoBackend() {
    MethodDescriptor<?, ?> m = OperatorServiceGrpc.getCreateNexusEndpointMethod();
    int fromA = a.received(m).size();
    int fromB = b.received(m).size();

    assertThatThrownBy(
            () ->
                operator()
                    .createNexusEndpoint(
                        CreateNexusEndpointRequest.newBuilder()
                            .setSpec(
                                EndpointSpec.newBuilder()
                                    .setName("payments")
                                    .setTarget(
                                        io.temporal.api.nexus.v1.EndpointTarget.newBuilder()
                                            .setExternal(
                                                io.temporal.api.nexus.v1.EndpointTarget.External
                                                    .newBuilder()
                                                    .setUrl("https://example.com"))))
                            .build()))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription()).contains("external target").contains("cluster");
            });
    assertThat(a.received(m)).hasSize(fromA);
    assertThat(b.received(m)).hasSize(fromB);
  }
}
