package dev.tempura.proxy.forward;

import dev.tempura.proxy.call.CallTrace;
import dev.tempura.proxy.call.Target;
import dev.tempura.proxy.health.BackendHealth;
import dev.tempura.proxy.lifecycle.WorkflowRecorder;
import dev.tempura.proxy.locate.WorkflowLocator;
import dev.tempura.proxy.placement.AffinityKey;
import dev.tempura.proxy.placement.PlacementPolicies;
import dev.tempura.proxy.placement.PlacementPolicy;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.routing.RoutingKey;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PlacementSettings.Affinity;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Decides which physical namespace serves a call, by the method's route kind. */
public final class BackendResolver {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BackendResolver.class);
  private final MappingStore mappings;
  private final PlacementPolicies policies;
  private final BackendHealth health;
  private final WorkflowLocator locator;
  private final WorkflowRecorder recorder;
  private final dev.tempura.proxy.onboard.Onboarding onboarding;
  private final dev.tempura.proxy.nexus.NexusHandlers nexusHandlers;

  public BackendResolver(
      MappingStore mappings,
      PlacementPolicies policies,
      BackendHealth health,
      WorkflowLocator locator,
      WorkflowRecorder recorder,
      dev.tempura.proxy.onboard.Onboarding onboarding,
      dev.tempura.proxy.nexus.NexusHandlers nexusHandlers) {
    this.onboarding = onboarding;
    this.nexusHandlers = nexusHandlers;
    this.mappings = mappings;
    this.policies = policies;
    this.health = health;
    this.locator = locator;
    this.recorder = recorder;
  }

  /**
   * The backend of a call of {@code route}, from the fields its request was read for; {@code trace}
   * hears of each mapping-store call on the way.
   */
  CompletableFuture<Target> resolve(
      MethodRoute route, RequestFields fields, VirtualNamespace vns, CallTrace trace) {
    return switch (route.kind()) {
      // a start that handles a Nexus operation goes beside its caller
      case PLACE_NEW ->
          fields.nexusOrigin().isEmpty()
              ? place(fields.key(), vns, trace)
              : nexusHandlers.target(fields, vns, () -> place(fields.key(), vns, trace));
      case BY_ID -> byId(fields.key(), vns, trace);
      case BY_TASK_TOKEN -> CompletableFuture.completedFuture(byToken(fields.taskToken(), vns));
      case NAMESPACE_WIDE -> CompletableFuture.completedFuture(Target.of(anyBackend(vns)));
      case POLL, NO_NAMESPACE ->
          throw new IllegalStateException(route.kind() + " is not resolved to one backend");
    };
  }

  /** A new id gets a placement; an id with a mapping (a duplicate start) follows it. */
  private CompletableFuture<Target> place(RoutingKey key, VirtualNamespace vns, CallTrace trace) {
    List<PhysicalNamespace> active = vns.active();
    if (active.isEmpty()) {
      return CompletableFuture.failedFuture(noActive(vns));
    }
    if (key == null) {
      // no id: the backend rejects the call with its own message
      return CompletableFuture.completedFuture(Target.of(active.get(0)));
    }
    List<PhysicalNamespace> candidates = healthy(active);
    PlacementPolicy policy = policies.of(vns);
    MappingKey mk = key.mappingKey(vns.name());
    Affinity affinity = vns.placement().affinity();
    CompletableFuture<PhysicalNamespace> choice;
    if (affinity == null || key.keyspace() != Keyspace.WORKFLOW) {
      choice = CompletableFuture.completedFuture(policy.choose(key.id(), candidates));
    } else {
      choice = groupChoice(vns, AffinityKey.of(affinity, key.id()), policy, candidates, trace);
    }
    if (key.keyspace() == Keyspace.WORKFLOW && onboarding.pending(vns)) {
      // an adopted namespace may hold this id already: the start must reach that execution
      choice = choice.thenCompose(c -> onboarding.placeFirst(vns, mk, key.id(), c));
    }
    return choice.thenCompose(
        chosen ->
            putIfAbsent(mk, chosen.id(), trace)
                .handle(
                    (mapped, storeError) -> {
                      if (storeError == null) {
                        return target(vns, mapped, mk, key);
                      }
                      if (!policy.isDeterministic()) {
                        throw Status.UNAVAILABLE
                            .withDescription(
                                "the mapping store is unavailable, so a new workflow cannot be"
                                    + " placed: "
                                    + dev.tempura.proxy.call.Errors.unwrap(storeError).getMessage())
                            .asRuntimeException();
                      }
                      // Degraded mode: every replica computes the same choice from the id and the
                      // topology, so the start goes where the mapping would have pointed; a later
                      // call that misses the store locates it on the backends. Once the backend
                      // acknowledges the workflow, its mapping waits for the store in the backlog.
                      log.warn(
                          "placing {} without recording it: the mapping store is unavailable", mk);
                      return new Target(chosen, mk, workflowIdOf(key), true);
                    }));
  }

  /**
   * The backend of an affinity group: where its first workflow went, as long as that backend still
   * takes placements; otherwise (cordoned, unhealthy) the policy's choice for the group.
   */
  private CompletableFuture<PhysicalNamespace> groupChoice(
      VirtualNamespace vns,
      String group,
      PlacementPolicy policy,
      List<PhysicalNamespace> candidates,
      CallTrace trace) {
    PhysicalNamespace chosen = policy.choose(group, candidates);
    return putIfAbsent(Keyspace.AFFINITY.key(vns.name(), group), chosen.id(), trace)
        .handle(
            (groupId, e) -> {
              if (e != null || groupId == null) {
                return chosen;
              }
              for (PhysicalNamespace c : candidates) {
                if (c.id().equals(groupId)) {
                  return c;
                }
              }
              return chosen;
            });
  }

  private static final String GET = "get";
  private static final String PUT_IF_ABSENT = "put_if_absent";

  /** The store's {@code putIfAbsent}, told to the call's trace. */
  private CompletableFuture<String> putIfAbsent(MappingKey key, String value, CallTrace trace) {
    trace.storing(PUT_IF_ABSENT);
    return CallTrace.stored(trace, mappings.putIfAbsent(key, value));
  }

  /**
   * Active backends that pass their health checks (or whose health is not known yet); all usable
   * ones if none does (fail open). A backend that is unusable (Tempura's own work for it throws,
   * see {@link dev.tempura.proxy.health.BackendFaults}) is never chosen, not even then.
   */
  private List<PhysicalNamespace> healthy(List<PhysicalNamespace> active) {
    List<PhysicalNamespace> ok = new java.util.ArrayList<>(active.size());
    for (PhysicalNamespace p : active) {
      if (p.weight() > 0 && health.mayPlace(p)) {
        ok.add(p);
      }
    }
    if (!ok.isEmpty()) {
      return ok;
    }
    List<PhysicalNamespace> weighted = new java.util.ArrayList<>();
    String problem = null;
    for (PhysicalNamespace p : active) {
      if (p.weight() <= 0) {
        continue;
      }
      String fault = health.faults().problem(p);
      if (fault == null) {
        weighted.add(p);
      } else if (problem == null) {
        problem = p.id() + ": " + fault;
      }
    }
    if (weighted.isEmpty()) {
      throw Status.UNAVAILABLE
          .withDescription(
              problem == null
                  ? "every active physical namespace has weight 0"
                  : "no active physical namespace can be used now (" + problem + ")")
          .asRuntimeException();
    }
    return weighted;
  }

  private CompletableFuture<Target> byId(RoutingKey key, VirtualNamespace vns, CallTrace trace) {
    if (key == null) {
      return CompletableFuture.completedFuture(Target.of(anyBackend(vns)));
    }
    MappingKey mk = key.mappingKey(vns.name());
    trace.storing(GET);
    return CallTrace.stored(trace, mappings.get(mk))
        .handle(
            (mapped, storeError) -> {
              if (storeError != null) {
                log.warn("mapping store unavailable; locating {} on the backends", mk);
                return locate(vns, key, mk, false, trace);
              }
              if (mapped != null) {
                return CompletableFuture.completedFuture(target(vns, mapped, mk, key));
              }
              return locate(vns, key, mk, true, trace);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<Target> locate(
      VirtualNamespace vns, RoutingKey key, MappingKey mk, boolean record, CallTrace trace) {
    if (key.keyspace() != Keyspace.WORKFLOW && key.keyspace() != Keyspace.SCHEDULE) {
      return CompletableFuture.completedFuture(new Target(anyBackend(vns), mk, null));
    }
    CompletableFuture<PhysicalNamespace> where =
        key.keyspace() == Keyspace.SCHEDULE
            ? locator.locateSchedule(vns, key.id())
            : locator.locate(vns, key.id());
    return where.thenCompose(
        found -> {
          if (found == null) {
            // nowhere: let a backend give its genuine NOT_FOUND
            return CompletableFuture.completedFuture(new Target(anyBackend(vns), null, key.id()));
          }
          if (!record) {
            // the store failed the lookup; it learns of the workflow once it is back
            recordLaterIfWorkflow(key, mk, found);
            return CompletableFuture.completedFuture(new Target(found, mk, workflowIdOf(key)));
          }
          return putIfAbsent(mk, found.id(), trace)
              .handle(
                  (m, e) -> {
                    if (e == null) {
                      return target(vns, m, mk, key);
                    }
                    recordLaterIfWorkflow(key, mk, found);
                    return new Target(found, mk, workflowIdOf(key));
                  });
        });
  }

  /**
   * Schedules are left out of the backlog: a schedule deleted before the store returns would get
   * its mapping back; the next call for a schedule locates it anyway.
   */
  private void recordLaterIfWorkflow(RoutingKey key, MappingKey mk, PhysicalNamespace found) {
    if (key.keyspace() == Keyspace.WORKFLOW) {
      recorder.recordLater(mk, found.id());
    }
  }

  private static Target target(
      VirtualNamespace vns, String physicalId, MappingKey mk, RoutingKey key) {
    return new Target(physicalOf(vns, physicalId), mk, workflowIdOf(key));
  }

  private static String workflowIdOf(RoutingKey key) {
    return key.workflowId();
  }

  private static Target byToken(byte[] token, VirtualNamespace vns) {
    if (token == null || token.length == 0) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Task token not set on request.")
          .asRuntimeException();
    }
    TaskTokens.Unwrapped unwrapped = TaskTokens.unwrap(token);
    String physicalId = unwrapped.physicalId();
    String workflowId = unwrapped.workflowId();
    PhysicalNamespace physical =
        vns.find(physicalId)
            .orElseThrow(
                () ->
                    Status.INVALID_ARGUMENT
                        .withDescription(
                            "invalid task token: it was issued by "
                                + physicalId
                                + ", which is not part of namespace "
                                + vns.name())
                        .asRuntimeException());
    return new Target(
        physical,
        workflowId.isEmpty() ? null : Keyspace.WORKFLOW.key(vns.name(), workflowId),
        workflowId.isEmpty() ? null : workflowId);
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
}
