package dev.tempura.proxy.aggregate;

import com.google.protobuf.Message;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.routing.Aggregation;
import java.util.concurrent.CompletableFuture;

/**
 * How a namespace-wide or cluster call is answered across physical namespaces: one object per way
 * of answering, carried by the method's route ({@link AggregationRules} gives each method its own).
 */
public final class Strategy implements Aggregation {
  /** Answers one call. */
  @FunctionalInterface
  interface Answer {
    CompletableFuture<Message> answer(
        NamespaceWideHandler handler, ProxyCall call, Message request, Message responsePrototype);
  }

  /** Answers one call in the namespace its request names. */
  @FunctionalInterface
  interface NamespaceAnswer {
    CompletableFuture<Message> answer(
        NamespaceWideHandler handler, NamespaceWideHandler.Scope scope);
  }

  /** Forwarded to the first active physical namespace: reads of state every backend shares. */
  public static final Strategy PRIMARY = new Strategy("PRIMARY", null);

  /** Sent to every physical namespace; the first active one's answer is returned. */
  public static final Strategy BROADCAST =
      inNamespace("BROADCAST", NamespaceWideHandler::broadcast);

  /**
   * Sent to every physical namespace; succeeds, once all have answered, if any answered OK. For a
   * worker's reports, which one unreachable backend must not fail.
   */
  public static final Strategy BEST_EFFORT_BROADCAST =
      inNamespace("BEST_EFFORT_BROADCAST", NamespaceWideHandler::bestEffortBroadcast);

  /** Counts summed, groups merged. */
  public static final Strategy COUNT = inNamespace("COUNT", NamespaceWideHandler::count);

  public static final Strategy DESCRIBE_NAMESPACE =
      inNamespace("DESCRIBE_NAMESPACE", NamespaceWideHandler::describeNamespace);
  public static final Strategy DESCRIBE_TASK_QUEUE =
      inNamespace("DESCRIBE_TASK_QUEUE", NamespaceWideHandler::describeTaskQueue);

  /** Per-backend reachability and drainage, merged conservatively ({@link ReachabilityMerges}). */
  public static final Strategy WORKER_TASK_REACHABILITY =
      inNamespace("WORKER_TASK_REACHABILITY", NamespaceWideHandler::workerTaskReachability);

  public static final Strategy DEPLOYMENT_REACHABILITY =
      inNamespace("DEPLOYMENT_REACHABILITY", NamespaceWideHandler::deploymentReachability);
  public static final Strategy DEPLOYMENT_VERSION =
      inNamespace("DEPLOYMENT_VERSION", NamespaceWideHandler::deploymentVersion);

  public static final Strategy TASK_QUEUE_PARTITIONS =
      inNamespace("TASK_QUEUE_PARTITIONS", NamespaceWideHandler::partitions);

  /** OperatorService ListSearchAttributes: the attributes of every backend. */
  public static final Strategy LIST_SEARCH_ATTRIBUTES =
      inNamespace("LIST_SEARCH_ATTRIBUTES", NamespaceWideHandler::listSearchAttributes);

  public static final Strategy START_BATCH =
      inNamespace("START_BATCH", NamespaceWideHandler::startBatch);
  public static final Strategy DESCRIBE_BATCH =
      inNamespace("DESCRIBE_BATCH", NamespaceWideHandler::describeBatch);
  public static final Strategy STOP_BATCH =
      inNamespace("STOP_BATCH", NamespaceWideHandler::stopBatch);
  public static final Strategy LIST_NAMESPACES =
      new Strategy("LIST_NAMESPACES", (h, call, request, proto) -> h.listNamespaces(call));
  public static final Strategy SYSTEM_INFO =
      new Strategy("SYSTEM_INFO", NamespaceWideHandler::systemInfo);
  public static final Strategy SEARCH_ATTRIBUTES =
      new Strategy("SEARCH_ATTRIBUTES", NamespaceWideHandler::searchAttributes);

  /** Namespace registration and changes are refused with FAILED_PRECONDITION. */
  public static final Strategy REJECT_NAMESPACE_ADMIN =
      new Strategy(
          "REJECT_NAMESPACE_ADMIN", (h, call, request, proto) -> h.rejectNamespaceAdmin(request));

  /** Remote cluster administration is refused: it is about clusters, which Tempura hides. */
  public static final Strategy REJECT_CLUSTER_ADMIN =
      new Strategy(
          "REJECT_CLUSTER_ADMIN",
          (h, call, request, proto) -> NamespaceWideHandler.rejectClusterAdmin());

  /**
   * Nexus endpoints of a virtual namespace: one copy per cluster, matched by name ({@link
   * NexusEndpoints}; see docs/routing.md).
   */
  public static final Strategy NEXUS_ENDPOINT_CREATE =
      new Strategy(
          "NEXUS_ENDPOINT_CREATE",
          (h, call, request, proto) ->
              h.nexusEndpoints()
                  .create(
                      call, (io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest) request)
                  .thenApply(r -> r));

  public static final Strategy NEXUS_ENDPOINT_UPDATE =
      new Strategy(
          "NEXUS_ENDPOINT_UPDATE",
          (h, call, request, proto) ->
              h.nexusEndpoints()
                  .update(
                      call, (io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest) request)
                  .thenApply(r -> r));

  public static final Strategy NEXUS_ENDPOINT_DELETE =
      new Strategy(
          "NEXUS_ENDPOINT_DELETE",
          (h, call, request, proto) ->
              h.nexusEndpoints()
                  .delete(
                      call, (io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest) request)
                  .thenApply(r -> r));

  public static final Strategy NEXUS_ENDPOINT_GET =
      new Strategy(
          "NEXUS_ENDPOINT_GET",
          (h, call, request, proto) ->
              h.nexusEndpoints()
                  .get(call, (io.temporal.api.operatorservice.v1.GetNexusEndpointRequest) request)
                  .thenApply(r -> r));

  public static final Strategy NEXUS_ENDPOINT_LIST =
      new Strategy(
          "NEXUS_ENDPOINT_LIST",
          (h, call, request, proto) ->
              h.nexusEndpoints()
                  .list(
                      call, (io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest) request)
                  .thenApply(r -> r));

  private final String name;
  private final Answer answer;

  private Strategy(String name, Answer answer) {
    this.name = name;
    this.answer = answer;
  }

  /**
   * A visibility list merged across backends (in visibility order when the spec says so, else one
   * backend after another), paged with a composite token.
   */
  static Strategy list(ListMerger.Spec spec) {
    return inNamespace(
        spec.ordered() ? "LIST_ORDERED" : "LIST_CONCAT",
        (h, scope) ->
            new ListMerger(spec, scope.fanout(), scope.request(), scope.responsePrototype())
                .run(scope.vns(), scope.call().route().fullMethodName()));
  }

  private static Strategy inNamespace(String name, NamespaceAnswer a) {
    return new Strategy(name, (h, call, request, proto) -> h.inNamespace(call, request, proto, a));
  }

  @Override
  public boolean forwardsToPrimary() {
    return answer == null;
  }

  CompletableFuture<Message> answer(
      NamespaceWideHandler handler, ProxyCall call, Message request, Message responsePrototype) {
    return answer.answer(handler, call, request, responsePrototype);
  }

  @Override
  public String toString() {
    return name;
  }
}
