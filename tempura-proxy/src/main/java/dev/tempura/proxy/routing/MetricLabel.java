package dev.tempura.proxy.routing;

import dev.tempura.proxy.wire.WireFields;
import io.grpc.MethodDescriptor;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;

/**
 * How Temporal's own metrics name the calls of one method ({@code operation}) and whether they are
 * long polls, decided once when the table is built, so that Tempura's series line up with the
 * server's and the SDK's. Temporal's frontend reports a GetWorkflowExecutionHistory that waits for
 * new events as {@code PollWorkflowExecutionHistory} (common/rpc/interceptor/telemetry.go) and,
 * like the SDK's {@code temporal_long_request_latency}, keeps long polls out of request latency: a
 * long poll's duration is how long nothing happened, not how slow the backend was.
 *
 * @param operation the label of a call
 * @param longPoll every call of the method waits for something to happen (polls, update results)
 * @param waitPath a flag in the request that makes one call wait (history's {@code
 *     wait_new_event}), or null
 * @param waitingOperation the label of a call with that flag set, or null
 */
public record MetricLabel(
    String operation, boolean longPoll, int[] waitPath, String waitingOperation) {

  static MetricLabel of(MethodDescriptor<?, ?> method, RouteKind kind) {
    String name = method.getFullMethodName();
    if (name.equals(
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod().getFullMethodName())) {
      return new MetricLabel(
          method.getBareMethodName(),
          false,
          WireFields.path(GetWorkflowExecutionHistoryRequest.getDescriptor(), "wait_new_event"),
          "PollWorkflowExecutionHistory");
    }
    boolean longPoll =
        kind == RouteKind.POLL
            || name.equals(
                WorkflowServiceGrpc.getPollWorkflowExecutionUpdateMethod().getFullMethodName());
    return new MetricLabel(method.getBareMethodName(), longPoll, null, null);
  }

  /** Whether this call waits for an event: read from its bytes only for the method that has one. */
  public boolean waits(byte[] request) {
    return waitPath != null && request != null && WireFields.varint(request, waitPath, 0) != 0;
  }

  /** The {@code operation} label of a call; {@code waiting} from {@link #waits}. */
  public String operation(boolean waiting) {
    return waiting ? waitingOperation : operation;
  }

  /** Whether a call is a long poll; {@code waiting} from {@link #waits}. */
  public boolean longPoll(boolean waiting) {
    return longPoll || waiting;
  }
}
