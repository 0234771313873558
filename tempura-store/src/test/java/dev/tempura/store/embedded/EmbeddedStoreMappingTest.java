package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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

@Timeout(30)
class EmbeddedStoreMappingTest {
  private static final MappingKey KEY = new MappingKey("orders", "order-42");
  // long enough that the periodic sweep never runs during a test, which sweeps explicitly
  private static final Duration NO_PERIODIC_SWEEP = Duration.ofHours(1);

  private final MutableClock clock = new MutableClock(1_700_000_000_000L);
  private EmbeddedStore store;

  @BeforeEach
  void openStore() {
    store = EmbeddedStore.inMemory(clock, NO_PERIODIC_SWEEP);
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
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
  void get_absentKey_returnsNull() throws Exception {
    assertThat(answer(store.get(KEY))).isNull();
  }

  @Test
  void putIfAbsent_concurrentCallers_oneWinner() throws Exception {
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

    assertThat(answer(store.get(new MappingKey("ab", "c")))).isEqualTo("first");
    assertThat(answer(store.get(new MappingKey("a", "bc")))).isEqualTo("second");
    assertThat(answer(store.get(new MappingKey("a:b", "c")))).isEqualTo("third");
    assertThat(answer(store.get(new MappingKey("a", "b:c")))).isEqualTo("fourth");
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
  void expire_setsAnAbsoluteExpiry_thatCountsDown() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isTrue();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(10_000L);

    clock.advance(Duration.ofSeconds(4));
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(6_000L);
  }

  @Test
  void expiry_liveThroughItsLastMillisecond_goneAfter() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    clock.advance(Duration.ofSeconds(10));
    assertThat(answer(store.ttlMillis(KEY))).isZero();
    assertThat(answer(store.get(KEY))).isEqualTo("p1");

    clock.advance(Duration.ofMillis(1));
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
    assertThat(answer(store.get(KEY))).isNull();
  }

  @Test
  void expire_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isFalse();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
  }

  @Test
  void expire_expiredKey_returnsFalse() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(2));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(10)))).isFalse();
    assertThat(answer(store.get(KEY))).isNull();
  }

  @Test
  void expire_again_replacesTheEarlierExpiry() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(60)))).isTrue();
    clock.advance(Duration.ofSeconds(30));

    assertThat(answer(store.get(KEY))).isEqualTo("p1");
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(30_000L);
    assertThat(answer(store.sweep(100))).as("the first expiry is no longer indexed").isZero();
    assertThat(answer(store.get(KEY))).isEqualTo("p1");
  }

  @Test
  void expire_subMillisecondTtl_roundsUpToOneMillisecond() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    answer(store.expire(KEY, Duration.ofNanos(1)));

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(1L);
  }

  @Test
  void expire_hugeTtl_doesNotOverflow() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.expire(KEY, Duration.ofSeconds(Long.MAX_VALUE)))).isTrue();

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(Long.MAX_VALUE - clock.millis());
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
    clock.advance(Duration.ofMinutes(1));

    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
    assertThat(answer(store.get(KEY))).isEqualTo("p1");
    assertThat(answer(store.sweep(100))).as("the cleared expiry is no longer indexed").isZero();
  }

  @Test
  void persist_mappingWithoutTtl_returnsTrue() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));

    assertThat(answer(store.persist(KEY))).isTrue();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
  }

  @Test
  void persist_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.persist(KEY))).isFalse();
  }

  @Test
  void persist_expiredKey_returnsFalse() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(2));

    assertThat(answer(store.persist(KEY))).isFalse();
  }

  @Test
  void expiredKey_isInvisible_andPutIfAbsentCreatesAFreshMappingWithoutTtl() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(2));

    assertThat(answer(store.get(KEY))).isNull();
    assertThat(answer(store.putIfAbsent(KEY, "p2"))).isEqualTo("p2");
    assertThat(answer(store.get(KEY))).isEqualTo("p2");
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-1L);
  }

  @Test
  void putIfAbsent_overAnExpiredKey_dropsItsExpiry() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(2));
    // no read in between, so the expired mapping was not removed lazily
    answer(store.putIfAbsent(KEY, "p2"));

    assertThat(answer(store.sweep(100))).isZero();
    assertThat(answer(store.get(KEY))).isEqualTo("p2");
  }

  @Test
  void delete_liveKey_removesIt() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(10)));

    assertThat(answer(store.delete(KEY))).isTrue();

    assertThat(answer(store.get(KEY))).isNull();
    assertThat(answer(store.ttlMillis(KEY))).isEqualTo(-2L);
    assertThat(answer(store.storedMappingCount())).isZero();
  }

  @Test
  void delete_absentKey_returnsFalse() throws Exception {
    assertThat(answer(store.delete(KEY))).isFalse();
  }

  @Test
  void delete_expiredKey_returnsFalse() throws Exception {
    answer(store.putIfAbsent(KEY, "p1"));
    answer(store.expire(KEY, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(2));

    assertThat(answer(store.delete(KEY))).isFalse();
  }

  @Test
  void sweep_removesExpiredMappingsOnly() throws Exception {
    MappingKey expired = new MappingKey("orders", "expired");
    MappingKey later = new MappingKey("orders", "later");
    MappingKey forever = new MappingKey("orders", "forever");
    answer(store.putIfAbsent(expired, "p1"));
    answer(store.putIfAbsent(later, "p1"));
    answer(store.putIfAbsent(forever, "p1"));
    answer(store.expire(expired, Duration.ofSeconds(1)));
    answer(store.expire(later, Duration.ofSeconds(10)));
    clock.advance(Duration.ofSeconds(5));

    assertThat(answer(store.sweep(100))).isEqualTo(1);

    assertThat(answer(store.storedMappingCount())).isEqualTo(2L);
    assertThat(answer(store.get(later))).isEqualTo("p1");
    assertThat(answer(store.get(forever))).isEqualTo("p1");
  }

  @Test
  void sweep_removesAtMostItsLimitPerRun() throws Exception {
    for (int i = 0; i < 5; i++) {
      MappingKey key = new MappingKey("orders", "w" + i);
      answer(store.putIfAbsent(key, "p1"));
      answer(store.expire(key, Duration.ofSeconds(1 + i)));
    }
    clock.advance(Duration.ofMinutes(1));

    assertThat(answer(store.sweep(2))).isEqualTo(2);
    assertThat(answer(store.storedMappingCount())).isEqualTo(3L);
    assertThat(answer(store.sweep(100))).isEqualTo(3);
    assertThat(answer(store.storedMappingCount())).isZero();
  }

  @Test
  void periodicSweep_removesExpiredMappingsUntouched() throws Exception {
    try (EmbeddedStore sweeping = EmbeddedStore.inMemory(clock, Duration.ofMillis(20))) {
      answer(sweeping.putIfAbsent(KEY, "p1"));
      answer(sweeping.putIfAbsent(new MappingKey("orders", "kept"), "p1"));
      answer(sweeping.expire(KEY, Duration.ofSeconds(1)));
      clock.advance(Duration.ofSeconds(2));

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> answer(sweeping.storedMappingCount()) == 1L);
    }
  }

  @Test
  void close_answersEveryQueuedCallFirst() throws Exception {
    List<CompletableFuture<String>> pending = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      pending.add(store.putIfAbsent(new MappingKey("orders", "w" + i), "p" + i));
    }

    store.close();

    for (int i = 0; i < pending.size(); i++) {
      assertThat(pending.get(i)).isCompletedWithValue("p" + i);
    }
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
    assertThat(store.load()).isCompletedExceptionally();
  }

  @Test
  void close_twice_isHarmless() {
    store.close();
    store.close();
  }

  @Test
  void close_fromACallbackOnTheWriterThread_doesNotDeadlock() throws Exception {
    CompletableFuture<Void> closedInCallback =
        store.putIfAbsent(KEY, "p1").thenAccept(physicalId -> store.close());

    answer(closedInCallback);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> store.get(KEY).isCompletedExceptionally());
  }
}
