package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import dev.tempura.store.Stores;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
  private Stores stores;
  private EmbeddedStore store;

  @BeforeEach
  void openStore() {
    stores = EmbeddedWriter.inMemory(clock, NO_PERIODIC_SWEEP);
    store = (EmbeddedStore) stores.mappings();
  }

  @AfterEach
  void closeStore() {
    stores.close();
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
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
    try (Stores stores = EmbeddedWriter.inMemory(clock, Duration.ofMillis(20))) {
      EmbeddedStore sweeping = (EmbeddedStore) stores.mappings();
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
  void scan_walksInFileKeyOrder_inPagesOfAtMostCount() throws Exception {
    List<MappingKey> keys =
        List.of(
            new MappingKey("orders", "b"),
            new MappingKey("orders", "a"),
            new MappingKey("ab", "z"),
            new MappingKey("payments", "a"),
            new MappingKey("a:b", "c"),
            new MappingKey("orders", "c"),
            new MappingKey("x", ""));
    for (MappingKey key : keys) {
      answer(store.putIfAbsent(key, "p1"));
    }

    List<Integer> pageSizes = new ArrayList<>();
    List<MappingKey> walked = new ArrayList<>();
    String cursor = null;
    do {
      ScanPage page = answer(store.scan(cursor, 3));
      pageSizes.add(page.entries().size());
      page.entries().forEach(e -> walked.add(e.key()));
      cursor = page.nextCursor();
    } while (cursor != null);

    assertThat(pageSizes).containsExactly(3, 3, 1);
    assertThat(walked)
        .containsExactlyElementsOf(
            keys.stream().sorted(Comparator.comparing(Layout::mappingKey)).toList());
  }

  @Test
  void scan_exactlyCountMappings_endsOnTheFirstPage() throws Exception {
    answer(store.putIfAbsent(new MappingKey("orders", "a"), "p1"));
    answer(store.putIfAbsent(new MappingKey("orders", "b"), "p1"));

    ScanPage page = answer(store.scan(null, 2));

    assertThat(page.entries()).hasSize(2);
    assertThat(page.nextCursor()).isNull();
  }

  @Test
  void scan_expiredButNotYetSwept_isLeftOut_andTtlsAreWhatRemains() throws Exception {
    MappingKey later = new MappingKey("orders", "later");
    MappingKey expired = new MappingKey("orders", "expired");
    MappingKey open = new MappingKey("orders", "open");
    answer(store.putIfAbsent(later, "p1"));
    answer(store.putIfAbsent(expired, "p2"));
    answer(store.putIfAbsent(open, "p3"));
    answer(store.expire(later, Duration.ofSeconds(10)));
    answer(store.expire(expired, Duration.ofSeconds(1)));
    clock.advance(Duration.ofSeconds(4));

    ScanPage page = answer(store.scan(null, 10));

    assertThat(page.entries())
        .containsExactlyInAnyOrder(new Entry(later, "p1", 6_000), new Entry(open, "p3", -1));
    assertThat(page.nextCursor()).isNull();
    assertThat(answer(store.storedMappingCount())).as("a scan removes nothing").isEqualTo(3L);
  }

  @Test
  void scan_cursorOfADeletedMapping_stillContinuesAfterIt() throws Exception {
    for (String id : List.of("a", "b", "c", "d")) {
      answer(store.putIfAbsent(new MappingKey("orders", id), "p1"));
    }
    ScanPage first = answer(store.scan(null, 2));
    assertThat(first.entries()).extracting(e -> e.key().workflowId()).containsExactly("a", "b");

    answer(store.delete(new MappingKey("orders", "b")));
    ScanPage second = answer(store.scan(first.nextCursor(), 2));

    assertThat(second.entries()).extracting(e -> e.key().workflowId()).containsExactly("c", "d");
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
  void close_fromACallbackOnTheWriterThread_doesNotDeadlock() throws Exception {
    CompletableFuture<Void> closedInCallback =
        store.putIfAbsent(KEY, "p1").thenAccept(physicalId -> store.close());

    answer(closedInCallback);
    await().atMost(Duration.ofSeconds(10)).until(() -> store.get(KEY).isCompletedExceptionally());
  }
}
