package dev.tempura.proxy.aggregate;

import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.call.Errors;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;

/**
 * Finds the copies of a Nexus endpoint on the clusters of a virtual namespace ({@link
 * NexusEndpoints}): by name (unique per cluster), by the id of any copy, or all of them. Answers
 * are in client names (the worker target is the virtual namespace).
 */
final class NexusEndpointCopies {
  /** Backends are listed in pages of this many endpoints. */
  private static final int BACKEND_PAGE = 100;

  private final TopologyService topology;
  private final Translations translations;
  private final BackendCaller caller;
  private final RoutingTable routes;
  private final BiPredicate<ProxyCall, String> maySee;

  NexusEndpointCopies(
      TopologyService topology,
      Translations translations,
      BackendCaller caller,
      RoutingTable routes,
      BiPredicate<ProxyCall, String> maySee) {
    this.topology = topology;
    this.translations = translations;
    this.caller = caller;
    this.routes = routes;
    this.maySee = maySee;
  }

  /** One virtual namespace's copies of one endpoint: index i is on copy cluster i, or null. */
  record Copies(VirtualNamespace vns, List<PhysicalNamespace> on, List<Endpoint> found) {
    Endpoint presented() {
      for (Endpoint e : found) {
        if (e != null) {
          return e;
        }
      }
      return null;
    }
  }

  /** The endpoints of {@code vns}, one per name: listed on every copy cluster, in full. */
  CompletableFuture<List<Endpoint>> allOf(ProxyCall call, VirtualNamespace vns) {
    List<PhysicalNamespace> on = copyClusters(vns);
    List<CompletableFuture<List<Endpoint>>> lists = new ArrayList<>();
    for (PhysicalNamespace p : on) {
      lists.add(listAll(call, vns, p, com.google.protobuf.ByteString.EMPTY, new ArrayList<>()));
    }
    return CompletableFuture.allOf(lists.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              java.util.Map<String, Endpoint> byName = new java.util.LinkedHashMap<>();
              for (CompletableFuture<List<Endpoint>> l : lists) {
                for (Endpoint e : l.join()) {
                  if (targets(e, vns)) {
                    byName.putIfAbsent(e.getSpec().getName(), e); // the primary's first
                  }
                }
              }
              return new ArrayList<>(byName.values());
            });
  }

  private CompletableFuture<List<Endpoint>> listAll(
      ProxyCall call,
      VirtualNamespace vns,
      PhysicalNamespace p,
      com.google.protobuf.ByteString token,
      List<Endpoint> into) {
    return send(
            call,
            vns,
            OperatorServiceGrpc.getListNexusEndpointsMethod(),
            p,
            ListNexusEndpointsRequest.newBuilder()
                .setPageSize(BACKEND_PAGE)
                .setNextPageToken(token)
                .build(),
            ListNexusEndpointsResponse.getDefaultInstance())
        .thenCompose(
            r -> {
              into.addAll(r.getEndpointsList());
              return r.getNextPageToken().isEmpty() || r.getEndpointsCount() == 0
                  ? CompletableFuture.completedFuture(into)
                  : listAll(call, vns, p, r.getNextPageToken(), into);
            });
  }

  /** The copy with {@code id}, found on any cluster, and its siblings by name. */
  record Held(VirtualNamespace vns, Copies copies, int holder) {
    List<Endpoint> found() {
      return copies.found();
    }
  }

  CompletableFuture<Held> byId(ProxyCall call, String id) {
    if (id.isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Nexus endpoint id not set")
          .asRuntimeException();
    }
    List<VirtualNamespace> all = visible(call);
    List<CompletableFuture<Endpoint>> probes = new ArrayList<>();
    List<VirtualNamespace> probedVns = new ArrayList<>();
    for (VirtualNamespace vns : all) {
      for (PhysicalNamespace p : copyClusters(vns)) {
        probedVns.add(vns);
        probes.add(
            send(
                    call,
                    vns,
                    OperatorServiceGrpc.getGetNexusEndpointMethod(),
                    p,
                    GetNexusEndpointRequest.newBuilder().setId(id).build(),
                    GetNexusEndpointResponse.getDefaultInstance())
                .thenApply(GetNexusEndpointResponse::getEndpoint)
                .exceptionally(
                    e -> {
                      if (isNotFound(e)) {
                        return null;
                      }
                      throw Errors.toStatus(e);
                    }));
      }
    }
    return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              for (int i = 0; i < probes.size(); i++) {
                Endpoint e = probes.get(i).join();
                VirtualNamespace vns = probedVns.get(i);
                if (e != null && targets(e, vns)) {
                  return byName(call, vns, e.getSpec().getName())
                      .thenApply(copies -> new Held(vns, copies, holderIndex(copies, id)));
                }
              }
              throw Status.NOT_FOUND
                  .withDescription(
                      "Could not find Nexus endpoint with ID: "
                          + id
                          + " targeting a virtual namespace")
                  .asRuntimeException();
            });
  }

  private static int holderIndex(Copies copies, String id) {
    for (int i = 0; i < copies.found().size(); i++) {
      Endpoint e = copies.found().get(i);
      if (e != null && e.getId().equals(id)) {
        return i;
      }
    }
    // renamed between the two reads: as if not found
    throw Status.ABORTED
        .withDescription("Nexus endpoint " + id + " changed while it was read; retry")
        .asRuntimeException();
  }

  /** The copies of the endpoint named {@code name}, on every copy cluster of {@code vns}. */
  CompletableFuture<Copies> byName(ProxyCall call, VirtualNamespace vns, String name) {
    List<PhysicalNamespace> on = copyClusters(vns);
    List<CompletableFuture<Endpoint>> each = new ArrayList<>();
    for (PhysicalNamespace p : on) {
      each.add(findOne(call, vns, p, name));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<Endpoint> found = new ArrayList<>();
              for (CompletableFuture<Endpoint> f : each) {
                Endpoint e = f.join();
                found.add(e != null && targets(e, vns) ? e : null);
              }
              return new Copies(vns, on, found);
            });
  }

  /** The endpoint named {@code name} on {@code p}'s cluster, or null. */
  CompletableFuture<Endpoint> findOne(
      ProxyCall call, VirtualNamespace vns, PhysicalNamespace p, String name) {
    return send(
            call,
            vns,
            OperatorServiceGrpc.getListNexusEndpointsMethod(),
            p,
            ListNexusEndpointsRequest.newBuilder().setPageSize(BACKEND_PAGE).setName(name).build(),
            ListNexusEndpointsResponse.getDefaultInstance())
        .thenApply(
            r -> {
              for (Endpoint e : r.getEndpointsList()) {
                if (e.getSpec().getName().equals(name)) {
                  return e;
                }
              }
              return null;
            });
  }

  List<VirtualNamespace> visible(ProxyCall call) {
    List<VirtualNamespace> out = new ArrayList<>();
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      if (!vns.physicalNamespaces().isEmpty() && maySee.test(call, vns.name())) {
        out.add(vns);
      }
    }
    return out;
  }

  /** One physical namespace per cluster of {@code vns}, the first on each, in topology order. */
  static List<PhysicalNamespace> copyClusters(VirtualNamespace vns) {
    List<PhysicalNamespace> out = new ArrayList<>();
    Set<ClusterAddress> seen = new java.util.HashSet<>();
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      if (seen.add(p.clusterAddress())) {
        out.add(p);
      }
    }
    return out;
  }

  /** Whether {@code e} (in client names) targets a worker in {@code vns}. */
  static boolean targets(Endpoint e, VirtualNamespace vns) {
    return e.getSpec().getTarget().hasWorker()
        && e.getSpec().getTarget().getWorker().getNamespace().equals(vns.name());
  }

  static boolean isNotFound(Throwable e) {
    return Errors.toStatus(e).getStatus().getCode() == Status.Code.NOT_FOUND;
  }

  <T extends com.google.protobuf.Message> CompletableFuture<T> send(
      ProxyCall call,
      VirtualNamespace vns,
      io.grpc.MethodDescriptor<?, ?> method,
      PhysicalNamespace p,
      com.google.protobuf.Message request,
      T responsePrototype) {
    MethodRoute route = routes.route(method);
    return new Fanout(call, vns.name(), translations, caller)
        .send(route, p, request, responsePrototype)
        .thenApply(Fanout.Answer::message);
  }
}
