package dev.tempura.store.redis;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingKey;
import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyJson;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Redis going away and coming back, on a server of the test's own. */
@Timeout(60)
class RedisStoreOutageTest {
  private static final MappingKey KEY = new MappingKey("orders", "order-42");
  private static final Topology V1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
  private static final Topology V2 = V1.with(VirtualNamespace.empty("payments"));
  // the command timeout (2 s) bounds a call that was sent just before the server went away
  private static final Duration FAIL_FAST = Duration.ofMillis(2_500);
  private static final Duration RECONNECT_DEADLINE = Duration.ofSeconds(10);
  // far below the hour-long poll interval the announcement tests set, so only an announcement can
  // be in time, and far above what it takes, so a slow machine does not fail them
  private static final Duration ANNOUNCED = Duration.ofSeconds(10);

  private final RedisServerFixture redis = RedisServerFixture.start();
  private final List<Stores> stores = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeEverything() {
    stores.forEach(Stores::close);
    redis.close();
  }

  private Stores connect(RedisStoreOptions.Builder options) {
    Stores store = Stores.redis(options.build());
    stores.add(store);
    return store;
  }

  private RedisStoreOptions.Builder options() {
    return RedisStoreOptions.builder(redis.uri());
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  private void assertFailsFastAsUnavailable(String call, CompletableFuture<?> future) {
    assertThat(future)
        .as(call)
        .failsWithin(FAIL_FAST)
        .withThrowableOfType(ExecutionException.class)
        .havingCause()
        .isInstanceOf(StoreUnavailableException.class)
        .withMessageStartingWith("Redis is unavailable at redis://127.0.0.1:" + redis.port());
  }

  @Test
  void connect_nothingListening_failsWithinTheTimeoutWithAClearMessage() {
    int port = RedisProcess.freePort();
    long start = System.nanoTime();

    assertThatThrownBy(
            () -> Stores.redis(RedisStoreOptions.builder("redis://127.0.0.1:" + port).build()))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageStartingWith("Redis is unavailable at redis://127.0.0.1:" + port + ": ");

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST);
  }

  @Test
  void connect_wrongPassword_failsWithAClearMessageWithoutThePassword() {
    Resp.call(redis.port(), "CONFIG", "SET", "requirepass", "right");

    assertThatThrownBy(
            () ->
                Stores.redis(
                    RedisStoreOptions.builder("redis://:wrong@127.0.0.1:" + redis.port()).build()))
        .isInstanceOf(StoreUnavailableException.class)
        .hasMessageStartingWith("Redis is unavailable at redis://***@127.0.0.1:" + redis.port())
        .message()
        .doesNotContain("wrong");
  }

  @Test
  void connect_rightPassword_works() throws Exception {
    Resp.call(redis.port(), "CONFIG", "SET", "requirepass", "p@ss:w/rd");

    Stores store =
        connect(RedisStoreOptions.builder("redis://:p%40ss%3Aw%2Frd@127.0.0.1:" + redis.port()));

    assertThat(answer(store.mappings().putIfAbsent(KEY, "p1"))).isEqualTo("p1");
  }

  @Test
  void whileRedisIsDown_everyCallFailsFast_andAfterRestartTheSameStoreWorksAgain()
      throws Exception {
    Stores store = connect(options());
    answer(store.mappings().putIfAbsent(KEY, "p1"));

    redis.stop();

    Map<String, Supplier<CompletableFuture<?>>> calls =
        Map.of(
            "get", () -> store.mappings().get(KEY),
            "putIfAbsent", () -> store.mappings().putIfAbsent(KEY, "p2"),
            "expire", () -> store.mappings().expire(KEY, Duration.ofMinutes(1)),
            "persist", () -> store.mappings().persist(KEY),
            "ttlMillis", () -> store.mappings().ttlMillis(KEY),
            "delete", () -> store.mappings().delete(KEY),
            "scan", () -> store.mappings().scan(null, 10),
            "load", store.topology()::load,
            "compareAndSet", () -> store.topology().compareAndSet(V1));
    for (int round = 0; round < 2; round++) {
      for (Map.Entry<String, Supplier<CompletableFuture<?>>> call : calls.entrySet()) {
        assertFailsFastAsUnavailable(call.getKey(), call.getValue().get());
      }
    }

    redis.restart();

    // the restarted server is empty, and knows none of the store's scripts
    await()
        .atMost(RECONNECT_DEADLINE)
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> answer(store.mappings().get(KEY)) == null);
    assertThat(answer(store.mappings().putIfAbsent(KEY, "p2"))).isEqualTo("p2");
    assertThat(answer(store.mappings().persist(KEY))).isTrue();
    assertThat(answer(store.topology().compareAndSet(V1))).isTrue();
    assertThat(answer(store.topology().load())).isEqualTo(V1);
  }

  @Test
  void redisNotAnswering_callsFailAfterTheCommandTimeout_andWorkOnceItAnswersAgain()
      throws Exception {
    Stores store = connect(options());
    answer(store.mappings().putIfAbsent(KEY, "p1"));

    redis.freeze();
    try {
      assertThat(store.mappings().get(KEY))
          .failsWithin(FAIL_FAST)
          .withThrowableOfType(ExecutionException.class)
          .havingCause()
          .isInstanceOf(StoreUnavailableException.class)
          .withMessageStartingWith("Redis is unavailable at redis://127.0.0.1:" + redis.port())
          .withMessageContaining("timed out");
    } finally {
      redis.thaw();
    }

    assertThat(answer(store.mappings().get(KEY))).isEqualTo("p1");
  }

  @Test
  void afterRestart_announcementsReachSubscribersAgain() throws Exception {
    Stores writer = connect(options());
    // polling an hour apart, so only an announcement can deliver in time
    Stores reader = connect(options().topologyPollInterval(Duration.ofHours(1)));
    List<Topology> heard = new CopyOnWriteArrayList<>();
    reader.topology().subscribe(heard::add);
    answer(writer.topology().compareAndSet(V1));
    await().atMost(ANNOUNCED).until(() -> heard.contains(V1));

    redis.restart();
    // both stores subscribe to the channel; wait until both pub/sub connections are back
    await().atMost(RECONNECT_DEADLINE).until(() -> subscribers() == 2L);

    // the restarted server is empty: versions start again, and only a newer one is news
    await()
        .atMost(RECONNECT_DEADLINE)
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> answer(writer.topology().compareAndSet(V1)));
    answer(writer.topology().compareAndSet(V2));

    await().atMost(ANNOUNCED).until(() -> heard.contains(V2));
    assertThat(heard).containsExactly(V1, V2);
  }

  @Test
  void topologyStoredWithoutAnnouncement_reachesSubscribersByPolling() throws Exception {
    Stores store = connect(options());
    List<Topology> heard = new CopyOnWriteArrayList<>();
    store.topology().subscribe(heard::add);
    answer(store.topology().compareAndSet(V1));
    await().atMost(ANNOUNCED).until(() -> heard.contains(V1));

    // as if the announcement was lost: written behind the store's back, nothing published
    Resp.call(
        redis.port(),
        "HSET",
        RedisStoreOptions.DEFAULT_KEY_PREFIX + "topology",
        "version",
        "2",
        "json",
        TopologyJson.encode(V2));

    await()
        .atMost(RedisStoreOptions.DEFAULT_TOPOLOGY_POLL_INTERVAL.plus(ANNOUNCED))
        .until(() -> heard.contains(V2));
    assertThat(heard).containsExactly(V1, V2);
  }

  private long subscribers() {
    List<?> reply =
        (List<?>)
            Resp.call(
                redis.port(),
                "PUBSUB",
                "NUMSUB",
                RedisStoreOptions.DEFAULT_KEY_PREFIX + "topology");
    return (Long) reply.get(1);
  }
}
