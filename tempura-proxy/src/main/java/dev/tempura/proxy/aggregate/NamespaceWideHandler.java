package dev.tempura.proxy.aggregate;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.call.Errors;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.locate.WorkflowLocator;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeBatchOperationResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionResponse;
import io.temporal.api.workflowservice.v1.GetDeploymentReachabilityResponse;
import io.temporal.api.workflowservice.v1.GetSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityResponse;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.ListTaskQueuePartitionsResponse;
import io.temporal.api.workflowservice.v1.StartBatchOperationRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Answers the calls that concern a whole namespace (or the cluster) across every physical
 * namespace, by the strategy its route carries ({@link AggregationRules}). A method whose strategy
 * is {@link Strategy#PRIMARY} is left to the pipeline, which forwards it to the first active
 * physical namespace.
 */
public final class NamespaceWideHandler {
  private final TopologyService topology;
  private final Translations translations;
  private final BackendCaller caller;
  private final RoutingTable routes;
  private final MappingStore mappings;
  private final WorkflowLocator locator;
  private final NexusEndpoints nexusEndpoints;

  /** (call, virtual namespace): whether the caller is allowed to see that namespace. */
  private final java.util.function.BiPredicate<ProxyCall, String> maySee;

  public NamespaceWideHandler(
      TopologyService topology,
      Translations translations,
      BackendCaller caller,
      RoutingTable routes,
      MappingStore mappings,
      WorkflowLocator locator,
      java.util.function.BiPredicate<ProxyCall, String> maySee) {
    this.maySee = maySee;
    this.topology = topology;
    this.translations = translations;
    this.caller = caller;
    this.routes = routes;
    this.mappings = mappings;
    this.locator = locator;
    this.nexusEndpoints =
        new NexusEndpoints(
            new NexusEndpointCopies(topology, translations, caller, routes, maySee),
            topology,
            maySee);
  }

  /** True when this handler answers the call; false when the pipeline should forward it. */
  public boolean handle(ProxyCall call) {
    Strategy strategy = (Strategy) call.route().aggregation();
    if (strategy == null || strategy.forwardsToPrimary()) {
      return false;
    }
    try {
      Message request = parse(call.route().requestPrototype(), call.request());
      strategy
          .answer(this, call, request, call.route().responsePrototype())
          .whenComplete(
              (answer, error) -> {
                if (error != null) {
                  call.fail(error);
                } else {
                  call.answer(answer.toByteArray());
                }
              });
    } catch (RuntimeException e) {
      call.fail(e);
    }
    return true;
  }

  /** A call of a strategy that concerns the namespace its request names. */
  record Scope(
      ProxyCall call,
      VirtualNamespace vns,
      Fanout fanout,
      List<PhysicalNamespace> all,
      Message request,
      Message responsePrototype) {}

  CompletableFuture<Message> inNamespace(
      ProxyCall call, Message request, Message responsePrototype, Strategy.NamespaceAnswer answer) {
    VirtualNamespace vns = requireVirtual(request);
    // the first active one first: merges take settings from the first answer
    return answer.answer(
        this,
        new Scope(call, vns, fanout(call, vns), primaryFirst(vns), request, responsePrototype));
  }

  CompletableFuture<Message> rejectNamespaceAdmin(Message request) {
    String ns =
        (String) request.getField(request.getDescriptorForType().findFieldByName("namespace"));
    throw Status.FAILED_PRECONDITION
        .withDescription(
            "Tempura does not register, update or deprecate namespaces: "
                + (topology.virtualNamespace(ns).isPresent()
                    ? ns
                        + " is a virtual namespace; change its physical namespaces on their"
                        + " clusters and the virtual namespace through Tempura's admin API"
                    : "do it on the clusters, then add the namespace to a virtual one through"
                        + " Tempura's admin API"))
        .asRuntimeException();
  }

  static CompletableFuture<Message> rejectClusterAdmin() {
    throw Status.FAILED_PRECONDITION
        .withDescription(
            "Tempura does not change remote cluster settings: connect to each cluster's own"
                + " frontend for that")
        .asRuntimeException();
  }

  NexusEndpoints nexusEndpoints() {
    return nexusEndpoints;
  }

  /**
   * Each backend's capabilities as it last told them, by physical id: a backend that cannot answer
   * now still takes part in the intersection, so the proxy never advertises a capability one of its
   * backends lacks only because that backend was down when a client asked.
   */
  private final java.util.concurrent.ConcurrentHashMap<String, GetSystemInfoResponse.Capabilities>
      lastCapabilities = new java.util.concurrent.ConcurrentHashMap<>();

  CompletableFuture<Message> systemInfo(ProxyCall call, Message request, Message responseProto) {
    VirtualNamespace vns = clusterNamespace(call);
    List<PhysicalNamespace> targets = primaryFirst(vns);
    return fanout(call, vns)
        .sendReachable(targets, p -> request, (GetSystemInfoResponse) responseProto)
        .thenApply(
            answers -> {
              List<GetSystemInfoResponse> all = new ArrayList<>(messages(answers));
              java.util.Set<String> answered = new java.util.HashSet<>();
              for (Fanout.Answer<GetSystemInfoResponse> a : answers) {
                answered.add(a.from().id());
                lastCapabilities.put(a.from().id(), a.message().getCapabilities());
              }
              for (PhysicalNamespace p : targets) {
                GetSystemInfoResponse.Capabilities known = lastCapabilities.get(p.id());
                if (!answered.contains(p.id()) && known != null) {
                  all.add(GetSystemInfoResponse.newBuilder().setCapabilities(known).build());
                }
              }
              return Merges.systemInfo(all);
            });
  }

  CompletableFuture<Message> searchAttributes(
      ProxyCall call, Message request, Message responseProto) {
    VirtualNamespace vns = clusterNamespace(call);
    return fanout(call, vns)
        .sendAll(primaryFirst(vns), p -> request, (GetSearchAttributesResponse) responseProto)
        .thenApply(answers -> Merges.searchAttributes(messages(answers)));
  }

  CompletableFuture<Message> count(Scope s) {
    return s.fanout()
        .sendAll(s.all(), p -> s.request(), s.responsePrototype())
        .thenApply(a -> Merges.counts(messages(a)));
  }

  CompletableFuture<Message> describeNamespace(Scope s) {
    return s.fanout()
        .sendReachable(s.all(), p -> s.request(), (DescribeNamespaceResponse) s.responsePrototype())
        .thenApply(a -> Merges.describeNamespace(s.vns().name(), messages(a)));
  }

  CompletableFuture<Message> describeTaskQueue(Scope s) {
    return s.fanout()
        .sendAll(s.all(), p -> s.request(), (DescribeTaskQueueResponse) s.responsePrototype())
        .thenApply(a -> Merges.describeTaskQueue(messages(a)));
  }

  CompletableFuture<Message> workerTaskReachability(Scope s) {
    return s.fanout()
        .sendAll(s.all(), p -> s.request(), s.responsePrototype())
        .thenApply(
            a ->
                ReachabilityMerges.workerTaskReachability(
                    cast(messages(a), GetWorkerTaskReachabilityResponse.class)));
  }

  /** A backend that does not know the deployment (NOT_FOUND) holds no workflow pinned to it. */
  CompletableFuture<Message> deploymentReachability(Scope s) {
    return tolerant(s.fanout(), s.all(), s.request(), s.responsePrototype())
        .thenApply(
            a ->
                ReachabilityMerges.deploymentReachability(
                    cast(a, GetDeploymentReachabilityResponse.class)));
  }

  /** As {@link #deploymentReachability}: a backend without the version is drained of it. */
  CompletableFuture<Message> deploymentVersion(Scope s) {
    return tolerant(s.fanout(), s.all(), s.request(), s.responsePrototype())
        .thenApply(
            a ->
                ReachabilityMerges.deploymentVersion(
                    cast(a, DescribeWorkerDeploymentVersionResponse.class)));
  }

  CompletableFuture<Message> partitions(Scope s) {
    return s.fanout()
        .sendAll(s.all(), p -> s.request(), (ListTaskQueuePartitionsResponse) s.responsePrototype())
        .thenApply(a -> Merges.partitions(messages(a)));
  }

  CompletableFuture<Message> listSearchAttributes(Scope s) {
    return s.fanout()
        .sendAll(
            s.all(),
            p -> s.request(),
            (io.temporal.api.operatorservice.v1.ListSearchAttributesResponse) s.responsePrototype())
        .thenApply(a -> Merges.listSearchAttributes(messages(a)));
  }

  CompletableFuture<Message> broadcast(Scope s) {
    return broadcast(s.fanout(), s.vns(), s.request(), s.responsePrototype());
  }

  /**
   * A worker's report (a heartbeat, a shutdown notice) goes to every physical namespace and
   * succeeds if any takes it: a backend that misses one gets the next heartbeat, or times the
   * sticky queue out as it would for a worker that vanished, so one unreachable backend must not
   * fail the worker's call. The answer waits for every backend, so an answered report has reached
   * each one that could take it; only if none did does the call fail, with the first active
   * backend's error.
   */
  CompletableFuture<Message> bestEffortBroadcast(Scope s) {
    List<CompletableFuture<Fanout.Answer<Message>>> futures = new ArrayList<>();
    for (PhysicalNamespace p : s.all()) {
      futures.add(s.fanout().send(p, s.request(), s.responsePrototype()));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .handle(
            (v, ignored) -> {
              StatusRuntimeException first = null;
              for (CompletableFuture<Fanout.Answer<Message>> f : futures) {
                try {
                  return f.join().message();
                } catch (RuntimeException e) {
                  if (first == null) {
                    first = Errors.toStatus(e);
                  }
                }
              }
              throw first;
            });
  }

  CompletableFuture<Message> startBatch(Scope s) {
    return startBatch(
        s.fanout(), s.vns(), (StartBatchOperationRequest) s.request(), s.responsePrototype());
  }

  CompletableFuture<Message> describeBatch(Scope s) {
    return tolerant(s.fanout(), s.all(), s.request(), s.responsePrototype())
        .thenApply(a -> Merges.describeBatch(cast(a, DescribeBatchOperationResponse.class)));
  }

  CompletableFuture<Message> stopBatch(Scope s) {
    return tolerant(s.fanout(), s.all(), s.request(), s.responsePrototype())
        .thenApply(a -> a.get(0));
  }

  /**
   * Writes go to every physical namespace, cordoned ones too, since their workers still poll. The
   * answer is the first active one's. A conflict token (read from the first active backend) is
   * checked there only; the others apply the write unconditionally. Rate limits the route splits
   * are divided by the number of backends written to.
   */
  private CompletableFuture<Message> broadcast(
      Fanout fanout, VirtualNamespace vns, Message request, Message responseProto) {
    List<PhysicalNamespace> targets = primaryFirst(vns);
    FieldDescriptor conflict = request.getDescriptorForType().findFieldByName("conflict_token");
    // rate limits each backend applies on its own (UpdateTaskQueueConfig): each gets its share
    MethodRoute route = fanout.route();
    byte[] bytes = request.toByteArray();
    byte[] split = route.splitRates(bytes, targets.size());
    Message shared = split == bytes ? request : parse(route.requestPrototype(), split);
    return fanout
        .sendAll(
            targets,
            p ->
                conflict == null || p == targets.get(0)
                    ? shared
                    : shared.toBuilder().clearField(conflict).build(),
            responseProto)
        .thenApply(answers -> answers.get(0).message());
  }

  /**
   * A batch job over explicit executions goes, under the same job id, to the backends that hold
   * them, each with its own; one over a visibility query goes to every backend.
   */
  private CompletableFuture<Message> startBatch(
      Fanout fanout,
      VirtualNamespace vns,
      StartBatchOperationRequest request,
      Message responseProto) {
    if (request.getExecutionsCount() == 0 && request.getTargetExecutionsCount() == 0) {
      return fanout
          .sendAll(primaryFirst(vns), p -> request, responseProto)
          .thenApply(a -> a.get(0).message());
    }
    List<CompletableFuture<PhysicalNamespace>> holders = new ArrayList<>();
    for (WorkflowExecution e : request.getExecutionsList()) {
      holders.add(holderOf(vns, Keyspace.WORKFLOW, e.getWorkflowId()));
    }
    for (io.temporal.api.common.v1.Execution e : request.getTargetExecutionsList()) {
      Keyspace ks =
          e.getType() == io.temporal.api.enums.v1.ExecutionType.EXECUTION_TYPE_ACTIVITY
              ? Keyspace.ACTIVITY
              : Keyspace.WORKFLOW;
      holders.add(holderOf(vns, ks, e.getBusinessId()));
    }
    return CompletableFuture.allOf(holders.toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              Map<PhysicalNamespace, StartBatchOperationRequest.Builder> parts =
                  new LinkedHashMap<>();
              int n = request.getExecutionsCount();
              for (int i = 0; i < holders.size(); i++) {
                PhysicalNamespace p = holders.get(i).join();
                StartBatchOperationRequest.Builder part =
                    parts.computeIfAbsent(
                        p, k -> request.toBuilder().clearExecutions().clearTargetExecutions());
                if (i < n) {
                  part.addExecutions(request.getExecutions(i));
                } else {
                  part.addTargetExecutions(request.getTargetExecutions(i - n));
                }
              }
              List<PhysicalNamespace> targets = new ArrayList<>(parts.keySet());
              return fanout
                  .sendAll(targets, p -> parts.get(p).build(), responseProto)
                  .thenApply(a -> a.get(0).message());
            });
  }

  /** The backend holding a workflow: its mapping, else where it is found, else the primary. */
  private CompletableFuture<PhysicalNamespace> holderOf(
      VirtualNamespace vns, Keyspace keyspace, String workflowId) {
    return mappings
        .get(keyspace.key(vns.name(), workflowId))
        .handle((id, e) -> e == null && id != null ? vns.find(id).orElse(null) : null)
        .thenCompose(
            found ->
                found != null
                    ? CompletableFuture.completedFuture(found)
                    : keyspace != Keyspace.WORKFLOW
                        ? CompletableFuture.completedFuture(primaryFirst(vns).get(0))
                        : locator
                            .locate(vns, workflowId)
                            .thenApply(l -> l != null ? l : primaryFirst(vns).get(0)));
  }

  /**
   * Sends to every backend and keeps the answers of those that know the object (a split batch job
   * exists only where it had executions); NOT_FOUND everywhere is NOT_FOUND.
   */
  private CompletableFuture<List<Message>> tolerant(
      Fanout fanout, List<PhysicalNamespace> targets, Message request, Message responseProto) {
    List<CompletableFuture<Fanout.Answer<Message>>> futures = new ArrayList<>();
    for (PhysicalNamespace p : targets) {
      futures.add(fanout.send(p, request, responseProto));
    }
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .handle(
            (v, ignored) -> {
              List<Message> found = new ArrayList<>();
              StatusRuntimeException notFound = null;
              for (CompletableFuture<Fanout.Answer<Message>> f : futures) {
                try {
                  found.add(f.join().message());
                } catch (RuntimeException e) {
                  StatusRuntimeException s = Errors.toStatus(e);
                  if (s.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw s;
                  }
                  notFound = s;
                }
              }
              if (found.isEmpty()) {
                throw notFound;
              }
              return found;
            });
  }

  /** One entry per virtual namespace with physical namespaces, each merged as DescribeNamespace. */
  CompletableFuture<Message> listNamespaces(ProxyCall call) {
    MethodRoute describe = routes.route(WorkflowServiceGrpc.getDescribeNamespaceMethod());
    List<CompletableFuture<DescribeNamespaceResponse>> each = new ArrayList<>();
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      if (vns.physicalNamespaces().isEmpty() || !maySee.test(call, vns.name())) {
        continue;
      }
      Fanout f = fanout(call, vns);
      List<CompletableFuture<Fanout.Answer<DescribeNamespaceResponse>>> answers = new ArrayList<>();
      for (PhysicalNamespace p : primaryFirst(vns)) {
        answers.add(
            f.send(
                describe,
                p,
                DescribeNamespaceRequest.newBuilder().setNamespace(vns.name()).build(),
                DescribeNamespaceResponse.getDefaultInstance()));
      }
      each.add(
          CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
              .thenApply(
                  v -> {
                    List<DescribeNamespaceResponse> rs = new ArrayList<>();
                    for (CompletableFuture<Fanout.Answer<DescribeNamespaceResponse>> a : answers) {
                      rs.add(a.join().message());
                    }
                    return Merges.describeNamespace(vns.name(), rs);
                  }));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              ListNamespacesResponse.Builder out = ListNamespacesResponse.newBuilder();
              for (CompletableFuture<DescribeNamespaceResponse> e : each) {
                out.addNamespaces(e.join());
              }
              return out.build();
            });
  }

  private Fanout fanout(ProxyCall call, VirtualNamespace vns) {
    return new Fanout(call, vns.name(), translations, caller);
  }

  private VirtualNamespace requireVirtual(Message request) {
    FieldDescriptor f = request.getDescriptorForType().findFieldByName("namespace");
    String name = f == null ? "" : (String) request.getField(f);
    VirtualNamespace vns =
        topology.virtualNamespace(name).orElseThrow(() -> Errors.namespaceNotFound(name));
    if (vns.physicalNamespaces().isEmpty()) {
      throw Status.UNAVAILABLE
          .withDescription("namespace " + name + " has no physical namespace")
          .asRuntimeException();
    }
    return vns;
  }

  /** For cluster calls: the namespace of the SDK's header, else the first configured one. */
  private VirtualNamespace clusterNamespace(ProxyCall call) {
    String header = call.headers().get(Translations.NAMESPACE_HEADER);
    if (header != null) {
      VirtualNamespace vns = topology.virtualNamespace(header).orElse(null);
      if (vns != null && !vns.physicalNamespaces().isEmpty() && maySee.test(call, vns.name())) {
        return vns;
      }
    }
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      if (!vns.physicalNamespaces().isEmpty() && maySee.test(call, vns.name())) {
        return vns;
      }
    }
    // a client allowed no namespace still gets cluster-level answers (GetSystemInfo comes first
    // in every SDK's handshake): they name no namespace
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      if (!vns.physicalNamespaces().isEmpty()) {
        return vns;
      }
    }
    throw Status.UNAVAILABLE
        .withDescription("no physical namespace is configured yet")
        .asRuntimeException();
  }

  /** Every physical namespace, the first active one first: its answer speaks for the rest. */
  private static List<PhysicalNamespace> primaryFirst(VirtualNamespace vns) {
    List<PhysicalNamespace> out = new ArrayList<>(vns.physicalNamespaces());
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i).isActive()) {
        out.add(0, out.remove(i));
        break;
      }
    }
    return out;
  }

  private static Message parse(Message prototype, byte[] bytes) {
    try {
      return prototype.getParserForType().parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("malformed request: " + e.getMessage())
          .asRuntimeException();
    }
  }

  private static <T extends Message> List<T> messages(List<Fanout.Answer<T>> answers) {
    List<T> out = new ArrayList<>(answers.size());
    for (Fanout.Answer<T> a : answers) {
      out.add(a.message());
    }
    return out;
  }

  private static <T> List<T> cast(List<Message> in, Class<T> type) {
    List<T> out = new ArrayList<>(in.size());
    for (Message m : in) {
      out.add(type.cast(m));
    }
    return out;
  }
}
