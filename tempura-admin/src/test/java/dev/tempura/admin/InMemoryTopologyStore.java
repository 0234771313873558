package dev.tempura.admin;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.TopologyStore;
import dev.tempura.topology.Topology;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A {@link TopologyStore} in memory: versioned compare-and-set, subscribers told of each write. */
final class InMemoryTopologyStore implements TopologyStore {
  private final Object lock = new Object();
  private final List<Consumer<Topology>> listeners = new CopyOnWriteArrayList<>();
  private Topology stored = Topology.EMPTY; // guarded by lock

  @Override
  public CompletableFuture<Long> storedVersion() {
    synchronized (lock) {
      return CompletableFuture.completedFuture(stored.version());
    }
  }

  @Override
  public CompletableFuture<Topology> load() {
    synchronized (lock) {
      return CompletableFuture.completedFuture(stored);
    }
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(Topology next) {
    requireNonNull(next, "next");
    synchronized (lock) {
      if (next.version() != stored.version() + 1) {
        return CompletableFuture.completedFuture(false);
      }
      stored = next;
      // told under the lock so subscribers see versions in order, as a real store delivers them
      listeners.forEach(l -> l.accept(next));
      return CompletableFuture.completedFuture(true);
    }
  }

  @Override
  public AutoCloseable subscribe(Consumer<Topology> listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
