package dev.tempura.store.cache;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CachingMappingStoreTest {
  private static final MappingKey KEY = new MappingKey("orders", "order-42");

  private final RecordingMappingStore store = new RecordingMappingStore();
  private final CachingMappingStore cache = CachingMappingStore.wrap(store);

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  /**
   * Starts {@code callers} calls at once from as many threads; the calls themselves don't block.
   */
  private static <T> List<CompletableFuture<T>> concurrently(
      int callers, Function<Integer, CompletableFuture<T>> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<CompletableFuture<T>>> submitted = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        int caller = i;
        submitted.add(
            pool.submit(
                () -> {
                  start.await();
                  return call.apply(caller);
                }));
      }
      start.countDown();
      List<CompletableFuture<T>> calls = new ArrayList<>();
      for (Future<CompletableFuture<T>> f : submitted) {
        calls.add(f.get(10, SECONDS));
      }
      return calls;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void putIfAbsent_concurrentCallers_oneStoreCallAndOneAnswer() throws Exception {
    store.hold();
    List<CompletableFuture<String>> placements =
        concurrently(50, caller -> cache.putIfAbsent(KEY, "p" + caller));

    assertThat(store.putIfAbsents).hasValue(1);
    store.release();

    Set<String> answers = new HashSet<>();
    for (CompletableFuture<String> placement : placements) {
      answers.add(answer(placement));
    }
    assertThat(answers).containsExactly(store.mappings.get(KEY));
    assertThat(cache.misses()).isEqualTo(1);
    assertThat(cache.hits()).isEqualTo(49);
  }

  @Test
  void get_concurrentMisses_oneStoreCall() throws Exception {
    store.mappings.put(KEY, "p1");
    store.hold();
    List<CompletableFuture<String>> reads = concurrently(20, caller -> cache.get(KEY));

    assertThat(store.gets).hasValue(1);
    store.release();

    for (CompletableFuture<String> read : reads) {
      assertThat(answer(read)).isEqualTo("p1");
    }
  }

  @Test
  void get_repeated_servedFromCacheAndCounted() throws Exception {
    store.mappings.put(KEY, "p1");

    assertThat(answer(cache.get(KEY))).isEqualTo("p1");
    assertThat(answer(cache.get(KEY))).isEqualTo("p1");
    assertThat(answer(cache.get(KEY))).isEqualTo("p1");

    assertThat(store.gets).hasValue(1);
    assertThat(cache.misses()).isEqualTo(1);
    assertThat(cache.hits()).isEqualTo(2);
  }

  @Test
  void get_noMapping_isNotCached() throws Exception {
    assertThat(answer(cache.get(KEY))).isNull();
    assertThat(answer(cache.get(KEY))).isNull();
    assertThat(store.gets).hasValue(2);

    store.mappings.put(KEY, "created elsewhere");

    assertThat(answer(cache.get(KEY))).isEqualTo("created elsewhere");
  }

  @Test
  void putIfAbsent_answer_isCachedForLaterGets() throws Exception {
    assertThat(answer(cache.putIfAbsent(KEY, "p1"))).isEqualTo("p1");

    assertThat(answer(cache.get(KEY))).isEqualTo("p1");
    assertThat(store.gets).hasValue(0);
  }

  @Test
  void putIfAbsent_existingMapping_answersTheStoredOne() throws Exception {
    store.mappings.put(KEY, "p1");

    assertThat(answer(cache.putIfAbsent(KEY, "p2"))).isEqualTo("p1");
    assertThat(answer(cache.putIfAbsent(KEY, "p3"))).isEqualTo("p1");
    assertThat(store.putIfAbsents).hasValue(1);
  }

  @Test
  void putIfAbsent_joiningAGetThatFindsNothing_stillPlacesTheMapping() throws Exception {
    store.hold();
    CompletableFuture<String> read = cache.get(KEY);
    CompletableFuture<String> placement = cache.putIfAbsent(KEY, "p1");
    store.release();

    assertThat(answer(read)).isNull();
    assertThat(answer(placement)).isEqualTo("p1");
    assertThat(store.mappings).containsEntry(KEY, "p1");
    assertThat(store.putIfAbsents).hasValue(1);
    assertThat(answer(cache.get(KEY))).isEqualTo("p1");
  }

  @Test
  void delete_invalidatesTheCachedMapping() throws Exception {
    answer(cache.putIfAbsent(KEY, "p1"));

    assertThat(answer(cache.delete(KEY))).isTrue();

    assertThat(answer(cache.get(KEY))).isNull();
    assertThat(store.deletes).hasValue(1);
    assertThat(store.gets).hasValue(1);
  }

  @Test
  void expirePersistAndTtl_passThrough_andKeepTheCachedMapping() throws Exception {
    answer(cache.putIfAbsent(KEY, "p1"));

    assertThat(answer(cache.expire(KEY, Duration.ofMinutes(5)))).isTrue();
    assertThat(answer(cache.ttlMillis(KEY))).isEqualTo(Duration.ofMinutes(5).toMillis());
    assertThat(answer(cache.persist(KEY))).isTrue();
    assertThat(answer(cache.ttlMillis(KEY))).isEqualTo(-1L);
    assertThat(answer(cache.get(KEY))).isEqualTo("p1");

    assertThat(store.expires).hasValue(1);
    assertThat(store.persists).hasValue(1);
    assertThat(store.ttls).hasValue(2);
    assertThat(store.gets).hasValue(0);
  }

  @Test
  void cachedMapping_expiresAfterWrite() throws Exception {
    AtomicLong nanos = new AtomicLong();
    CachingMappingStore expiring =
        CachingMappingStore.builder(store)
            .expireAfterWrite(Duration.ofMinutes(10))
            .ticker(nanos::get)
            .build();
    answer(expiring.putIfAbsent(KEY, "p1"));

    nanos.addAndGet(Duration.ofMinutes(9).toNanos());
    answer(expiring.get(KEY));
    assertThat(store.gets).hasValue(0);

    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    answer(expiring.get(KEY));
    assertThat(store.gets).hasValue(1);
  }

  @Test
  void scan_passesThrough_andLeavesTheCacheAlone() throws Exception {
    store.mappings.put(KEY, "p1");

    MappingStore.ScanPage page = answer(cache.scan(null, 10));

    assertThat(page.entries()).containsExactly(new MappingStore.Entry(KEY, "p1", -1));
    assertThat(store.scans).hasValue(1);
    answer(cache.get(KEY));
    assertThat(store.gets).as("the walk filled no cache entry").hasValue(1);
  }

  @Test
  void close_closesTheWrappedStore() {
    cache.close();

    assertThat(store.closed).isTrue();
  }

  @Test
  void builder_invalidOptions_areRefused() {
    assertThatThrownBy(() -> CachingMappingStore.builder(store).maximumSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximumSize: 0 (expected: > 0)");
    assertThatThrownBy(() -> CachingMappingStore.builder(store).expireAfterWrite(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expireAfterWrite: PT0S (expected: > 0)");
  }
}
