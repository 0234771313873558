package dev.tempura.proxy.aggregate;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import io.temporal.api.enums.v1.BatchOperationState;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.taskqueue.v1.TaskQueueStats;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.GetSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How answers from several physical namespaces become one answer for the virtual namespace. Each
 * merge takes the answers in topology order (the first active physical namespace first) and
 * documents its policy.
 */
final class Merges {
  private Merges() {}

  /** A stable id for a virtual namespace, as Temporal's ids are stable per namespace. */
  static String virtualNamespaceId(String virtualName) {
    return dev.tempura.proxy.translate.NamespaceIds.virtualId(virtualName);
  }

  /**
   * Counts are summed; GROUP BY groups with equal values are merged and their counts summed, and
   * groups are listed by count, largest first.
   */
  static Message counts(List<? extends Message> answers) {
    Message first = answers.get(0);
    FieldDescriptor countField = first.getDescriptorForType().findFieldByName("count");
    FieldDescriptor groupsField = first.getDescriptorForType().findFieldByName("groups");
    long total = 0;
    Map<ByteString, Message.Builder> groups = new LinkedHashMap<>();
    for (Message m : answers) {
      total += ((Number) m.getField(countField)).longValue();
      if (groupsField == null) {
        continue;
      }
      for (Object o : (List<?>) m.getField(groupsField)) {
        Message g = (Message) o;
        FieldDescriptor values = g.getDescriptorForType().findFieldByName("group_values");
        FieldDescriptor groupCount = g.getDescriptorForType().findFieldByName("count");
        ByteString key = g.toBuilder().clearField(groupCount).build().toByteString();
        Message.Builder merged = groups.get(key);
        if (merged == null) {
          groups.put(key, g.toBuilder());
        } else {
          merged.setField(
              groupCount,
              ((Number) merged.getField(groupCount)).longValue()
                  + ((Number) g.getField(groupCount)).longValue());
        }
        assert values != null;
      }
    }
    Message.Builder out = first.newBuilderForType();
    out.setField(countField, total);
    if (groupsField != null) {
      groups.values().stream()
          .map(Message.Builder::build)
          .sorted((a, b) -> Long.compare(groupCount(b), groupCount(a)))
          .forEach(g -> out.addRepeatedField(groupsField, g));
    }
    return out.build();
  }

  private static long groupCount(Message g) {
    return ((Number) g.getField(g.getDescriptorForType().findFieldByName("count"))).longValue();
  }

  /**
   * The virtual namespace as one namespace: its own name and a stable id; capabilities that every
   * backend has (a boolean capability is on only if it is on everywhere); the shortest retention of
   * any backend, since a closed workflow may disappear that soon; everything else from the first
   * active physical namespace.
   */
  static DescribeNamespaceResponse describeNamespace(
      String virtualName, List<DescribeNamespaceResponse> answers) {
    DescribeNamespaceResponse first = answers.get(0);
    DescribeNamespaceResponse.Builder out = first.toBuilder();
    NamespaceInfo.Builder info = first.getNamespaceInfo().toBuilder();
    info.setName(virtualName).setId(virtualNamespaceId(virtualName));
    Message caps = first.getNamespaceInfo().getCapabilities();
    for (DescribeNamespaceResponse r : answers) {
      caps = intersect(caps, r.getNamespaceInfo().getCapabilities());
    }
    info.setCapabilities((NamespaceInfo.Capabilities) caps);
    out.setNamespaceInfo(info);
    Duration shortest = null;
    for (DescribeNamespaceResponse r : answers) {
      if (r.hasConfig() && r.getConfig().hasWorkflowExecutionRetentionTtl()) {
        Duration d = r.getConfig().getWorkflowExecutionRetentionTtl();
        if (shortest == null || Durations.compare(d, shortest) < 0) {
          shortest = d;
        }
      }
    }
    if (shortest != null) {
      out.setConfig(out.getConfig().toBuilder().setWorkflowExecutionRetentionTtl(shortest));
    }
    return out.build();
  }

  /** System capabilities every backend has; the server version of the first. */
  static GetSystemInfoResponse systemInfo(List<GetSystemInfoResponse> answers) {
    GetSystemInfoResponse first = answers.get(0);
    Message caps = first.getCapabilities();
    for (GetSystemInfoResponse r : answers) {
      caps = intersect(caps, r.getCapabilities());
    }
    return first.toBuilder().setCapabilities((GetSystemInfoResponse.Capabilities) caps).build();
  }

  /** Search attributes of every backend; where two disagree on a type, the first one's. */
  static GetSearchAttributesResponse searchAttributes(List<GetSearchAttributesResponse> answers) {
    GetSearchAttributesResponse.Builder out = GetSearchAttributesResponse.newBuilder();
    for (int i = answers.size() - 1; i >= 0; i--) {
      out.putAllKeys(answers.get(i).getKeysMap());
    }
    return out.build();
  }

  /** Search attributes of every backend; where two disagree on a type, the first one's. */
  static io.temporal.api.operatorservice.v1.ListSearchAttributesResponse listSearchAttributes(
      List<io.temporal.api.operatorservice.v1.ListSearchAttributesResponse> answers) {
    io.temporal.api.operatorservice.v1.ListSearchAttributesResponse.Builder out =
        io.temporal.api.operatorservice.v1.ListSearchAttributesResponse.newBuilder();
    for (int i = answers.size() - 1; i >= 0; i--) {
      out.putAllCustomAttributes(answers.get(i).getCustomAttributesMap());
      out.putAllSystemAttributes(answers.get(i).getSystemAttributesMap());
      out.putAllStorageSchema(answers.get(i).getStorageSchemaMap());
    }
    return out.build();
  }

  /**
   * One task queue over several backends: pollers of all, backlogs added up (the oldest backlog age
   * wins), rates added up; in enhanced mode, versions of all with the most reachable reachability
   * ({@link ReachabilityMerges#versionsInfo}); rate limits added up, since each backend holds its
   * share of the limit ({@link RateLimitSplit}); the rest of the configuration and versioning from
   * the first active backend, where writes were broadcast.
   */
  static DescribeTaskQueueResponse describeTaskQueue(List<DescribeTaskQueueResponse> answers) {
    DescribeTaskQueueResponse.Builder out =
        answers.get(0).toBuilder().clearPollers().clearStatsByPriorityKey();
    TaskQueueStats.Builder stats = null;
    long backlogHint = 0;
    Map<Integer, TaskQueueStats.Builder> byPriority = new java.util.TreeMap<>();
    for (DescribeTaskQueueResponse r : answers) {
      out.addAllPollers(r.getPollersList());
      if (r.hasStats()) {
        stats = stats == null ? r.getStats().toBuilder() : add(stats, r.getStats());
      }
      r.getStatsByPriorityKeyMap()
          .forEach(
              (k, v) -> {
                TaskQueueStats.Builder b = byPriority.get(k);
                byPriority.put(k, b == null ? v.toBuilder() : add(b, v));
              });
      backlogHint += r.getTaskQueueStatus().getBacklogCountHint();
    }
    byPriority.forEach((k, v) -> out.putStatsByPriorityKey(k, v.build()));
    ReachabilityMerges.versionsInfo(out, answers);
    RateLimitSplit.sumConfiguredLimits(out, answers);
    if (stats != null) {
      out.setStats(stats);
    }
    if (out.hasTaskQueueStatus()) {
      out.setTaskQueueStatus(out.getTaskQueueStatus().toBuilder().setBacklogCountHint(backlogHint));
    }
    return out.build();
  }

  private static TaskQueueStats.Builder add(TaskQueueStats.Builder into, TaskQueueStats s) {
    into.setApproximateBacklogCount(
        into.getApproximateBacklogCount() + s.getApproximateBacklogCount());
    if (Durations.compare(s.getApproximateBacklogAge(), into.getApproximateBacklogAge()) > 0) {
      into.setApproximateBacklogAge(s.getApproximateBacklogAge());
    }
    into.setTasksAddRate(into.getTasksAddRate() + s.getTasksAddRate());
    into.setTasksDispatchRate(into.getTasksDispatchRate() + s.getTasksDispatchRate());
    return into;
  }

  /** Partitions of every backend. */
  static ListTaskQueuePartitionsResponse partitions(List<ListTaskQueuePartitionsResponse> answers) {
    ListTaskQueuePartitionsResponse.Builder out = ListTaskQueuePartitionsResponse.newBuilder();
    for (ListTaskQueuePartitionsResponse r : answers) {
      out.addAllActivityTaskQueuePartitions(r.getActivityTaskQueuePartitionsList());
      out.addAllWorkflowTaskQueuePartitions(r.getWorkflowTaskQueuePartitionsList());
    }
    return out.build();
  }

  /**
   * A batch job split over backends: running while any part runs, failed if any part failed,
   * completed when all did; counts added up; the earliest start and the latest close.
   */
  static DescribeBatchOperationResponse describeBatch(
      List<DescribeBatchOperationResponse> answers) {
    DescribeBatchOperationResponse.Builder out = answers.get(0).toBuilder().clearExecutions();
    long total = 0;
    long complete = 0;
    long failed = 0;
    boolean running = false;
    boolean anyFailed = false;
    for (DescribeBatchOperationResponse r : answers) {
      out.addAllExecutions(r.getExecutionsList());
      total += r.getTotalOperationCount();
      complete += r.getCompleteOperationCount();
      failed += r.getFailureOperationCount();
      running |= r.getState() == BatchOperationState.BATCH_OPERATION_STATE_RUNNING;
      anyFailed |= r.getState() == BatchOperationState.BATCH_OPERATION_STATE_FAILED;
      if (r.hasStartTime()
          && com.google.protobuf.util.Timestamps.compare(r.getStartTime(), out.getStartTime())
              < 0) {
        out.setStartTime(r.getStartTime());
      }
      if (r.hasCloseTime()
          && com.google.protobuf.util.Timestamps.compare(r.getCloseTime(), out.getCloseTime())
              > 0) {
        out.setCloseTime(r.getCloseTime());
      }
    }
    out.setTotalOperationCount(total)
        .setCompleteOperationCount(complete)
        .setFailureOperationCount(failed);
    out.setState(
        running
            ? BatchOperationState.BATCH_OPERATION_STATE_RUNNING
            : anyFailed
                ? BatchOperationState.BATCH_OPERATION_STATE_FAILED
                : BatchOperationState.BATCH_OPERATION_STATE_COMPLETED);
    if (running) {
      out.clearCloseTime();
    }
    return out.build();
  }

  /** Boolean fields are on only where on in both; other fields keep {@code a}'s values. */
  private static Message intersect(Message a, Message b) {
    Message.Builder out = a.toBuilder();
    for (FieldDescriptor f : a.getDescriptorForType().getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN && !f.isRepeated()) {
        out.setField(f, (Boolean) a.getField(f) && (Boolean) b.getField(f));
      }
    }
    return out.build();
  }
}
