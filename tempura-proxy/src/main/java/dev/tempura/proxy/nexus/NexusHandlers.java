package dev.tempura.proxy.nexus;

import dev.tempura.proxy.call.Target;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.routing.RoutingKey;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Places a workflow started to handle a Nexus operation beside the operation's caller. Temporal
 * delivers the handler's completion callback inside its own cluster (the caller's workflow is
 * looked up there), so a handler placed by hash on another cluster would never complete an async
 * operation.
 *
 * <p>The start says who the caller is: an SDK handler (Java's {@code WorkflowRunOperation}, Go's
 * {@code NewWorkflowRunOperation}) copies the Nexus task's links into the start's {@code links},
 * and the first of them is a {@code WorkflowEvent} naming the caller's namespace and workflow id
 * (Tempura made that namespace virtual when it relayed the task). The caller's mapping gives its
 * physical namespace; the handler goes to the physical namespace of its own virtual namespace on
 * the same cluster (the caller's physical namespace itself when it is one of them), which is where
 * the endpoint on that cluster sent the Nexus task. The mapping is written put-if-absent, so an id
 * that already has one keeps it (Temporal's id-reuse and conflict policies apply there), and is
 * reported, as the callback cannot cross clusters.
 *
 * <p>Nothing is found (no link, a caller Tempura does not know, no physical namespace of this
 * virtual namespace on the caller's cluster, the store not answering): the start is placed as any
 * other and the outcome counted ({@code tempura_nexus_handler_placements_total{outcome}}).
 */
public final class NexusHandlers {
  private static final Logger log = LoggerFactory.getLogger(NexusHandlers.class);

  private final MappingStore mappings;
  private final TopologyService topology;
  private final Counter besideCaller;
  private final Counter callerUnknown;
  private final Counter mappedElsewhere;

  public NexusHandlers(MappingStore mappings, TopologyService topology, MeterRegistry registry) {
    this.mappings = mappings;
    this.topology = topology;
    this.besideCaller = counter(registry, "beside_caller");
    this.callerUnknown = counter(registry, "caller_unknown");
    this.mappedElsewhere = counter(registry, "mapped_elsewhere");
  }

  private static Counter counter(MeterRegistry registry, String outcome) {
    return Counter.builder("tempura_nexus_handler_placements")
        .description(
            "Workflows started to handle a Nexus operation: placed beside their caller, placed"
                + " as any start because the caller was not found, or following an existing"
                + " mapping on another cluster than the caller's")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * The backend of a call: beside the Nexus caller when the request is a start that handles a Nexus
   * operation and the caller is known, else {@code otherwise}'s.
   */
  public CompletableFuture<Target> target(
      RequestFields fields, VirtualNamespace vns, Supplier<CompletableFuture<Target>> otherwise) {
    RequestFields.NexusOrigin origin = fields.nexusOrigin();
    RoutingKey key = fields.key();
    if (origin.isEmpty() || key == null || key.keyspace() != Keyspace.WORKFLOW) {
      return otherwise.get();
    }
    return callerCluster(origin, vns, 0)
        .thenCompose(
            beside -> {
              if (beside == null) {
                callerUnknown.increment();
                log.warn(
                    "workflow {} handles a Nexus operation, but its caller ({}) is not known to"
                        + " Tempura in a namespace with a physical namespace beside one of {}:"
                        + " placed as any start; an async completion reaches the caller only if"
                        + " both are on one cluster",
                    key.id(),
                    origin.linkWorkflowIds(),
                    vns.name());
                return otherwise.get();
              }
              return record(vns, key, beside);
            });
  }

  private CompletableFuture<Target> record(
      VirtualNamespace vns, RoutingKey key, PhysicalNamespace beside) {
    MappingKey mk = key.mappingKey(vns.name());
    return mappings
        .putIfAbsent(mk, beside.id())
        .handle(
            (mapped, error) -> {
              if (error != null) {
                // the store is down: go beside the caller anyway; the mapping is written once the
                // backend has the workflow
                besideCaller.increment();
                return new Target(beside, mk, key.id(), true);
              }
              PhysicalNamespace at = vns.find(mapped).orElse(null);
              if (at == null) {
                throw io.grpc.Status.UNAVAILABLE
                    .withDescription(
                        "workflow "
                            + key.id()
                            + " is mapped to "
                            + mapped
                            + ", which is no longer part of namespace "
                            + vns.name())
                    .asRuntimeException();
              }
              if (at.clusterAddress().equals(beside.clusterAddress())) {
                besideCaller.increment();
              } else {
                mappedElsewhere.increment();
                log.warn(
                    "workflow {} handles a Nexus operation whose caller is on {}, but the id is"
                        + " already mapped to {}: started there, where the operation's completion"
                        + " callback cannot reach the caller",
                    key.id(),
                    beside.clusterAddress(),
                    at.id());
              }
              return new Target(at, mk, key.id());
            });
  }

  /**
   * The physical namespace of {@code vns} on the cluster of the caller the links from {@code index}
   * on name, or null. Links are tried in order; one whose namespace is not virtual, or whose
   * workflow has no mapping, is skipped.
   */
  private CompletableFuture<PhysicalNamespace> callerCluster(
      RequestFields.NexusOrigin origin, VirtualNamespace vns, int index) {
    List<String> ids = origin.linkWorkflowIds();
    List<String> namespaces = origin.linkNamespaces();
    if (index >= ids.size()) {
      return CompletableFuture.completedFuture(null);
    }
    // a WorkflowEvent link always names both; lists of unequal length mean one did not
    String ns = namespaces.size() == ids.size() ? namespaces.get(index) : vns.name();
    VirtualNamespace callerVns = topology.virtualNamespace(ns).orElse(null);
    String callerId = ids.get(index);
    if (callerVns == null || callerId.isEmpty()) {
      return callerCluster(origin, vns, index + 1);
    }
    return mappings
        .get(Keyspace.WORKFLOW.key(callerVns.name(), callerId))
        .handle((mapped, error) -> error == null ? mapped : null)
        .thenCompose(
            mapped -> {
              PhysicalNamespace caller =
                  mapped == null ? null : callerVns.find(mapped).orElse(null);
              PhysicalNamespace beside = caller == null ? null : besideOf(vns, caller);
              return beside != null
                  ? CompletableFuture.completedFuture(beside)
                  : callerCluster(origin, vns, index + 1);
            });
  }

  /**
   * The caller's own physical namespace when it is one of {@code vns}'s, else one on its cluster.
   */
  static PhysicalNamespace besideOf(VirtualNamespace vns, PhysicalNamespace caller) {
    PhysicalNamespace sameCluster = null;
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      if (p.id().equals(caller.id())) {
        return p;
      }
      if (sameCluster == null && p.clusterAddress().equals(caller.clusterAddress())) {
        sameCluster = p;
      }
    }
    return sameCluster;
  }
}
