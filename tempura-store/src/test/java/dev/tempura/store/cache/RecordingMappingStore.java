package dev.tempura.store.cache;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * An in-memory {@link MappingStore} that counts its calls and, while {@link #hold()} is in force,
 * answers none of them until {@link #release()}, so tests can pile calls up concurrently. TTLs are
 * recorded but never expire anything.
 */
final class RecordingMappingStore implements MappingStore {
  final Map<MappingKey, String> mappings = new ConcurrentHashMap<>();
  final AtomicInteger gets = new AtomicInteger();
  final AtomicInteger putIfAbsents = new AtomicInteger();
  final AtomicInteger expires = new AtomicInteger();
  final AtomicInteger persists = new AtomicInteger();
  final AtomicInteger ttls = new AtomicInteger();
  final AtomicInteger deletes = new AtomicInteger();
  final AtomicInteger scans = new AtomicInteger();
  private final Map<MappingKey, Long> ttlMillis = new ConcurrentHashMap<>();
  private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
  volatile boolean closed;

  void hold() {
    gate = new CompletableFuture<>();
  }

  void release() {
    gate.complete(null);
  }

  // answers are computed at release, as a real store would compute them when the call arrives
  private <T> CompletableFuture<T> answer(Supplier<T> answer) {
    return gate.thenApply(ignored -> answer.get());
  }

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    putIfAbsents.incrementAndGet();
    return answer(
        () -> {
          String existing = mappings.putIfAbsent(key, physicalId);
          return existing == null ? physicalId : existing;
        });
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    gets.incrementAndGet();
    return answer(() -> mappings.get(key));
  }

  @Override
  public CompletableFuture<Boolean> expire(MappingKey key, Duration ttl) {
    expires.incrementAndGet();
    return answer(
        () -> {
          if (!mappings.containsKey(key)) {
            return false;
          }
          ttlMillis.put(key, ttl.toMillis());
          return true;
        });
  }

  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    persists.incrementAndGet();
    return answer(
        () -> {
          ttlMillis.remove(key);
          return mappings.containsKey(key);
        });
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    ttls.incrementAndGet();
    return answer(() -> mappings.containsKey(key) ? ttlMillis.getOrDefault(key, -1L) : -2L);
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    deletes.incrementAndGet();
    return answer(
        () -> {
          ttlMillis.remove(key);
          return mappings.remove(key) != null;
        });
  }

  /** One page with every mapping, whatever the cursor and count. */
  @Override
  public CompletableFuture<ScanPage> scan(String cursor, int count) {
    scans.incrementAndGet();
    return answer(
        () -> {
          List<Entry> entries = new ArrayList<>();
          mappings.forEach(
              (key, physicalId) ->
                  entries.add(new Entry(key, physicalId, ttlMillis.getOrDefault(key, -1L))));
          return new ScanPage(entries, null);
        });
  }

  @Override
  public void close() {
    closed = true;
  }
}
