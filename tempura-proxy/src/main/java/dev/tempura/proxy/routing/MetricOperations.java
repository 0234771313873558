package dev.tempura.proxy.routing;

import dev.tempura.proxy.wire.WireFields;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

/**
 * How Temporal's own metrics name a call ({@code operation}) and whether it is a long poll, so that
 * Tempura's series line up with the server's and the SDK's. Temporal's frontend reports a
 * GetWorkflowExecutionHistory that waits for new events as {@code PollWorkflowExecutionHistory}
 * (common/rpc/interceptor/telemetry.go) and, like the SDK's {@code temporal_long_request_latency},
 * keeps long polls out of request latency: a long poll's duration is how long nothing happened, not
 * how slow the backend was.
 */
public final class MetricOperations {
  private static final String HISTORY =
      WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod().getFullMethodName();
  private static final String POLL_UPDATE =
      WorkflowServiceGrpc.getPollWorkflowExecutionUpdateMethod().getFullMethodName();
  private static final int[] WAIT_NEW_EVENT =
      WireFields.path(GetWorkflowExecutionHistoryRequest.getDescriptor(), "wait_new_event");

  private MetricOperations() {}

  /** The {@code operation} label of a call of {@code route} with {@code request}. */
  public static String operation(MethodRoute route, byte[] request) {
    if (isWaitingHistory(route, request)) {
      return "PollWorkflowExecutionHistory";
    }
    return route.bareMethodName();
  }

  /** Whether the call waits for something to happen rather than for the backend to work. */
  public static boolean longPoll(MethodRoute route, byte[] request) {
    return route.kind() == RouteKind.POLL
        || route.fullMethodName().equals(POLL_UPDATE)
        || isWaitingHistory(route, request);
  }

  private static boolean isWaitingHistory(MethodRoute route, byte[] request) {
    return route.fullMethodName().equals(HISTORY)
        && request != null
        && WireFields.varint(request, WAIT_NEW_EVENT, 0) != 0;
  }
}
