package dev.tempura.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link MappingStore} must do, on real time: a subclass supplies a fresh, empty store
 * per test. TTL tests use short real TTLs and wait with Awaitility, as a shared store has no clock
 * a test could move.
 */
@Timeout(60)
public abstract class MappingStoreContract {
  protected static final MappingKey KEY = new MappingKey("orders", "order-42");
  protected static final Duration SHORT_TTL = Duration.ofMillis(200);
  private static final Duration EXPIRY_DEADLINE = Duration.ofSeconds(5);

  protected MappingStore store;

  /** A store that holds no mappings and shares none with the stores of other tests. */
  protected abstract MappingStore openStore();

  @BeforeEach
  void openTheStore() {
    store = openStore();
  }

  @AfterEach
  void closeTheStore() {
    store.close();
  }

  protected static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  /** Every entry of a whole walk, page by page. */
  protected static List<Entry> walk(MappingStore store, int count) throws Exception {
    List<Entry> entries = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      ScanPage page = answer(store.scan(cursor, count));
      entries.addAll(page.entries());
      cursor = page.nextCursor();
      assertThat(++pages).as("pages of one walk").isLessThan(1_000_000);
    } while (cursor != null);
    return entries;
  }

  private static Set<MappingKey> keysOf(List<Entry> entries) {
    Set<MappingKey> keys = new HashSet<>();
    entries.forEach(e -> keys.add(e.key()));
    return keys;
  }

  @Test
  void putIfAbsent_newKey_storesTheGivenId() throws Exception {
    assertThat(answer(store.putIfAbsent(KEY, "p1@a:7233"))).isEqualTo("p1@a:7233");
    assertThat(answer(store.get(KEY))).isEqualTo("p1@a:7233");
  }

  @Test
  void putIfAbsent_existingKey_returnsTheExistingIdAndKeepsIt() throws Exception {
    answer(store.putIfAbsent(KEY, "p1@a:7233"));

    assertThat(answer(store.putIfAbsent(KEY, "p2@b:7233"))).isEqualTo("p1@a:7233");
    assertThat(answer(store.get(KEY))).isEqualTo("p1@a:7233");
  }

  @Test
  void putIfAbsent_existingKeyWithTtl_keepsTheTtl() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofHours(1)));

    answer(store.putIfAbsent(KEY, "p2"));

    assertThat(answer(store.ttlMillis(KEY))).isPositive();
  }

  @Test
  void get_absentKey_returnsNull() throws Exception {
    assertThat(answer(store.get(KEY))).isNull();
  }

  @Test
  void putIfAbsent_fiftyConcurrentCallers_oneWinnerThatEveryoneIsTold() throws Exception {
    int callers = 50;
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        String candidate = "p" + i + "@a:7233";
        answers.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.putIfAbsent(KEY, candidate).get(10, SECONDS);
                }));
      }
      start.countDown();

      Set<String> distinct = new HashSet<>();
      for (Future<String> answer : answers) {
        distinct.add(answer.get(10, SECONDS));
      }
      assertThat(distinct).hasSize(1);
      String winner = distinct.iterator().next();
      assertThat(winner).matches("p\\d+@a:7233");
      assertThat(answer(store.get(KEY))).isEqualTo(winner);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void keys_splitDifferentlyBetweenNamespaceAndWorkflowId_areDistinct() throws Exception {
    answer(store.putIfAbsent(new MappingKey("ab", "c"), "first"));
    answer(store.putIfAbsent(new MappingKey("a", "bc"), "second"));
    answer(store.putIfAbsent(new MappingKey("a:b", "c"), "third"));
    answer(store.putIfAbsent(new MappingKey("a", "b:c"), "fourth"));
    answer(store.putIfAbsent(new MappingKey("1:a", "b"), "fifth"));

    assertThat(answer(store.get(new MappingKey("ab", "c")))).isEqualTo("first");
    assertThat(answer(store.get(new MappingKey("a", "bc")))).isEqualTo("second");
    assertThat(answer(store.get(new MappingKey("a:b", "c")))).isEqualTo("third");
    assertThat(answer(store.get(new MappingKey("a", "b:c")))).isEqualTo("fourth");
    assertThat(answer(store.get(new MappingKey("1:a", "b")))).isEqualTo("fifth");
  }

  @Test
  void newMapping_hasNoTtl() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
  }

  @Test
  void ttlMillis_absentKey_isMinusTwo() throws Exception {
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
  }

  @Test
  void expire_setsATtl_thatCountsDown() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isTrue();

    long first = answer(store.ttlMillis(KEY));
    assertThat(first).isBetween(9_000L, 10_000L);
    await().atMost(EXPIRY_DEADLINE).until(() -> answer(store.ttlMillis(KEY)) < first);
    assertThat(answer(store.get(KEY))).isEqualTo("p1");
  }

  @Test
  void expire_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isFalse();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
  }

  @Test
  void expiredMapping_isInvisible_andPutIfAbsentCreatesAFreshOneWithoutTtl() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, SHORT_TTL));

    await().atMost(EXPIRY_DEADLINE).until(() -> answer(store.get(KEY)) == null);

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isFalse();
    assertThat(answer(store.persist(KEY))).isFalse();
    assertThat(answer(store.delete(KEY))).isFalse();
    assertThat(answer(store.putIfAbsent(KEY, "p2"))).isEqualTo("p2");
    assertThat(answer(store.get(KEY))).isEqualTo("p2");
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
  }

  @Test
  void expire_again_replacesTheEarlierExpiry() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    assertThat(answer(store.expire(KEY, Duration.ofHours(1)))).isTrue();

    assertThat(answer(store.ttlMillis(KEY))).isGreaterThan(Duration.ofMinutes(59).toMillis());
  }

  @Test
  void expire_hugeTtl_keepsTheMappingLive() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(Long.MAX_VALUE)))).isTrue();

    assertThat(answer(store.ttlMillis(KEY))).isGreaterThan(Duration.ofDays(365_000).toMillis());
    assertThat(answer(store.get(KEY))).isEqualTo("p1");
  }

  @Test
  void expire_nonPositiveTtl_isRefused() {
    assertThatThrownBy(() -> store.expire(KEY, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl: PT-1S (expected: > 0)");
    assertThatThrownBy(() -> store.expire(KEY, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl: PT0S (expected: > 0)");
  }

  @Test
  void persist_clearsTheTtl() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    assertThat(answer(store.persist(KEY))).isTrue();

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
    assertThat(answer(store.get(KEY))).isEqualTo("p1");
  }

  @Test
  void persist_mappingWithoutTtl_returnsTrue() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.persist(KEY))).isTrue();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
  }

  /** A hundred keys beside {@link #KEY}, each mapped to {@code physicalId}. */
  private List<MappingKey> hundredMappedTo(String physicalId) throws Exception {
    List<MappingKey> keys = new java.util.ArrayList<>();
    for (int i = 0; i < 100; i++) {
      MappingKey k = new MappingKey(KEY.virtualNamespace(), KEY.workflowId() + "-" + i);
      keys.add(k);
      answer(store.putIfAbsent(k, physicalId));
    }
    return keys;
  }

  /** A close seen just before a new run's start: the calls apply in the order they were made. */
  @Test
  void persist_sentWithoutWaitingForAnExpire_appliesAfterIt() throws Exception {
    List<MappingKey> keys = hundredMappedTo("p1");
    List<CompletableFuture<Boolean>> persists = new java.util.ArrayList<>();
    for (MappingKey k : keys) {
      store.expire(k, Duration.ofHours(1));
      persists.add(store.persist(k));
    }
    for (int i = 0; i < keys.size(); i++) {
      assertThat(answer(persists.get(i))).isTrue();
      assertThat(answer(store.ttlMillis(keys.get(i)))).as("ttl of %s", keys.get(i)).isEqualTo(-1L);
    }
  }

  /**
   * A new run's start seen just after a delete: the calls apply in the order they were made, even
   * where a store answers some calls on the caller's thread (the embedded store when idle).
   */
  @Test
  void putIfAbsent_sentWithoutWaitingForADelete_appliesAfterIt() throws Exception {
    List<MappingKey> keys = hundredMappedTo("p1");
    List<CompletableFuture<String>> placements = new java.util.ArrayList<>();
    for (MappingKey k : keys) {
      store.delete(k);
      placements.add(store.putIfAbsent(k, "p2"));
    }
    for (int i = 0; i < keys.size(); i++) {
      assertThat(answer(placements.get(i))).as("placement of %s", keys.get(i)).isEqualTo("p2");
      assertThat(answer(store.get(keys.get(i)))).isEqualTo("p2");
    }
  }

  @Test
  void persist_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.persist(KEY))).isFalse();
  }

  @Test
  void delete_liveKey_removesIt() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    assertThat(answer(store.delete(KEY))).isTrue();

    assertThat(answer(store.get(KEY))).isNull();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
  }

  @Test
  void delete_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.delete(KEY))).isFalse();
  }

  @Test
  void scan_emptyStore_endsWithoutEntries() throws Exception {
    assertThat(walk(store, 100)).isEmpty();
  }

  @Test
  void scan_smallPages_returnEveryLiveMappingAtLeastOnce_withItsIdAndTtl() throws Exception {
    Map<MappingKey, String> open = new HashMap<>();
    Map<MappingKey, String> closed = new HashMap<>();
    String[] namespaces = {"orders", "a:b", "ünïcødé ✓", "1:x"};
    for (int i = 0; i < 40; i++) {
      MappingKey key = new MappingKey(namespaces[i % namespaces.length], "wf:" + i + ":ü");
      String physicalId = "p" + (i % 3) + "@cluster-" + (i % 2) + ":7233";
      answer(store.putIfAbsent(key, physicalId));
      if (i % 4 == 0) {
        answer(store.expire(key, Duration.ofHours(1)));
        closed.put(key, physicalId);
      } else {
        open.put(key, physicalId);
      }
    }

    List<Entry> entries = walk(store, 3);

    Set<MappingKey> expected = new HashSet<>(open.keySet());
    expected.addAll(closed.keySet());
    assertThat(keysOf(entries)).isEqualTo(expected);
    for (Entry e : entries) {
      if (open.containsKey(e.key())) {
        assertThat(e.physicalId()).as("id of %s", e.key()).isEqualTo(open.get(e.key()));
        assertThat(e.ttlMillis()).as("ttl of %s", e.key()).isEqualTo(-1L);
      } else {
        assertThat(e.physicalId()).as("id of %s", e.key()).isEqualTo(closed.get(e.key()));
        assertThat(e.ttlMillis())
            .as("ttl of %s", e.key())
            .isBetween(1L, Duration.ofHours(1).toMillis());
      }
    }
  }

  @Test
  void scan_expiredMappings_areLeftOut() throws Exception {
    MappingKey kept = new MappingKey("orders", "kept");
    answer(store.putIfAbsent(kept, "p1"));
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, SHORT_TTL));

    // not touched in between, so nothing but the scan can notice the expiry
    await().atMost(EXPIRY_DEADLINE).until(() -> keysOf(walk(store, 10)).equals(Set.of(kept)));
  }

  @Test
  void scan_deletedMappings_areLeftOut() throws Exception {
    MappingKey kept = new MappingKey("orders", "kept");
    answer(store.putIfAbsent(kept, "p1"));
    answer(store.putIfAbsent(KEY, "p1"));

    answer(store.delete(KEY));

    assertThat(keysOf(walk(store, 10))).containsExactly(kept);
  }

  @Test
  void scan_nonPositiveCount_isRefused() {
    assertThatThrownBy(() -> store.scan(null, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("count: 0 (expected: >= 1)");
  }

  @Test
  void scan_cursorFromElsewhere_isRefused() {
    assertThatThrownBy(() -> store.scan("not a cursor!", 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cursor: not a scan cursor of this store");
  }

  @Test
  void callsAfterClose_failWithStoreClosed() {
    store.close();

    assertThat(store.get(KEY))
        .failsWithin(Duration.ofSeconds(1))
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(IllegalStateException.class)
        .withMessage("store closed");
    assertThat(store.putIfAbsent(KEY, "p1")).isCompletedExceptionally();
    assertThat(store.scan(null, 10)).isCompletedExceptionally();
  }

  @Test
  void close_twice_isHarmless() {
    store.close();
    store.close();
  }
}
