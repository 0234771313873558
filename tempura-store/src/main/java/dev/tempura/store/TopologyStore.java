package dev.tempura.store;

import dev.tempura.topology.Topology;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Durable, versioned storage of the {@link Topology}. */
public interface TopologyStore {

  /**
   * The stored topology, or {@link Topology#EMPTY} when nothing was stored yet. Fails when what is
   * stored cannot be read as a topology at all (entries that cannot be served do not fail it: they
   * are in {@link Topology#rejected()}).
   */
  CompletableFuture<Topology> load();

  /**
   * The stored version, readable even when {@link #load()} fails, so that an offline repair can
   * write the next version over an unreadable topology; 0 when nothing was stored.
   */
  CompletableFuture<Long> storedVersion();

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
