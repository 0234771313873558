package dev.tempura.proxy.forward;

import dev.tempura.proxy.locate.WorkflowLocator;
import dev.tempura.proxy.placement.PlacementPolicy;
import dev.tempura.proxy.routing.KeyPath;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Decides which physical namespace serves a call, by the method's route kind. */
final class BackendResolver {
  private final MappingStore mappings;
  private final PlacementPolicy placement;
  private final WorkflowLocator locator;

  BackendResolver(MappingStore mappings, PlacementPolicy placement, WorkflowLocator locator) {
    this.mappings = mappings;
    this.placement = placement;
    this.locator = locator;
  }

  CompletableFuture<PhysicalNamespace> resolve(ProxyCall call, VirtualNamespace vns) {
    MethodRoute route = call.route();
    return switch (route.kind()) {
      case PLACE_NEW -> place(call, vns);
      case BY_ID -> byId(call, vns);
      case BY_TASK_TOKEN -> CompletableFuture.completedFuture(byToken(call, vns));
      case NAMESPACE_WIDE -> CompletableFuture.completedFuture(anyBackend(vns));
      case POLL, NO_NAMESPACE ->
          throw new IllegalStateException(route.kind() + " is not resolved to one backend");
    };
  }

  /** A new id gets a placement; an id with a mapping (a duplicate start) follows it. */
  private CompletableFuture<PhysicalNamespace> place(ProxyCall call, VirtualNamespace vns) {
    Key key = key(call);
    List<PhysicalNamespace> active = vns.active();
    if (active.isEmpty()) {
      return CompletableFuture.failedFuture(noActive(vns));
    }
    if (key == null) {
      // no id: the backend rejects the call with its own message
      return CompletableFuture.completedFuture(active.get(0));
    }
    PhysicalNamespace chosen = placement.choose(key.id(), active);
    return mappings
        .putIfAbsent(key.mappingKey(vns.name()), chosen.id())
        .thenApply(mapped -> physicalOf(vns, mapped));
  }

  private CompletableFuture<PhysicalNamespace> byId(ProxyCall call, VirtualNamespace vns) {
    Key key = key(call);
    if (key == null) {
      return CompletableFuture.completedFuture(anyBackend(vns));
    }
    MappingKey mk = key.mappingKey(vns.name());
    return mappings
        .get(mk)
        .thenCompose(
            mapped -> {
              if (mapped != null) {
                return CompletableFuture.completedFuture(physicalOf(vns, mapped));
              }
              if (key.keyspace() != Keyspace.WORKFLOW) {
                return CompletableFuture.completedFuture(anyBackend(vns));
              }
              return locator
                  .locate(vns, key.id())
                  .thenCompose(
                      found ->
                          found == null
                              // nowhere: let a backend give its genuine NOT_FOUND
                              ? CompletableFuture.completedFuture(anyBackend(vns))
                              : mappings
                                  .putIfAbsent(mk, found.id())
                                  .thenApply(m -> physicalOf(vns, m)));
            });
  }

  private static PhysicalNamespace byToken(ProxyCall call, VirtualNamespace vns) {
    byte[] token = WireFields.bytes(call.request(), call.route().taskTokenPath());
    if (token == null || token.length == 0) {
      throw Status.INVALID_ARGUMENT.withDescription("Task token not set on request.").asRuntimeException();
    }
    String physicalId = TaskTokens.unwrap(token).physicalId();
    return vns.find(physicalId)
        .orElseThrow(
            () ->
                Status.INVALID_ARGUMENT
                    .withDescription(
                        "invalid task token: it was issued by "
                            + physicalId
                            + ", which is not part of namespace "
                            + vns.name())
                    .asRuntimeException());
  }

  /** For calls any backend can answer: the first active one, else the first one. */
  static PhysicalNamespace anyBackend(VirtualNamespace vns) {
    List<PhysicalNamespace> all = vns.physicalNamespaces();
    for (PhysicalNamespace p : all) {
      if (p.isActive()) {
        return p;
      }
    }
    if (all.isEmpty()) {
      throw noActive(vns);
    }
    return all.get(0);
  }

  private static PhysicalNamespace physicalOf(VirtualNamespace vns, String physicalId) {
    return vns.find(physicalId)
        .orElseThrow(
            () ->
                Status.UNAVAILABLE
                    .withDescription(
                        "the workflow is mapped to "
                            + physicalId
                            + ", which is no longer part of namespace "
                            + vns.name())
                    .asRuntimeException());
  }

  private static RuntimeException noActive(VirtualNamespace vns) {
    return Status.UNAVAILABLE
        .withDescription("namespace " + vns.name() + " has no active physical namespace")
        .asRuntimeException();
  }

  private record Key(Keyspace keyspace, String id) {
    MappingKey mappingKey(String virtualName) {
      return keyspace.key(virtualName, id);
    }
  }

  /** The first non-empty id among the route's key paths, or null. */
  private static Key key(ProxyCall call) {
    for (KeyPath kp : call.route().keys()) {
      String id = WireFields.string(call.request(), kp.path());
      if (id != null && !id.isEmpty()) {
        return new Key(kp.keyspace(), id);
      }
    }
    return null;
  }
}
