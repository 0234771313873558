package dev.tempura.proxy.aggregate;

import dev.tempura.proxy.call.Errors;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointResponse;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiPredicate;

/**
 * Nexus endpoint administration for endpoints whose target is a worker in a virtual namespace.
 * Temporal's endpoints are cluster-wide objects, named uniquely per cluster, with ids each cluster
 * mints. Tempura keeps one <em>copy</em> per cluster of the virtual namespace, targeting that
 * cluster's physical namespace (the first of the virtual namespace's physical namespaces on it, in
 * topology order), and matches the copies by name: no state of its own, so nothing can drift from
 * what the clusters hold. Clients see one endpoint with the virtual name as target, the id and
 * version of the copy on the <em>primary</em> cluster (the one of the first physical namespace).
 *
 * <p>Writes go to the primary first (its answer, id and version are the client's), then to the
 * others; a delete goes to the others first and to the primary last, so the id a client holds stays
 * resolvable until nothing else is left. A write that fails on one cluster after succeeding on
 * another is not rolled back: the call fails naming both, and retrying the same call completes it
 * (a create finds the copies that exist with the same spec and makes the missing ones; an update
 * finds the copies already changed; a delete finds the ones already gone). See docs/routing.md.
 */
final class NexusEndpoints {
  private static final int DEFAULT_PAGE = 100;

  private final NexusEndpointCopies lookup;
  private final TopologyService topology;
  private final BiPredicate<ProxyCall, String> maySee;

  NexusEndpoints(
      NexusEndpointCopies lookup, TopologyService topology, BiPredicate<ProxyCall, String> maySee) {
    this.lookup = lookup;
    this.topology = topology;
    this.maySee = maySee;
  }

  CompletableFuture<CreateNexusEndpointResponse> create(
      ProxyCall call, CreateNexusEndpointRequest request) {
    EndpointSpec spec = request.getSpec();
    VirtualNamespace vns = targetOf(call, spec);
    return lookup
        .byName(call, vns, spec.getName())
        .thenCompose(
            copies -> {
              List<Integer> missing = new ArrayList<>();
              for (int i = 0; i < copies.on().size(); i++) {
                Endpoint e = copies.found().get(i);
                if (e == null) {
                  missing.add(i);
                } else {
                  if (!e.getSpec().equals(spec)) {
                    throw Status.ALREADY_EXISTS
                        .withDescription(
                            "Nexus endpoint already registered with name: "
                                + spec.getName()
                                + " (on "
                                + copies.on().get(i).clusterAddress()
                                + ", with another spec)")
                        .asRuntimeException();
                  }
                }
              }
              if (missing.isEmpty()) {
                throw Status.ALREADY_EXISTS
                    .withDescription(
                        "Nexus endpoint already registered with name: " + spec.getName())
                    .asRuntimeException();
              }
              // some present: an earlier create stopped half way; this one completes it
              return NexusEndpointWrites.inOrder(
                      copies,
                      missing,
                      "created",
                      i ->
                          lookup
                              .send(
                                  call,
                                  vns,
                                  OperatorServiceGrpc.getCreateNexusEndpointMethod(),
                                  copies.on().get(i),
                                  request,
                                  CreateNexusEndpointResponse.getDefaultInstance())
                              .thenApply(CreateNexusEndpointResponse::getEndpoint))
                  .thenApply(
                      made -> {
                        Endpoint primary = made.get(0) != null ? made.get(0) : copies.presented();
                        return CreateNexusEndpointResponse.newBuilder()
                            .setEndpoint(primary)
                            .build();
                      });
            });
  }

  CompletableFuture<UpdateNexusEndpointResponse> update(
      ProxyCall call, UpdateNexusEndpointRequest request) {
    EndpointSpec spec = request.getSpec();
    VirtualNamespace target = targetOf(call, spec);
    return lookup
        .byId(call, request.getId())
        .thenCompose(
            held -> {
              if (!held.vns().name().equals(target.name())) {
                throw Status.INVALID_ARGUMENT
                    .withDescription(
                        "Nexus endpoint "
                            + request.getId()
                            + " targets namespace "
                            + held.vns().name()
                            + "; Tempura does not move an endpoint to another virtual namespace:"
                            + " delete it and create it again")
                    .asRuntimeException();
              }
              Endpoint holder = held.found().get(held.holder());
              // the holder already has the spec while another copy has not: an earlier update
              // stopped half way (the client's version is now one behind the holder's)
              boolean holderDone =
                  holder.getSpec().equals(spec) && !allEqual(held.copies(), spec, held.holder());
              List<Integer> todo = new ArrayList<>();
              if (!holderDone) {
                todo.add(held.holder());
              }
              for (int i = 0; i < held.copies().on().size(); i++) {
                Endpoint e = held.copies().found().get(i);
                if (i != held.holder() && (e == null || !e.getSpec().equals(spec))) {
                  todo.add(i);
                }
              }
              return NexusEndpointWrites.inOrder(
                      held.copies(), todo, "updated", i -> updateCopy(call, held, i, request))
                  .thenApply(
                      done -> {
                        Endpoint out =
                            done.get(held.holder()) != null ? done.get(held.holder()) : holder;
                        return UpdateNexusEndpointResponse.newBuilder().setEndpoint(out).build();
                      });
            });
  }

  /** The copy on cluster {@code i} made to match the request: updated, or created when missing. */
  private CompletableFuture<Endpoint> updateCopy(
      ProxyCall call, NexusEndpointCopies.Held held, int i, UpdateNexusEndpointRequest request) {
    VirtualNamespace vns = held.vns();
    PhysicalNamespace p = held.copies().on().get(i);
    Endpoint e = held.copies().found().get(i);
    if (i == held.holder()) {
      return lookup
          .send(
              call,
              vns,
              OperatorServiceGrpc.getUpdateNexusEndpointMethod(),
              p,
              request,
              UpdateNexusEndpointResponse.getDefaultInstance())
          .thenApply(UpdateNexusEndpointResponse::getEndpoint);
    }
    if (e == null) {
      // missing under the old name: renamed by an earlier attempt, or never created
      return lookup
          .findOne(call, vns, p, request.getSpec().getName())
          .thenCompose(
              renamed ->
                  renamed != null && renamed.getSpec().equals(request.getSpec())
                      ? CompletableFuture.completedFuture(renamed)
                      : lookup
                          .send(
                              call,
                              vns,
                              OperatorServiceGrpc.getCreateNexusEndpointMethod(),
                              p,
                              CreateNexusEndpointRequest.newBuilder()
                                  .setSpec(request.getSpec())
                                  .build(),
                              CreateNexusEndpointResponse.getDefaultInstance())
                          .thenApply(CreateNexusEndpointResponse::getEndpoint));
    }
    return lookup
        .send(
            call,
            vns,
            OperatorServiceGrpc.getUpdateNexusEndpointMethod(),
            p,
            request.toBuilder().setId(e.getId()).setVersion(e.getVersion()).build(),
            UpdateNexusEndpointResponse.getDefaultInstance())
        .thenApply(UpdateNexusEndpointResponse::getEndpoint);
  }

  private static boolean allEqual(
      NexusEndpointCopies.Copies copies, EndpointSpec spec, int except) {
    for (int i = 0; i < copies.found().size(); i++) {
      Endpoint e = copies.found().get(i);
      if (i != except && (e == null || !e.getSpec().equals(spec))) {
        return false;
      }
    }
    return true;
  }

  CompletableFuture<DeleteNexusEndpointResponse> delete(
      ProxyCall call, DeleteNexusEndpointRequest request) {
    return lookup
        .byId(call, request.getId())
        .thenCompose(
            held -> {
              Endpoint holder = held.found().get(held.holder());
              if (holder.getVersion() != request.getVersion()) {
                // checked before any copy goes, as the cluster would refuse the holder's delete
                throw Status.FAILED_PRECONDITION
                    .withDescription(
                        "nexus endpoint version mismatch: expected "
                            + holder.getVersion()
                            + ", received "
                            + request.getVersion())
                    .asRuntimeException();
              }
              List<Integer> others = new ArrayList<>();
              for (int i = 0; i < held.copies().on().size(); i++) {
                if (i != held.holder() && held.copies().found().get(i) != null) {
                  others.add(i);
                }
              }
              // the holder last: the id stays resolvable for a retry until nothing else is left
              others.add(held.holder());
              return NexusEndpointWrites.inOrderLast(
                      held.copies(),
                      others,
                      i -> {
                        Endpoint e = held.copies().found().get(i);
                        return lookup
                            .send(
                                call,
                                held.vns(),
                                OperatorServiceGrpc.getDeleteNexusEndpointMethod(),
                                held.copies().on().get(i),
                                request.toBuilder()
                                    .setId(e.getId())
                                    .setVersion(
                                        i == held.holder() ? request.getVersion() : e.getVersion())
                                    .build(),
                                DeleteNexusEndpointResponse.getDefaultInstance())
                            .thenApply(r -> e)
                            .exceptionally(
                                error -> {
                                  if (i != held.holder() && NexusEndpointCopies.isNotFound(error)) {
                                    return e; // already gone (an earlier attempt)
                                  }
                                  throw Errors.toStatus(error);
                                });
                      })
                  .thenApply(v -> DeleteNexusEndpointResponse.getDefaultInstance());
            });
  }

  CompletableFuture<GetNexusEndpointResponse> get(ProxyCall call, GetNexusEndpointRequest request) {
    return lookup
        .byId(call, request.getId())
        .thenApply(
            held ->
                GetNexusEndpointResponse.newBuilder()
                    .setEndpoint(held.found().get(held.holder()))
                    .build());
  }

  /**
   * Every endpoint of the virtual namespaces the caller may see, once each (the primary's copy, or
   * the first copy that exists), in name order; {@code name} selects one. Paged by the last name
   * returned.
   */
  CompletableFuture<ListNexusEndpointsResponse> list(
      ProxyCall call, ListNexusEndpointsRequest request) {
    String after = NexusEndpointPages.after(request.getNextPageToken());
    int pageSize = request.getPageSize() > 0 ? request.getPageSize() : DEFAULT_PAGE;
    List<CompletableFuture<List<Endpoint>>> each = new ArrayList<>();
    for (VirtualNamespace vns : lookup.visible(call)) {
      if (!request.getName().isEmpty()) {
        each.add(
            lookup
                .byName(call, vns, request.getName())
                .thenApply(c -> c.presented() == null ? List.of() : List.of(c.presented())));
      } else {
        each.add(lookup.allOf(call, vns));
      }
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              List<Endpoint> all = new ArrayList<>();
              for (CompletableFuture<List<Endpoint>> f : each) {
                all.addAll(f.join());
              }
              return NexusEndpointPages.page(all, after, pageSize);
            });
  }

  /**
   * The virtual namespace a spec targets, checked: a worker target in a namespace the caller may
   * use.
   */
  private VirtualNamespace targetOf(ProxyCall call, EndpointSpec spec) {
    if (spec.getName().isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Nexus endpoint name cannot be empty")
          .asRuntimeException();
    }
    if (!spec.getTarget().hasWorker()) {
      throw Status.INVALID_ARGUMENT
          .withDescription(
              "Tempura manages Nexus endpoints whose target is a worker in a virtual namespace;"
                  + " an endpoint with an external target is about one cluster: create it on"
                  + " that cluster's own frontend")
          .asRuntimeException();
    }
    String ns = spec.getTarget().getWorker().getNamespace();
    VirtualNamespace vns =
        topology
            .virtualNamespace(ns)
            .orElseThrow(
                () ->
                    Status.INVALID_ARGUMENT
                        .withDescription(
                            "Nexus endpoint "
                                + spec.getName()
                                + " targets namespace "
                                + ns
                                + ", which is not a virtual namespace of Tempura")
                        .asRuntimeException());
    if (!maySee.test(call, vns.name())) {
      throw Status.PERMISSION_DENIED
          .withDescription("not allowed to use namespace " + ns)
          .asRuntimeException();
    }
    if (vns.physicalNamespaces().isEmpty()) {
      throw Status.UNAVAILABLE
          .withDescription("namespace " + ns + " has no physical namespace")
          .asRuntimeException();
    }
    return vns;
  }
}
