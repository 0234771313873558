package dev.tempura.proxy.lifecycle;

import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.routing.LifecycleObserver;
import dev.tempura.proxy.routing.LifecycleObserver.Event;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.MethodDescriptor;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.SignalWithStartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a mapping alive exactly as long as it is needed: no expiry while its workflow runs, and the
 * physical namespace's retention once Tempura sees the workflow close, through
 *
 * <ul>
 *   <li>a completed workflow task whose commands complete, fail or cancel the workflow;
 *   <li>a TerminateWorkflowExecution that went through Tempura;
 *   <li>a closed status in a describe, or a close event in a history, of the latest run.
 * </ul>
 *
 * Continue-as-new is not a close: the next run keeps the mapping. A start that creates a new run
 * for an id whose mapping has a TTL (id reuse after a close) removes the TTL again. Workflows that
 * close unseen (timeouts, a terminate sent straight to a backend) are found by {@link
 * MappingReconciler}. A retry or cron run that starts after a seen close keeps the TTL; if it
 * outlives the retention, its next call misses and relocates it, which records it afresh.
 *
 * <p>Every store write here is asynchronous and off the call's path.
 */
public final class MappingLifecycle {
  private static final Logger log = LoggerFactory.getLogger(MappingLifecycle.class);

  private static final Set<Long> CLOSING_COMMANDS =
      Set.of(
          (long) CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION_VALUE,
          (long) CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION_VALUE,
          (long) CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION_VALUE);
  private static final Set<Long> CLOSE_EVENTS =
      Set.of(
          (long) EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED_VALUE,
          (long) EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED_VALUE,
          (long) EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED_VALUE,
          (long) EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED_VALUE,
          (long) EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT_VALUE);

  private static final int[] COMMAND_TYPES =
      WireFields.path(RespondWorkflowTaskCompletedRequest.getDescriptor(), "commands.command_type");
  private static final int[] DESCRIBE_RUN_ID =
      WireFields.path(DescribeWorkflowExecutionRequest.getDescriptor(), "execution.run_id");
  private static final int[] DESCRIBE_STATUS =
      WireFields.path(
          DescribeWorkflowExecutionResponse.getDescriptor(), "workflow_execution_info.status");
  private static final int[] HISTORY_RUN_ID =
      WireFields.path(GetWorkflowExecutionHistoryRequest.getDescriptor(), "execution.run_id");
  private static final int[] HISTORY_EVENT_TYPES =
      WireFields.path(
          GetWorkflowExecutionHistoryResponse.getDescriptor(), "history.events.event_type");
  private static final int[] START_STARTED =
      WireFields.path(StartWorkflowExecutionResponse.getDescriptor(), "started");
  private static final int[] SIGNAL_WITH_START_STARTED =
      WireFields.path(SignalWithStartWorkflowExecutionResponse.getDescriptor(), "started");
  private static final int[] MULTI_OPERATION_STARTED =
      WireFields.path(
          ExecuteMultiOperationResponse.getDescriptor(), "responses.start_workflow.started");

  /** The observer of every method whose answers tell something, keyed by its descriptor. */
  public static Map<MethodDescriptor<?, ?>, LifecycleObserver> observers() {
    Map<MethodDescriptor<?, ?>, LifecycleObserver> o = new IdentityHashMap<>();
    o.put(
        WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod(),
        (req, resp) ->
            anyVarintIn(req, COMMAND_TYPES, CLOSING_COMMANDS) ? Event.CLOSED : Event.NOTHING);
    o.put(WorkflowServiceGrpc.getTerminateWorkflowExecutionMethod(), (req, resp) -> Event.CLOSED);
    o.put(
        WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod(),
        (req, resp) ->
            latestRun(req, DESCRIBE_RUN_ID)
                    && closedStatus(WireFields.varint(resp, DESCRIBE_STATUS, 0))
                ? Event.CLOSED
                : Event.NOTHING);
    o.put(
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod(),
        (req, resp) ->
            latestRun(req, HISTORY_RUN_ID) && anyVarintIn(resp, HISTORY_EVENT_TYPES, CLOSE_EVENTS)
                ? Event.CLOSED
                : Event.NOTHING);
    o.put(WorkflowServiceGrpc.getStartWorkflowExecutionMethod(), startedAt(START_STARTED));
    o.put(
        WorkflowServiceGrpc.getSignalWithStartWorkflowExecutionMethod(),
        startedAt(SIGNAL_WITH_START_STARTED));
    o.put(WorkflowServiceGrpc.getExecuteMultiOperationMethod(), startedAt(MULTI_OPERATION_STARTED));
    // a deleted schedule's id may be used again, anywhere
    o.put(WorkflowServiceGrpc.getDeleteScheduleMethod(), (req, resp) -> Event.DELETED);
    return o;
  }

  private static LifecycleObserver startedAt(int[] startedPath) {
    return (req, resp) ->
        WireFields.varint(resp, startedPath, 0) != 0 ? Event.STARTED : Event.NOTHING;
  }

  private final MappingStore mappings;
  private final RetentionCache retention;
  private final ProxyMetrics metrics;
  private final LongAdder expiries = new LongAdder();

  public MappingLifecycle(MappingStore mappings, RetentionCache retention, ProxyMetrics metrics) {
    this.mappings = mappings;
    this.retention = retention;
    this.metrics = metrics;
  }

  /**
   * Looks at a successful call's request and response (as the backend saw and sent them) with the
   * observer its route carries.
   */
  public void observe(
      MethodRoute route, byte[] request, byte[] response, MappingKey key, PhysicalNamespace p) {
    LifecycleObserver o = route.lifecycle();
    if (o == LifecycleObserver.NONE || key == null) {
      return;
    }
    Event seen;
    try {
      seen = o.observe(request, response);
    } catch (RuntimeException e) {
      log.warn("could not read {} for the lifecycle of {}", route.bareMethodName(), key, e);
      return;
    }
    if (seen == Event.DELETED) {
      mappings.delete(key).exceptionally(e -> logFailure("delete", key, e));
    } else if (seen == Event.CLOSED) {
      closed(key, p);
    } else if (seen == Event.STARTED) {
      metrics.placement(virtualOf(key), p);
      mappings.persist(key).exceptionally(e -> logFailure("persist", key, e));
    }
  }

  /** Gives the mapping the retention of the namespace that holds the closed workflow. */
  public void closed(MappingKey key, PhysicalNamespace p) {
    retention
        .retention(p)
        .thenCompose(ttl -> mappings.expire(key, ttl))
        .thenAccept(
            applied -> {
              if (applied) {
                expiries.increment();
              }
            })
        .exceptionally(e -> logFailure("expire", key, e));
  }

  /** Mappings given a TTL by this replica; for metrics. */
  public long expiriesApplied() {
    return expiries.sum();
  }

  /** The virtual namespace of a mapping key, without a keyspace suffix. */
  private static String virtualOf(MappingKey key) {
    String vns = key.virtualNamespace();
    int slash = vns.indexOf('/');
    return slash < 0 ? vns : vns.substring(0, slash);
  }

  private static <T> T logFailure(String what, MappingKey key, Throwable e) {
    log.warn("could not {} the mapping of {}: {}", what, key, e.toString());
    return null;
  }

  private static boolean latestRun(byte[] request, int[] runIdPath) {
    String runId = WireFields.string(request, runIdPath);
    return runId == null || runId.isEmpty();
  }

  private static boolean closedStatus(long status) {
    return status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED_VALUE
        || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED_VALUE
        || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED_VALUE
        || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED_VALUE
        || status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT_VALUE;
  }

  private static boolean anyVarintIn(byte[] message, int[] path, Set<Long> wanted) {
    boolean[] found = {false};
    WireFields.forEachVarint(message, path, v -> found[0] |= wanted.contains(v));
    return found[0];
  }
}
