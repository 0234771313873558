package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.TopologyStore;
import dev.tempura.topology.TopologyException.Reason;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The topology in force on this replica, and the only way to change it.
 *
 * <p>Reads are a volatile load of an immutable snapshot, cheap enough for every call on the data
 * plane. Changes are optimistic: a change is computed from the current snapshot and written with
 * {@link TopologyStore#compareAndSet}; if another writer got there first the latest topology is
 * loaded and the change is computed again, so concurrent admin calls never overwrite each other.
 */
public final class TopologyService implements AutoCloseable {
  private static final int MAX_ATTEMPTS = 16;

  private final TopologyStore store;
  private final AtomicReference<Topology> current;
  private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
  private final AutoCloseable subscription;

  private TopologyService(TopologyStore store, Topology initial) {
    this.store = store;
    this.current = new AtomicReference<>(initial);
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

  /** Calls {@code listener} after every change, local or from another replica. */
  public void addListener(Consumer<Topology> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  public CompletableFuture<Topology> createVirtualNamespace(String name) {
    requireName(name, "name");
    return update(
        t -> {
          if (t.virtualNamespace(name).isPresent()) {
            throw new TopologyException(
                Reason.ALREADY_EXISTS, "Virtual namespace '" + name + "' already exists");
          }
          return t.with(VirtualNamespace.empty(name));
        });
  }

  /**
   * Adds a physical namespace as ACTIVE. Adding one that is cordoned makes it active again; adding
   * one that is active already is refused.
   */
  public CompletableFuture<Topology> addPhysicalNamespace(
      String virtualName, String physicalName, String clusterAddress, int weight) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    requireName(clusterAddress, "cluster_address");
    PhysicalNamespace added =
        new PhysicalNamespace(
            physicalName, clusterAddress, PhysicalNamespaceStatus.ACTIVE, weight);
    return update(
        t -> {
          VirtualNamespace vns = requireVirtual(t, virtualName);
          Optional<PhysicalNamespace> existing = vns.find(added.id());
          if (existing.isPresent() && existing.get().isActive()) {
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
          return t.with(vns.with(added));
        });
  }

  /**
   * Sets the status of a physical namespace. {@code clusterAddress} may be null when the name alone
   * is unambiguous.
   */
  public CompletableFuture<Topology> setStatus(
      String virtualName,
      String physicalName,
      String clusterAddress,
      PhysicalNamespaceStatus status) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    requireNonNull(status, "status");
    return update(
        t -> {
          VirtualNamespace vns = requireVirtual(t, virtualName);
          PhysicalNamespace p = requirePhysical(vns, physicalName, clusterAddress);
          return t.with(vns.with(p.withStatus(status)));
        });
  }

  /** Sets how a virtual namespace places new workflows; existing mappings never move. */
  public CompletableFuture<Topology> setPlacement(String virtualName, PlacementSettings placement) {
    requireName(virtualName, "name");
    requireNonNull(placement, "placement");
    return update(t -> t.with(requireVirtual(t, virtualName).withPlacement(placement)));
  }

  /** Sets the placement weight of a physical namespace (0 takes it out of placement). */
  public CompletableFuture<Topology> setWeight(
      String virtualName, String physicalName, String clusterAddress, int weight) {
    requireName(virtualName, "virtual_namespace");
    requireName(physicalName, "physical_namespace");
    if (weight < 0) {
      throw new TopologyException(Reason.INVALID, "weight: " + weight + " (expected: >= 0)");
    }
    return update(
        t -> {
          VirtualNamespace vns = requireVirtual(t, virtualName);
          return t.with(vns.with(requirePhysical(vns, physicalName, clusterAddress).withWeight(weight)));
        });
  }

  /** Deletes a physical namespace from the topology. Callers check that it holds no workflows. */
  public CompletableFuture<Topology> deletePhysicalNamespace(
      String virtualName, String physicalName, String clusterAddress) {
    return update(
        t -> {
          VirtualNamespace vns = requireVirtual(t, virtualName);
          PhysicalNamespace p = requirePhysical(vns, physicalName, clusterAddress);
          return t.with(vns.without(p.id()));
        });
  }

  /**
   * Applies {@code change} to the latest topology and stores the result. The change must return
   * {@code t.with(...)} or {@code t.without(...)} of its argument (one version step), or throw a
   * {@link TopologyException} to refuse. Completes exceptionally with that exception.
   */
  public CompletableFuture<Topology> update(UnaryOperator<Topology> change) {
    return attempt(change, 1);
  }

  private CompletableFuture<Topology> attempt(UnaryOperator<Topology> change, int attempt) {
    Topology base = current.get();
    Topology next;
    try {
      next = change.apply(base);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (next.version() != base.version() + 1) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "change produced version " + next.version() + " (expected: " + (base.version() + 1)
                  + ")"));
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
                        return attempt(change, attempt + 1);
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
    for (Consumer<Topology> l : listeners) {
      l.accept(t);
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
      VirtualNamespace vns, String physicalName, String clusterAddress) {
    List<PhysicalNamespace> candidates = vns.findByName(physicalName);
    if (clusterAddress != null && !clusterAddress.isEmpty()) {
      candidates = candidates.stream().filter(p -> p.clusterAddress().equals(clusterAddress)).toList();
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
    if (value == null || value.isBlank()) {
      throw new TopologyException(Reason.INVALID, "missing field: " + field);
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
