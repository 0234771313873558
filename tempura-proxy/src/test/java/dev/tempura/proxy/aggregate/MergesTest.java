package dev.tempura.proxy.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.temporal.api.common.v1.Execution;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.TaskQueuePartitionMetadata;
import io.temporal.api.taskqueue.v1.TaskQueueStats;
import io.temporal.api.taskqueue.v1.TaskQueueStatus;
import io.temporal.api.workflowservice.v1.CountActivityExecutionsResponse;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse.AggregationGroup;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.GetSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each merge of {@link Merges} on hand-made answers, as its documentation promises. */
class MergesTest {

  @Test
  void systemInfo_capabilityOnlyWhereEveryBackendHasIt_versionOfTheFirst() {
    GetSystemInfoResponse first =
        GetSystemInfoResponse.newBuilder()
            .setServerVersion("1.2.3")
            .setCapabilities(
                GetSystemInfoResponse.Capabilities.newBuilder()
                    .setSdkMetadata(true)
                    .setEagerWorkflowStart(true)
                    .setUpsertMemo(false))
            .build();
    GetSystemInfoResponse second =
        GetSystemInfoResponse.newBuilder()
            .setServerVersion("9.9.9")
            .setCapabilities(
                GetSystemInfoResponse.Capabilities.newBuilder()
                    .setSdkMetadata(true)
                    .setEagerWorkflowStart(false)
                    .setUpsertMemo(true))
            .build();

    GetSystemInfoResponse merged = Merges.systemInfo(List.of(first, second));

    assertThat(merged.getServerVersion()).isEqualTo("1.2.3");
    assertThat(merged.getCapabilities().getSdkMetadata()).isTrue();
    assertThat(merged.getCapabilities().getEagerWorkflowStart()).isFalse();
    assertThat(merged.getCapabilities().getUpsertMemo()).isFalse();
  }

  @Test
  void systemInfo_ofOneBackendIsThatBackendsAnswer() {
    GetSystemInfoResponse only =
        GetSystemInfoResponse.newBuilder()
            .setServerVersion("1.2.3")
            .setCapabilities(GetSystemInfoResponse.Capabilities.newBuilder().setNexus(true))
            .build();

    assertThat(Merges.systemInfo(List.of(only))).isEqualTo(only);
  }

  @Test
  void
      describeNamespace_virtualNameAndStableId_sharedCapabilities_shortestRetention_restFromFirst() {
    DescribeNamespaceResponse first =
        DescribeNamespaceResponse.newBuilder()
            .setNamespaceInfo(
                NamespaceInfo.newBuilder()
                    .setName("phys-a")
                    .setId("id-a")
                    .setDescription("the first")
                    .setOwnerEmail("a@example.com")
                    .setCapabilities(
                        NamespaceInfo.Capabilities.newBuilder()
                            .setSyncUpdate(true)
                            .setAsyncUpdate(true)))
            .setConfig(
                NamespaceConfig.newBuilder()
                    .setWorkflowExecutionRetentionTtl(Durations.fromDays(30))
                    .setHistoryArchivalUri("file:///a"))
            .setIsGlobalNamespace(true)
            .build();
    DescribeNamespaceResponse second =
        DescribeNamespaceResponse.newBuilder()
            .setNamespaceInfo(
                NamespaceInfo.newBuilder()
                    .setName("phys-b")
                    .setId("id-b")
                    .setDescription("the second")
                    .setCapabilities(
                        NamespaceInfo.Capabilities.newBuilder()
                            .setSyncUpdate(true)
                            .setAsyncUpdate(false)))
            .setConfig(
                NamespaceConfig.newBuilder()
                    .setWorkflowExecutionRetentionTtl(Durations.fromDays(3))
                    .setHistoryArchivalUri("file:///b"))
            .build();

    DescribeNamespaceResponse merged = Merges.describeNamespace("virt", List.of(first, second));

    assertThat(merged.getNamespaceInfo().getName()).isEqualTo("virt");
    assertThat(merged.getNamespaceInfo().getId())
        .isEqualTo(Merges.virtualNamespaceId("virt"))
        .isEqualTo(
            Merges.describeNamespace("virt", List.of(second, first)).getNamespaceInfo().getId())
        .isNotIn("id-a", "id-b");
    assertThat(merged.getNamespaceInfo().getCapabilities().getSyncUpdate()).isTrue();
    assertThat(merged.getNamespaceInfo().getCapabilities().getAsyncUpdate()).isFalse();
    assertThat(merged.getConfig().getWorkflowExecutionRetentionTtl())
        .isEqualTo(Durations.fromDays(3));
    assertThat(merged.getConfig().getHistoryArchivalUri()).isEqualTo("file:///a");
    assertThat(merged.getNamespaceInfo().getDescription()).isEqualTo("the first");
    assertThat(merged.getNamespaceInfo().getOwnerEmail()).isEqualTo("a@example.com");
    assertThat(merged.getIsGlobalNamespace()).isTrue();
  }

  @Test
  void describeNamespace_backendWithoutRetentionDoesNotCount() {
    DescribeNamespaceResponse withRetention =
        DescribeNamespaceResponse.newBuilder()
            .setNamespaceInfo(NamespaceInfo.newBuilder().setName("phys-a"))
            .setConfig(
                NamespaceConfig.newBuilder()
                    .setWorkflowExecutionRetentionTtl(Durations.fromHours(36)))
            .build();
    DescribeNamespaceResponse withoutConfig =
        DescribeNamespaceResponse.newBuilder()
            .setNamespaceInfo(NamespaceInfo.newBuilder().setName("phys-b"))
            .build();

    assertThat(
            Merges.describeNamespace("virt", List.of(withoutConfig, withRetention))
                .getConfig()
                .getWorkflowExecutionRetentionTtl())
        .isEqualTo(Durations.fromHours(36));
    assertThat(Merges.describeNamespace("virt", List.of(withoutConfig)).hasConfig()).isFalse();
  }

  @Test
  void searchAttributes_unionOfEveryBackend_firstWinsOnAConflict() {
    GetSearchAttributesResponse first =
        GetSearchAttributesResponse.newBuilder()
            .putKeys("Shared", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putKeys("OnlyA", IndexedValueType.INDEXED_VALUE_TYPE_INT)
            .build();
    GetSearchAttributesResponse second =
        GetSearchAttributesResponse.newBuilder()
            .putKeys("Shared", IndexedValueType.INDEXED_VALUE_TYPE_TEXT)
            .putKeys("OnlyB", IndexedValueType.INDEXED_VALUE_TYPE_BOOL)
            .build();

    GetSearchAttributesResponse merged = Merges.searchAttributes(List.of(first, second));

    assertThat(merged.getKeysMap())
        .containsOnlyKeys("Shared", "OnlyA", "OnlyB")
        .containsEntry("Shared", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
        .containsEntry("OnlyA", IndexedValueType.INDEXED_VALUE_TYPE_INT)
        .containsEntry("OnlyB", IndexedValueType.INDEXED_VALUE_TYPE_BOOL);
  }

  @Test
  void listSearchAttributes_unionOfCustomSystemAndSchema_firstWinsOnAConflict() {
    ListSearchAttributesResponse first =
        ListSearchAttributesResponse.newBuilder()
            .putCustomAttributes("Shared", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putSystemAttributes("WorkflowId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD)
            .putStorageSchema("Shared", "keyword-a")
            .build();
    ListSearchAttributesResponse second =
        ListSearchAttributesResponse.newBuilder()
            .putCustomAttributes("Shared", IndexedValueType.INDEXED_VALUE_TYPE_TEXT)
            .putCustomAttributes("OnlyB", IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE)
            .putSystemAttributes("StartTime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME)
            .putStorageSchema("Shared", "text-b")
            .build();

    ListSearchAttributesResponse merged = Merges.listSearchAttributes(List.of(first, second));

    assertThat(merged.getCustomAttributesMap())
        .containsOnlyKeys("Shared", "OnlyB")
        .containsEntry("Shared", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    assertThat(merged.getSystemAttributesMap()).containsOnlyKeys("WorkflowId", "StartTime");
    assertThat(merged.getStorageSchemaMap())
        .containsExactlyEntriesOf(java.util.Map.of("Shared", "keyword-a"));
  }

  @Test
  void describeTaskQueue_pollersOfAll_backlogsAndRatesAdded_oldestAgeWins_restFromFirst() {
    DescribeTaskQueueResponse first =
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(PollerInfo.newBuilder().setIdentity("worker-a"))
            .setStats(stats(10, 5, 1.5f, 2.0f))
            .putStatsByPriorityKey(1, stats(4, 2, 0.5f, 0.5f))
            .setTaskQueueStatus(
                TaskQueueStatus.newBuilder().setBacklogCountHint(7).setReadLevel(100))
            .build();
    DescribeTaskQueueResponse second =
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(PollerInfo.newBuilder().setIdentity("worker-b1"))
            .addPollers(PollerInfo.newBuilder().setIdentity("worker-b2"))
            .setStats(stats(3, 60, 0.5f, 1.0f))
            .putStatsByPriorityKey(1, stats(1, 9, 0.25f, 0.25f))
            .putStatsByPriorityKey(3, stats(2, 1, 1f, 1f))
            .setTaskQueueStatus(
                TaskQueueStatus.newBuilder().setBacklogCountHint(5).setReadLevel(999))
            .build();

    DescribeTaskQueueResponse merged = Merges.describeTaskQueue(List.of(first, second));

    assertThat(merged.getPollersList())
        .extracting(PollerInfo::getIdentity)
        .containsExactly("worker-a", "worker-b1", "worker-b2");
    assertThat(merged.getStats()).isEqualTo(stats(13, 60, 2.0f, 3.0f));
    assertThat(merged.getStatsByPriorityKeyMap())
        .containsOnlyKeys(1, 3)
        .containsEntry(1, stats(5, 9, 0.75f, 0.75f))
        .containsEntry(3, stats(2, 1, 1f, 1f));
    assertThat(merged.getTaskQueueStatus().getBacklogCountHint()).isEqualTo(12);
    assertThat(merged.getTaskQueueStatus().getReadLevel()).isEqualTo(100);
  }

  @Test
  void describeTaskQueue_withoutStatsOrStatusAddsNone() {
    DescribeTaskQueueResponse first =
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(PollerInfo.newBuilder().setIdentity("a"))
            .build();
    DescribeTaskQueueResponse second =
        DescribeTaskQueueResponse.newBuilder()
            .addPollers(PollerInfo.newBuilder().setIdentity("b"))
            .build();

    DescribeTaskQueueResponse merged = Merges.describeTaskQueue(List.of(first, second));

    assertThat(merged.getPollersCount()).isEqualTo(2);
    assertThat(merged.hasStats()).isFalse();
    assertThat(merged.hasTaskQueueStatus()).isFalse();
    assertThat(merged.getStatsByPriorityKeyMap()).isEmpty();
  }

  private static TaskQueueStats stats(
      long backlog, long ageSeconds, float addRate, float dispatchRate) {
    return TaskQueueStats.newBuilder()
        .setApproximateBacklogCount(backlog)
        .setApproximateBacklogAge(Durations.fromSeconds(ageSeconds))
        .setTasksAddRate(addRate)
        .setTasksDispatchRate(dispatchRate)
        .build();
  }

  @Test
  void partitions_ofEveryBackend() {
    ListTaskQueuePartitionsResponse first =
        ListTaskQueuePartitionsResponse.newBuilder()
            .addWorkflowTaskQueuePartitions(TaskQueuePartitionMetadata.newBuilder().setKey("wf-a"))
            .addActivityTaskQueuePartitions(TaskQueuePartitionMetadata.newBuilder().setKey("act-a"))
            .build();
    ListTaskQueuePartitionsResponse second =
        ListTaskQueuePartitionsResponse.newBuilder()
            .addWorkflowTaskQueuePartitions(TaskQueuePartitionMetadata.newBuilder().setKey("wf-b"))
            .build();

    ListTaskQueuePartitionsResponse merged = Merges.partitions(List.of(first, second));

    assertThat(merged.getWorkflowTaskQueuePartitionsList())
        .extracting(TaskQueuePartitionMetadata::getKey)
        .containsExactly("wf-a", "wf-b");
    assertThat(merged.getActivityTaskQueuePartitionsList())
        .extracting(TaskQueuePartitionMetadata::getKey)
        .containsExactly("act-a");
  }

  @Test
  void counts_summed_equalGroupsMergedAndListedLargestFirst() {
    CountWorkflowExecutionsResponse first =
        CountWorkflowExecutionsResponse.newBuilder()
            .setCount(10)
            .addGroups(group("Running", 7))
            .addGroups(group("Completed", 3))
            .build();
    CountWorkflowExecutionsResponse second =
        CountWorkflowExecutionsResponse.newBuilder()
            .setCount(15)
            .addGroups(group("Completed", 9))
            .addGroups(group("Failed", 6))
            .build();

    CountWorkflowExecutionsResponse merged =
        (CountWorkflowExecutionsResponse) Merges.counts(List.of(first, second));

    assertThat(merged.getCount()).isEqualTo(25);
    assertThat(merged.getGroupsList())
        .containsExactly(group("Completed", 12), group("Running", 7), group("Failed", 6));
  }

  @Test
  void counts_withoutGroups_summed() {
    CountWorkflowExecutionsResponse merged =
        (CountWorkflowExecutionsResponse)
            Merges.counts(
                List.of(
                    CountWorkflowExecutionsResponse.newBuilder().setCount(2).build(),
                    CountWorkflowExecutionsResponse.newBuilder().setCount(0).build(),
                    CountWorkflowExecutionsResponse.newBuilder().setCount(40).build()));

    assertThat(merged.getCount()).isEqualTo(42);
    assertThat(merged.getGroupsList()).isEmpty();
  }

  @Test
  void counts_ofAnotherCountResponseType() {
    CountActivityExecutionsResponse merged =
        (CountActivityExecutionsResponse)
            Merges.counts(
                List.of(
                    CountActivityExecutionsResponse.newBuilder().setCount(4).build(),
                    CountActivityExecutionsResponse.newBuilder().setCount(5).build()));

    assertThat(merged.getCount()).isEqualTo(9);
  }

  private static AggregationGroup group(String value, long count) {
    return AggregationGroup.newBuilder()
        .addGroupValues(Payload.newBuilder().setData(ByteString.copyFromUtf8("\"" + value + "\"")))
        .setCount(count)
        .build();
  }

  @Test
  void describeBatch_runningWhileAnyPartRuns_countsAdded_earliestStart_noCloseTime() {
    DescribeBatchOperationResponse completed =
        batch(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED, 10, 10, 0, 100, 200, "wf-a");
    DescribeBatchOperationResponse running =
        batch(BatchOperationState.BATCH_OPERATION_STATE_RUNNING, 20, 5, 1, 50, 0, "wf-b");

    DescribeBatchOperationResponse merged = Merges.describeBatch(List.of(completed, running));

    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_RUNNING);
    assertThat(merged.getTotalOperationCount()).isEqualTo(30);
    assertThat(merged.getCompleteOperationCount()).isEqualTo(15);
    assertThat(merged.getFailureOperationCount()).isEqualTo(1);
    assertThat(merged.getStartTime()).isEqualTo(Timestamps.fromSeconds(50));
    assertThat(merged.hasCloseTime()).isFalse();
    assertThat(merged.getExecutionsList())
        .extracting(Execution::getBusinessId)
        .containsExactly("wf-a", "wf-b");
    assertThat(merged.getJobId()).isEqualTo("job");
  }

  @Test
  void describeBatch_failedIfAnyPartFailed_latestClose() {
    DescribeBatchOperationResponse failed =
        batch(BatchOperationState.BATCH_OPERATION_STATE_FAILED, 10, 4, 6, 100, 300, "wf-a");
    DescribeBatchOperationResponse completed =
        batch(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED, 10, 10, 0, 90, 400, "wf-b");

    DescribeBatchOperationResponse merged = Merges.describeBatch(List.of(failed, completed));

    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_FAILED);
    assertThat(merged.getStartTime()).isEqualTo(Timestamps.fromSeconds(90));
    assertThat(merged.getCloseTime()).isEqualTo(Timestamps.fromSeconds(400));
    assertThat(merged.getFailureOperationCount()).isEqualTo(6);
  }

  @Test
  void describeBatch_completedWhenAllCompleted() {
    DescribeBatchOperationResponse merged =
        Merges.describeBatch(
            List.of(
                batch(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED, 1, 1, 0, 10, 20, "wf-a"),
                batch(
                    BatchOperationState.BATCH_OPERATION_STATE_COMPLETED, 2, 2, 0, 5, 15, "wf-b")));

    assertThat(merged.getState()).isEqualTo(BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
    assertThat(merged.getTotalOperationCount()).isEqualTo(3);
    assertThat(merged.getStartTime()).isEqualTo(Timestamps.fromSeconds(5));
    assertThat(merged.getCloseTime()).isEqualTo(Timestamps.fromSeconds(20));
  }

  private static DescribeBatchOperationResponse batch(
      BatchOperationState state,
      long total,
      long complete,
      long failed,
      long start,
      long close,
      String workflowId) {
    DescribeBatchOperationResponse.Builder b =
        DescribeBatchOperationResponse.newBuilder()
            .setJobId("job")
            .setState(state)
            .setTotalOperationCount(total)
            .setCompleteOperationCount(complete)
            .setFailureOperationCount(failed)
            .setStartTime(Timestamps.fromSeconds(start))
            .addExecutions(Execution.newBuilder().setBusinessId(workflowId));
    if (close > 0) {
      b.setCloseTime(Timestamps.fromSeconds(close));
    }
    return b.build();
  }

  @Test
  void describeTaskQueue_configurationFromTheFirst_rateLimitsAddedUp() {
    // configuration comes from the first active backend, where writes were broadcast; rate limits
    // are split across backends on the way in (each holds its share), so they add up
    DescribeTaskQueueResponse first =
        DescribeTaskQueueResponse.newBuilder()
            .setConfig(
                io.temporal.api.taskqueue.v1.TaskQueueConfig.newBuilder()
                    .putFairnessWeightOverrides("k", 2f)
                    .setQueueRateLimit(
                        io.temporal.api.taskqueue.v1.RateLimitConfig.newBuilder()
                            .setRateLimit(
                                io.temporal.api.taskqueue.v1.RateLimit.newBuilder()
                                    .setRequestsPerSecond(5))))
            .build();
    DescribeTaskQueueResponse second =
        DescribeTaskQueueResponse.newBuilder()
            .setConfig(
                io.temporal.api.taskqueue.v1.TaskQueueConfig.newBuilder()
                    .putFairnessWeightOverrides("k", 9f)
                    .setQueueRateLimit(
                        io.temporal.api.taskqueue.v1.RateLimitConfig.newBuilder()
                            .setRateLimit(
                                io.temporal.api.taskqueue.v1.RateLimit.newBuilder()
                                    .setRequestsPerSecond(99))))
            .build();

    io.temporal.api.taskqueue.v1.TaskQueueConfig merged =
        Merges.describeTaskQueue(List.of(first, second)).getConfig();
    assertThat(merged.getFairnessWeightOverridesMap()).containsEntry("k", 2f);
    assertThat(merged.getQueueRateLimit().getRateLimit().getRequestsPerSecond()).isEqualTo(104f);
  }
}
