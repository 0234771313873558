package dev.tempura.proxy.routing;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import dev.tempura.proxy.wire.MessagePlan;
import io.grpc.MethodDescriptor;
import java.util.List;

/**
 * Everything the proxy needs to handle one method, computed once from its descriptors: nothing
 * after the table is built looks a method up by its name.
 *
 * @param method the method with byte marshallers, for both the server and the backend calls
 * @param requestPrototype the request's message type, for the calls that are parsed
 * @param responsePrototype the response's message type
 * @param namespacePath the request's top-level namespace field, or null when it has none
 * @param keys ids to route by, tried in order (empty unless the kind is keyed)
 * @param taskTokenPath the request's task token (BY_TASK_TOKEN) or the response's (POLL), else null
 * @param responseWorkflowIdPath for polls, the workflow id of the task in the response, else null
 * @param requestPlan fields to rewrite on the way to a backend, or null
 * @param responsePlan fields to rewrite on the way back, or null
 * @param requestFields the request fields a call needs, read in one pass ({@link #read})
 * @param pollKind for polls, the task queue they read; else null
 * @param aggregation for namespace-wide and cluster methods, how they are answered; else null
 * @param lifecycle what a successful answer tells about its workflow's life ({@link
 *     LifecycleObserver#NONE} when nothing)
 * @param splitRates rate limits in the request that each backend applies on its own, split across
 *     the backends a call goes to ({@link #splitRates(byte[], int)}); empty for most methods
 * @param metricLabel how Temporal's metrics name its calls, and which are long polls
 */
public record MethodRoute(
    MethodDescriptor<byte[], byte[]> method,
    RouteKind kind,
    Message requestPrototype,
    Message responsePrototype,
    int[] namespacePath,
    List<KeyPath> keys,
    int[] taskTokenPath,
    int[] responseWorkflowIdPath,
    MessagePlan requestPlan,
    MessagePlan responsePlan,
    RequestFields.Plan requestFields,
    PollKind pollKind,
    Aggregation aggregation,
    LifecycleObserver lifecycle,
    int[][] splitRates,
    MetricLabel metricLabel) {

  public String fullMethodName() {
    return method.getFullMethodName();
  }

  public String bareMethodName() {
    return method.getBareMethodName();
  }

  public Descriptor requestType() {
    return requestPrototype.getDescriptorForType();
  }

  public Descriptor responseType() {
    return responsePrototype.getDescriptorForType();
  }

  /**
   * Reads the fields a call of this method needs in one pass over {@code request}.
   *
   * @throws dev.tempura.proxy.wire.MalformedMessageException when its top level is malformed
   */
  public RequestFields read(byte[] request) {
    return requestFields.read(request);
  }

  /**
   * The request as one of {@code backends} backends that each apply its rate limits on their own
   * should get it: every limit divided by {@code backends}, so that together they allow the limit
   * the client set, not N times it. An approximation: a backend that gets less than its share of
   * the traffic leaves part of its share unused. The request itself when nothing is to split.
   */
  public byte[] splitRates(byte[] request, int backends) {
    if (splitRates.length == 0 || backends <= 1) {
      return request;
    }
    return dev.tempura.proxy.wire.WireScale.scale(request, splitRates, 1.0 / backends);
  }

  /** Whether the children a request starts are recorded before it is forwarded. */
  public boolean recordsChildren() {
    return requestFields.readsChildren();
  }
}
