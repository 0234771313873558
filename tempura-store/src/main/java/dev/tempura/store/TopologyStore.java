package dev.tempura.store;

import dev.tempura.topology.Topology;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Durable, versioned storage of the {@link Topology}. */
public interface TopologyStore {

  /** The stored topology, or {@link Topology#EMPTY} when nothing was stored yet. */
  CompletableFuture<Topology> load();

  /**
   * Stores {@code next} only if the stored version is {@code next.version() - 1}; completes with
   * {@code false}, storing nothing, when another writer got there first.
   */
  CompletableFuture<Boolean> compareAndSet(Topology next);

  /**
   * Calls {@code listener} with every topology stored from now on, by this process or, where the
   * store is shared, by any other. Closing the returned handle stops the calls.
   */
  AutoCloseable subscribe(Consumer<Topology> listener);
}
