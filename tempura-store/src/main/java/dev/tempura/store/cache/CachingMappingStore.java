package dev.tempura.store.cache;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * A bounded in-process cache in front of a {@link MappingStore}.
 *
 * <p>{@link #get} and {@link #putIfAbsent} are single-flight: while one call for a key is waiting
 * on the store, other calls for that key in this process wait for the same answer instead of asking
 * again, so concurrent placements of one workflow make one store call and agree. Answers are
 * cached; "no mapping" is not, so a mapping created elsewhere is seen on the next call.
 *
 * <h2>Staleness</h2>
 *
 * <p>An entry can outlive its mapping: when the mapping expires in the store, or is deleted through
 * another process (deleting through this one invalidates the entry), the cache keeps answering with
 * it until it is evicted, at most the expire-after-write time after it was loaded. That is safe for
 * reads because a mapping never changes while it exists: a stale entry still names the physical
 * namespace that held the workflow, which is where its history still is. The one visible effect is
 * on {@link #putIfAbsent}: within that window a placement of the same workflow id is answered from
 * the cache without recreating the mapping in the store. The workflow goes to the namespace that
 * held the earlier run, but the store learns of it only once the entry is gone and a later
 * placement reaches the store. Keep the expire-after-write time well below the shortest TTL the
 * proxy sets.
 */
public final class CachingMappingStore implements MappingStore {
  @Override
  public String kind() {
    return delegate.kind();
  }

  public static final long DEFAULT_MAXIMUM_SIZE = 1_000_000;
  public static final Duration DEFAULT_EXPIRE_AFTER_WRITE = Duration.ofMinutes(10);

  // a placement that joined a concurrent get answering "no mapping" asks again; past this it goes
  // to the store directly rather than chase gets that keep answering no
  private static final int MAX_PLACEMENT_ATTEMPTS = 3;

  private final MappingStore delegate;
  private final AsyncCache<MappingKey, String> cache;

  private CachingMappingStore(Builder builder) {
    this.delegate = builder.delegate;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(builder.maximumSize)
            .expireAfterWrite(builder.expireAfterWrite)
            .ticker(builder.ticker)
            // Caffeine's upkeep (draining its buffers, evicting past the size bound) is a few
            // hundred nanoseconds amortized: done inline by the calling thread it costs less than
            // waking a common-pool thread for it, which the default executor did on every
            // placement that completed
            .executor(Runnable::run)
            .recordStats()
            .buildAsync();
  }

  /** Wraps {@code delegate} with the default size and expiry. */
  public static CachingMappingStore wrap(MappingStore delegate) {
    return builder(delegate).build();
  }

  public static Builder builder(MappingStore delegate) {
    return new Builder(requireNonNull(delegate, "delegate"));
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    requireNonNull(key, "key");
    // a null answer is removed from the cache by Caffeine when the future completes
    return cache.get(key, (k, executor) -> delegate.get(k));
  }

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    requireNonNull(key, "key");
    requireNonNull(physicalId, "physicalId");
    return place(key, physicalId, 1);
  }

  private CompletableFuture<String> place(MappingKey key, String physicalId, int attempt) {
    if (attempt > MAX_PLACEMENT_ATTEMPTS) {
      return delegate
          .putIfAbsent(key, physicalId)
          .thenApply(
              placed -> {
                cache.put(key, CompletableFuture.completedFuture(placed));
                return placed;
              });
    }
    CompletableFuture<String> pending =
        cache.get(key, (k, executor) -> delegate.putIfAbsent(k, physicalId));
    return pending.thenCompose(
        placed -> {
          if (placed != null) {
            return CompletableFuture.completedFuture(placed);
          }
          // joined a concurrent get that found nothing: that answer may still sit in the cache,
          // as Caffeine's own removal can run after this continuation
          cache.asMap().remove(key, pending);
          return place(key, physicalId, attempt + 1);
        });
  }

  /** Passes through; a cached entry stays, since the mapping it holds does not change. */
  @Override
  public CompletableFuture<Boolean> expire(MappingKey key, Duration ttl) {
    return delegate.expire(key, ttl);
  }

  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    return delegate.persist(key);
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    return delegate.ttlMillis(key);
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    requireNonNull(key, "key");
    cache.synchronous().invalidate(key);
    // again once deleted: a get that was loading while the delete ran may have cached the mapping
    return delegate
        .delete(key)
        .whenComplete((deleted, failure) -> cache.synchronous().invalidate(key));
  }

  /**
   * Passes through, without touching the cache: a walk is for the reconciler and drain reports,
   * which must see the store, and filling the cache from it would evict the mappings in use.
   */
  @Override
  public CompletableFuture<ScanPage> scan(String cursor, int count) {
    return delegate.scan(cursor, count);
  }

  /** Calls answered from the cache, including those that joined a call already in flight. */
  public long hits() {
    return cache.synchronous().stats().hitCount();
  }

  /** Calls that went to the store. */
  public long misses() {
    return cache.synchronous().stats().missCount();
  }

  /** Drops the cache and closes the wrapped store. */
  @Override
  public void close() {
    cache.synchronous().invalidateAll();
    delegate.close();
  }

  /** Options of a {@link CachingMappingStore}; the store copies them when built. */
  public static final class Builder {
    private final MappingStore delegate;
    private long maximumSize = DEFAULT_MAXIMUM_SIZE;
    private Duration expireAfterWrite = DEFAULT_EXPIRE_AFTER_WRITE;
    private Ticker ticker = Ticker.systemTicker();

    private Builder(MappingStore delegate) {
      this.delegate = delegate;
    }

    /** The most mappings held; default 1,000,000. */
    public Builder maximumSize(long maximumSize) {
      if (maximumSize <= 0) {
        throw new IllegalArgumentException("maximumSize: " + maximumSize + " (expected: > 0)");
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /** How long a mapping is served after it was loaded; default 10 minutes. */
    public Builder expireAfterWrite(Duration expireAfterWrite) {
      requireNonNull(expireAfterWrite, "expireAfterWrite");
      if (expireAfterWrite.isNegative() || expireAfterWrite.isZero()) {
        throw new IllegalArgumentException(
            "expireAfterWrite: " + expireAfterWrite + " (expected: > 0)");
      }
      this.expireAfterWrite = expireAfterWrite;
      return this;
    }

    /** The time source of expire-after-write, so tests can move time without waiting. */
    Builder ticker(Ticker ticker) {
      this.ticker = requireNonNull(ticker, "ticker");
      return this;
    }

    public CachingMappingStore build() {
      return new CachingMappingStore(this);
    }
  }
}
