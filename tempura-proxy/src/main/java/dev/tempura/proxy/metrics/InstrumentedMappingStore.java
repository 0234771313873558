package dev.tempura.proxy.metrics;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Times every operation of the store behind the cache, by operation and outcome. */
public final class InstrumentedMappingStore implements MappingStore {
  private static final Duration[] BUCKETS = {
    Duration.ofNanos(100_000),
    Duration.ofNanos(250_000),
    Duration.ofNanos(500_000),
    Duration.ofMillis(1),
    Duration.ofMillis(2),
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofSeconds(1),
    Duration.ofSeconds(2)
  };
  private static final String[] OPERATIONS = {
    "put_if_absent", "get", "expire", "persist", "ttl", "delete", "scan"
  };

  private final MappingStore delegate;
  private final Timer[] ok = new Timer[OPERATIONS.length];
  private final Timer[] failed = new Timer[OPERATIONS.length];

  /** {@code storeName} is a label value: the store's {@link MappingStore#kind()}, never a class. */
  public InstrumentedMappingStore(MappingStore delegate, MeterRegistry registry, String storeName) {
    this.delegate = delegate;
    for (int i = 0; i < OPERATIONS.length; i++) {
      ok[i] = timer(registry, storeName, OPERATIONS[i], "ok");
      failed[i] = timer(registry, storeName, OPERATIONS[i], "error");
    }
  }

  @Override
  public String kind() {
    return delegate.kind();
  }

  private static Timer timer(MeterRegistry registry, String store, String op, String outcome) {
    return Timer.builder("tempura_store_operation_duration")
        .description("Latency of mapping store operations (behind the local cache)")
        .tag("store", store)
        .tag("operation", op)
        .tag("outcome", outcome)
        .serviceLevelObjectives(BUCKETS)
        .register(registry);
  }

  private <T> CompletableFuture<T> timed(int op, CompletableFuture<T> f, long start) {
    return f.whenComplete(
        (v, e) ->
            (e == null ? ok[op] : failed[op])
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    long t = System.nanoTime();
    return timed(0, delegate.putIfAbsent(key, physicalId), t);
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    long t = System.nanoTime();
    return timed(1, delegate.get(key), t);
  }

  @Override
  public CompletableFuture<Boolean> expire(MappingKey key, Duration ttl) {
    long t = System.nanoTime();
    return timed(2, delegate.expire(key, ttl), t);
  }

  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    long t = System.nanoTime();
    return timed(3, delegate.persist(key), t);
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    long t = System.nanoTime();
    return timed(4, delegate.ttlMillis(key), t);
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    long t = System.nanoTime();
    return timed(5, delegate.delete(key), t);
  }

  @Override
  public CompletableFuture<ScanPage> scan(String cursor, int count) {
    long t = System.nanoTime();
    return timed(6, delegate.scan(cursor, count), t);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
