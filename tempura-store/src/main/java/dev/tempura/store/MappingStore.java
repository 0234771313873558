package dev.tempura.store;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Durable mappings from (virtual namespace, workflow id) to the id of the physical namespace that
 * holds the workflow ({@link dev.tempura.topology.PhysicalNamespace#id()}).
 *
 * <p>A mapping never changes while it exists: it is created once, may be given a time to live when
 * its workflow closes, and disappears when that expires. Expiry follows Redis semantics: no TTL
 * until one is set, an expired mapping is invisible at once, and {@link #persist} removes a TTL.
 *
 * <p>Every method is non-blocking; futures may complete on a store thread, so callers must not run
 * long work in their continuations.
 */
public interface MappingStore extends AutoCloseable {

  /**
   * What kind of store this is, as a metric label: {@code embedded}, {@code redis}, or {@code
   * other} for stores that do not say (tests).
   */
  default String kind() {
    return "other";
  }

  /**
   * Atomically creates the mapping to {@code physicalId} unless one exists, and returns the mapping
   * that holds afterwards: {@code physicalId} if this call created it, else the existing one.
   */
  CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId);

  /** The physical namespace id, or {@code null} when there is no live mapping. */
  CompletableFuture<String> get(MappingKey key);

  /** Sets the time to live of an existing mapping; {@code false} when there is none. */
  CompletableFuture<Boolean> expire(MappingKey key, Duration ttl);

  /** Removes the time to live of an existing mapping; {@code false} when there is none. */
  CompletableFuture<Boolean> persist(MappingKey key);

  /**
   * The remaining time to live in milliseconds as Redis PTTL answers it: {@code -2} when there is
   * no mapping, {@code -1} when it has no TTL.
   */
  CompletableFuture<Long> ttlMillis(MappingKey key);

  /** Deletes a mapping; {@code false} when there was none. */
  CompletableFuture<Boolean> delete(MappingKey key);

  /**
   * One page of a walk over every live mapping, for the reconciler and drain reports. Start with
   * {@code cursor == null}; continue with {@link ScanPage#nextCursor()} until it is null. Like
   * Redis SCAN, a mapping that exists for the whole walk is returned at least once; one created or
   * removed during it may or may not be. {@code count} (at least 1) sizes a page as Redis SCAN's
   * COUNT does: a page may hold fewer mappings, even none before the walk ends, and a shared store
   * may return a few more.
   */
  CompletableFuture<ScanPage> scan(String cursor, int count);

  /** A page of {@link #scan}. */
  record ScanPage(java.util.List<Entry> entries, String nextCursor) {
    public ScanPage {
      entries = java.util.List.copyOf(entries);
    }
  }

  /**
   * A live mapping as {@link #scan} found it.
   *
   * @param ttlMillis as {@link #ttlMillis}: {@code -1} when it has no TTL (its workflow is open)
   */
  record Entry(MappingKey key, String physicalId, long ttlMillis) {}

  @Override
  void close();
}
