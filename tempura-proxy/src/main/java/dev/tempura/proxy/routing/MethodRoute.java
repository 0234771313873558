package dev.tempura.proxy.routing;

import com.google.protobuf.Descriptors.Descriptor;
import dev.tempura.proxy.wire.MessagePlan;
import io.grpc.MethodDescriptor;
import java.util.List;

/**
 * Everything the proxy needs to handle one method, computed once from its descriptors.
 *
 * @param method the method with byte marshallers, for both the server and the backend calls
 * @param namespacePath the request's top-level namespace field, or null when it has none
 * @param keys ids to route by, tried in order (empty unless the kind is keyed)
 * @param taskTokenPath the request's task token (BY_TASK_TOKEN) or the response's (POLL), else null
 * @param responseWorkflowIdPath for polls, the workflow id of the task in the response, else null
 * @param requestPlan fields to rewrite on the way to a backend, or null
 * @param responsePlan fields to rewrite on the way back, or null
 */
public record MethodRoute(
    MethodDescriptor<byte[], byte[]> method,
    RouteKind kind,
    Descriptor requestType,
    Descriptor responseType,
    int[] namespacePath,
    List<KeyPath> keys,
    int[] taskTokenPath,
    int[] responseWorkflowIdPath,
    MessagePlan requestPlan,
    MessagePlan responsePlan) {

  public String fullMethodName() {
    return method.getFullMethodName();
  }

  public String bareMethodName() {
    return method.getBareMethodName();
  }
}
