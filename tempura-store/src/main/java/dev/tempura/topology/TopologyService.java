package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.TopologyStore;
import dev.tempura.topology.TopologyException.Reason;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology in force on this replica, and the only way to change it.
 *
 * <p>Reads are a volatile load of an immutable snapshot, cheap enough for every call on the data
 * plane. Changes are optimistic: a change is computed from the current snapshot and written with
 * {@link TopologyStore#compareAndSet}; if another writer got there first the latest topology is
 * loaded and the change is computed again, so concurrent admin calls never overwrite each other. A
 * change may also name the version it was made against ({@code expectedVersion}): it is then
 * refused with {@link Reason#STALE_VERSION} if the topology has moved on, so two operators cannot
 * overwrite each other's edits.
 *
 * <p>Every change keeps one invariant: a physical namespace (a name on a cluster) belongs to one
 * virtual namespace, so that no tenant can reach another's workflows or tasks through it.
 */
public final class TopologyService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopologyService.class);
  private static final int MAX_ATTEMPTS = 16;

  /** No version precondition. */
  public static final long ANY_VERSION = -1;

  private final TopologyStore store;
  private final AtomicReference<Topology> current;
  private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
  private final AutoCloseable subscription;

  private TopologyService(TopologyStore store, Topology initial) {
    this.store = store;
    this.current = new AtomicReference<>(initial);
    reportRejected(Topology.EMPTY, initial);
    this.subscription = store.subscribe(this::accept);
  }

  /** Loads the stored topology; blocks, so call it at startup, not on a request thread. */
  public static TopologyService load(TopologyStore store) {
    requireNonNull(store, "store");
    return new TopologyService(store, store.load().join());
  }

  public Topology current() {
    return current.get();
  }

  public Optional<VirtualNamespace> virtualNamespace(String name) {
    return current.get().virtualNamespace(name);
  }

  /**
   * Calls {@code listener} after every change, local or from another replica. A listener that
   * throws is logged and does not keep the change from the others. Closing what this returns
   * removes the listener: a component that stops before the topology does must not be called after.
   */
  public Subscription addListener(Consumer<Topology> listener) {
    listeners.add(requireNonNull(listener, "listener"));
    return () -> listeners.remove(listener);
  }

  /** A listener's registration; {@link #close()} removes it. */
  @FunctionalInterface
  public interface Subscription extends AutoCloseable {
    @Override
    void close();
  }

  public CompletableFuture<Topology> createVirtualNamespace(String name) {
    return update(createVirtual(name), ANY_VERSION);
  }

  /** Creating a virtual namespace, as a change. */
  public static UnaryOperator<Topology> createVirtual(String name) {
    requireName(name, "name");
    return t -> {
      if (t.virtualNamespace(name).isPresent()) {
        throw new TopologyException(
            Reason.ALREADY_EXISTS, "Virtual namespace '" + name + "' already exists");
      }
      return t.with(VirtualNamespace.empty(name));
    };
  }

  /** Deleting a virtual namespace, as a change. Callers check that it holds no open workflows. */
  public static UnaryOperator<Topology> deleteVirtual(String name) {
    requireName(name, "name");
    return t -> {
      requireVirtual(t, name);
      return t.without(name);
    };
  }

  public CompletableFuture<Topology> addPhysicalNamespace(
      String virtualName, String physicalName, ClusterAddress clusterAddress, int weight) {
    return update(addPhysical(virtualName, physicalName, clusterAddress, weight), ANY_VERSION);
  }

  /**
   * Adding a physical namespace as ACTIVE, as a change. Adding one that is cordoned makes it active
   * again; adding one that is active with another weight sets the weight; adding one that is active
   * with the same settings, or one another virtual namespace holds, is refused.
   *
   * @param weight the weight, or null to keep an existing one's (1 for a new one)
   */
  public static UnaryOperator<Topology> addPhysical(
      String virtualName, String physicalName, ClusterAddress clusterAddress, Integer weight) {
    return addPhysical(virtualName, physicalName, clusterAddress, weight, false);
  }

  /**
   * {@link #addPhysical(String, String, ClusterAddress, Integer)}, and when {@code
   * existingWorkflows} is true, declaring that the namespace already holds workflows (see {@link
   * PhysicalNamespace}); declaring it on one that is active with the same weight is a change, not a
   * duplicate. False leaves an earlier declaration as it is: it is never withdrawn.
   */
  public static UnaryOperator<Topology> addPhysical(
      String virtualName,
      String physicalName,
      ClusterAddress clusterAddress,
      Integer weight,
      boolean existingWorkflows) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    requireNonNull(clusterAddress, "clusterAddress");
    PhysicalNamespace added =
        new PhysicalNamespace(
            physicalName,
            clusterAddress,
            PhysicalNamespaceStatus.ACTIVE,
            weight == null ? PhysicalNamespace.DEFAULT_WEIGHT : weight,
            existingWorkflows);
    return t -> {
      VirtualNamespace vns = requireVirtual(t, virtualName);
      Optional<String> owner = t.owner(added, virtualName);
      if (owner.isPresent()) {
        throw new TopologyException(
            Reason.OWNED_ELSEWHERE,
            "Physical namespace '"
                + physicalName
                + "' on "
                + clusterAddress
                + " already belongs to virtual namespace '"
                + owner.get()
                + "'; a physical namespace can serve one virtual namespace only");
      }
      Optional<PhysicalNamespace> existing =
          vns.physicalNamespaces().stream().filter(p -> p.sameNamespace(added)).findFirst();
      if (existing.isEmpty()) {
        return t.with(vns.with(added));
      }
      PhysicalNamespace was = existing.get();
      int nextWeight = weight == null ? was.weight() : weight;
      boolean declares = existingWorkflows && !was.existingWorkflows();
      if (was.isActive() && was.weight() == nextWeight && !declares) {
        throw new TopologyException(
            Reason.ALREADY_EXISTS,
            "Physical namespace '"
                + physicalName
                + "' on "
                + clusterAddress
                + " is already in virtual namespace '"
                + virtualName
                + "'");
      }
      // the stored spelling of the address stays: it is part of the id mappings name
      PhysicalNamespace next =
          was.withStatus(PhysicalNamespaceStatus.ACTIVE).withWeight(nextWeight);
      return t.with(vns.with(declares ? next.withExistingWorkflows() : next));
    };
  }

  /**
   * Sets the status of a physical namespace. {@code clusterAddress} may be null when the name alone
   * is unambiguous.
   */
  public CompletableFuture<Topology> setStatus(
      String virtualName,
      String physicalName,
      ClusterAddress clusterAddress,
      PhysicalNamespaceStatus status) {
    return update(status(virtualName, physicalName, clusterAddress, status), ANY_VERSION);
  }

  /** Setting the status of a physical namespace, as a change. */
  public static UnaryOperator<Topology> status(
      String virtualName,
      String physicalName,
      ClusterAddress clusterAddress,
      PhysicalNamespaceStatus status) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    requireNonNull(status, "status");
    return t -> {
      VirtualNamespace vns = requireVirtual(t, virtualName);
      PhysicalNamespace p = requirePhysical(vns, physicalName, clusterAddress);
      return t.with(vns.with(p.withStatus(status)));
    };
  }

  /** Sets how a virtual namespace places new workflows; existing mappings never move. */
  public CompletableFuture<Topology> setPlacement(String virtualName, PlacementSettings placement) {
    return update(placement(virtualName, t -> placement), ANY_VERSION);
  }

  /** Setting the placement of a virtual namespace, computed from its current one, as a change. */
  public static UnaryOperator<Topology> placement(
      String virtualName, UnaryOperator<PlacementSettings> next) {
    requireName(virtualName, "name");
    requireNonNull(next, "next");
    return t -> {
      VirtualNamespace vns = requireVirtual(t, virtualName);
      return t.with(vns.withPlacement(requireNonNull(next.apply(vns.placement()), "placement")));
    };
  }

  /** Sets the placement weight of a physical namespace (0 takes it out of placement). */
  public CompletableFuture<Topology> setWeight(
      String virtualName, String physicalName, ClusterAddress clusterAddress, int weight) {
    return update(weight(virtualName, physicalName, clusterAddress, weight), ANY_VERSION);
  }

  /** Setting the weight of a physical namespace, as a change. */
  public static UnaryOperator<Topology> weight(
      String virtualName, String physicalName, ClusterAddress clusterAddress, int weight) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    if (weight < 0) {
      throw new TopologyException(Reason.INVALID, "weight: " + weight + " (expected: >= 0)");
    }
    return t -> {
      VirtualNamespace vns = requireVirtual(t, virtualName);
      return t.with(
          vns.with(requirePhysical(vns, physicalName, clusterAddress).withWeight(weight)));
    };
  }

  /** Deletes a physical namespace from the topology. Callers check that it holds no workflows. */
  public CompletableFuture<Topology> deletePhysicalNamespace(
      String virtualName, String physicalName, ClusterAddress clusterAddress) {
    return update(deletePhysical(virtualName, physicalName, clusterAddress), ANY_VERSION);
  }

  /** Deleting a physical namespace, as a change. */
  public static UnaryOperator<Topology> deletePhysical(
      String virtualName, String physicalName, ClusterAddress clusterAddress) {
    return t -> {
      VirtualNamespace vns = requireVirtual(t, virtualName);
      PhysicalNamespace p = requirePhysical(vns, physicalName, clusterAddress);
      return t.with(vns.without(p.id()));
    };
  }

  /**
   * Making the topology equal to {@code desired} (its virtual namespaces, in its order), as one
   * change: all of it or nothing. Entries the store had rejected are dropped, since {@code desired}
   * says what there should be. Refused when {@code desired} shares a physical namespace between
   * virtual namespaces.
   */
  public static UnaryOperator<Topology> replaceWith(Topology desired) {
    requireNonNull(desired, "desired");
    List<String> sharing = desired.sharing();
    if (!sharing.isEmpty()) {
      throw new TopologyException(
          Reason.INVALID,
          sharing.get(0) + "; a physical namespace can serve one virtual namespace only");
    }
    return t ->
        new Topology(
            t.version() + 1,
            TopologyDocument.keepingStoredAddresses(t, desired).virtualNamespaces(),
            List.of());
  }

  /** {@link #update(UnaryOperator, long)} without a version precondition. */
  public CompletableFuture<Topology> update(UnaryOperator<Topology> change) {
    return update(change, ANY_VERSION);
  }

  /**
   * Applies {@code change} to the latest topology and stores the result. The change must return
   * {@code t.with(...)} or {@code t.without(...)} of its argument (one version step), or throw a
   * {@link TopologyException} to refuse. Completes exceptionally with that exception.
   *
   * @param expectedVersion the version the change was made against, refused with {@link
   *     Reason#STALE_VERSION} when the topology is at another; {@link #ANY_VERSION} for none
   */
  public CompletableFuture<Topology> update(UnaryOperator<Topology> change, long expectedVersion) {
    requireNonNull(change, "change");
    return attempt(change, expectedVersion, 1);
  }

  private CompletableFuture<Topology> attempt(
      UnaryOperator<Topology> change, long expectedVersion, int attempt) {
    Topology base = current.get();
    Topology next;
    try {
      if (expectedVersion != ANY_VERSION && base.version() != expectedVersion) {
        throw new TopologyException(
            Reason.STALE_VERSION,
            "the topology is at version "
                + base.version()
                + ", not "
                + expectedVersion
                + " as the change expects; look at it again and redo the change");
      }
      next = change.apply(base);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (next.version() != base.version() + 1) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "change produced version "
                  + next.version()
                  + " (expected: "
                  + (base.version() + 1)
                  + ")"));
    }
    List<String> sharing = next.sharing();
    if (!sharing.isEmpty()) {
      // the invariant holds whatever a change does, not only for the ones that check it
      return CompletableFuture.failedFuture(
          new TopologyException(Reason.OWNED_ELSEWHERE, sharing.get(0)));
    }
    return store
        .compareAndSet(next)
        .thenCompose(
            stored -> {
              if (stored) {
                accept(next);
                return CompletableFuture.completedFuture(next);
              }
              if (attempt >= MAX_ATTEMPTS) {
                throw new CompletionException(
                    new TopologyException(
                        Reason.CONFLICT,
                        "topology changed concurrently " + attempt + " times; try again"));
              }
              return store
                  .load()
                  .thenCompose(
                      latest -> {
                        accept(latest);
                        return attempt(change, expectedVersion, attempt + 1);
                      });
            });
  }

  /** Installs {@code t} if it is newer than what this replica has, and tells the listeners. */
  private void accept(Topology t) {
    Topology prev;
    do {
      prev = current.get();
      if (t.version() <= prev.version()) {
        return;
      }
    } while (!current.compareAndSet(prev, t));
    reportRejected(prev, t);
    for (Consumer<Topology> l : listeners) {
      try {
        l.accept(t);
      } catch (RuntimeException e) {
        // one listener's failure must not keep the change from the others (health, polls)
        log.error("Topology listener {} failed on version {}", l, t.version(), e);
      }
    }
  }

  /** Logs each rejected entry once, when it first appears. */
  private static void reportRejected(Topology prev, Topology t) {
    if (t.rejected().isEmpty()) {
      return;
    }
    Set<Topology.Rejected> known = new HashSet<>(prev.rejected());
    for (Topology.Rejected r : t.rejected()) {
      if (!known.contains(r)) {
        log.warn(
            "Stored topology entry not served{}: {} ({}); repair it with 'tempura topology apply'",
            r.virtualNamespace() == null
                ? ""
                : " in virtual namespace '" + Names.printable(r.virtualNamespace()) + "'",
            Names.printable(r.reason()),
            Names.printable(r.entry()));
      }
    }
  }

  private static VirtualNamespace requireVirtual(Topology t, String name) {
    return t.virtualNamespace(name)
        .orElseThrow(
            () ->
                new TopologyException(
                    Reason.NOT_FOUND, "Virtual namespace '" + name + "' not found"));
  }

  private static PhysicalNamespace requirePhysical(
      VirtualNamespace vns, String physicalName, ClusterAddress clusterAddress) {
    List<PhysicalNamespace> candidates = vns.findByName(physicalName);
    if (clusterAddress != null) {
      candidates =
          candidates.stream().filter(p -> p.clusterAddress().sameCluster(clusterAddress)).toList();
    }
    if (candidates.isEmpty()) {
      throw new TopologyException(
          Reason.NOT_FOUND,
          "Physical namespace '"
              + physicalName
              + "' not found in virtual namespace '"
              + vns.name()
              + "'");
    }
    if (candidates.size() > 1) {
      throw new TopologyException(
          Reason.INVALID,
          "Physical namespace '"
              + physicalName
              + "' is on several clusters in virtual namespace '"
              + vns.name()
              + "'; name its cluster_address");
    }
    return candidates.get(0);
  }

  private static void requireName(String value, String field) {
    if (value == null || value.isEmpty()) {
      throw new TopologyException(Reason.INVALID, "missing field: " + field);
    }
    String problem = Names.namespaceNameProblem(value);
    if (problem != null) {
      throw new TopologyException(Reason.INVALID, field + ": " + problem);
    }
  }

  @Override
  public void close() {
    try {
      subscription.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the topology subscription", e);
    }
  }
}
