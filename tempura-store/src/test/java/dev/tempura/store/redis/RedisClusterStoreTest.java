package dev.tempura.store.redis;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import dev.tempura.store.MappingStoreContract;
import dev.tempura.store.ProgressStore;
import dev.tempura.store.ProgressStoreContract;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.TopologyStoreContract;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Redis store on a three-master Redis Cluster of the test's own, shared by its tests. */
@Timeout(120)
class RedisClusterStoreTest {
  private static RedisClusterFixture cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisClusterFixture.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String uniquePrefix() {
    return "tempura-test:" + UUID.randomUUID() + ":";
  }

  static Stores connect(String prefix) {
    return Stores.redis(RedisStoreOptions.builder(cluster.uri()).keyPrefix(prefix).build());
  }

  static void deleteKeys(String prefix) {
    for (int port : cluster.ports()) {
      Resp.deleteMatching(port, prefix + "*");
    }
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Nested
  class Mappings extends MappingStoreContract {
    private final String prefix = uniquePrefix();

    @Override
    protected MappingStore openStore() {
      // closing the mappings, as the contract does, closes the stores
      return connect(prefix).mappings();
    }

    @AfterEach
    void deleteTheKeys() {
      deleteKeys(prefix);
    }
  }

  @Nested
  class Topologies extends TopologyStoreContract {
    private final String prefix = uniquePrefix();
    private Stores stores;

    @Override
    protected TopologyStore openStore() {
      stores = connect(prefix);
      return stores.topology();
    }

    @AfterEach
    void closeAndDelete() {
      stores.close();
      deleteKeys(prefix);
    }
  }

  @Nested
  class Progress extends ProgressStoreContract {
    private final String prefix = uniquePrefix();
    private Stores stores;

    @Override
    protected ProgressStore openStore() {
      stores = connect(prefix);
      return stores.progress();
    }

    @Override
    protected void closeStore() {
      stores.close();
      deleteKeys(prefix);
    }
  }

  @Nested
  class Replicas extends RedisReplicasContract {
    @Override
    String uri() {
      return cluster.uri();
    }

    @Override
    void deleteKeys(String prefix) {
      RedisClusterStoreTest.deleteKeys(prefix);
    }
  }

  @Nested
  class ClusterOnly {
    private final String prefix = uniquePrefix();
    private final Stores stores = connect(prefix);
    private final MappingStore store = stores.mappings();
    private final TopologyStore topology = stores.topology();

    @AfterEach
    void closeAndDelete() {
      stores.close();
      deleteKeys(prefix);
    }

    @Test
    void scan_walksEveryMaster_andFindsEveryMappingOnThem() throws Exception {
      Set<MappingKey> stored = new HashSet<>();
      for (int i = 0; i < 60; i++) {
        MappingKey key = new MappingKey("orders", "order-" + i);
        answer(store.putIfAbsent(key, "p1"));
        stored.add(key);
      }
      for (int port : cluster.ports()) {
        List<?> onNode = (List<?>) ((List<?>) scanNode(port)).get(1);
        assertThat(onNode).as("mappings on the master at port %d", port).isNotEmpty();
      }

      Set<MappingKey> walked = new HashSet<>();
      int pages = 0;
      String cursor = null;
      do {
        ScanPage page = answer(store.scan(cursor, 5));
        page.entries().forEach(e -> walked.add(e.key()));
        cursor = page.nextCursor();
        pages++;
      } while (cursor != null);

      assertThat(walked).isEqualTo(stored);
      assertThat(pages).as("at least one page per master").isGreaterThanOrEqualTo(3);
    }

    @Test
    void scan_cursorOfAStandaloneStore_isRefused() throws Exception {
      String standaloneCursor =
          RedisKeys.encodeCursor(
              new RedisKeys.ScanPosition(RedisKeys.ScanPosition.STANDALONE, "17"));

      assertThatThrownBy(() -> store.scan(standaloneCursor, 10))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cursor: not a scan cursor of this store");
    }

    @Test
    void scripts_flushedFromEveryNode_areSentAgain() throws Exception {
      MappingKey key = new MappingKey("orders", "order-42");
      answer(store.putIfAbsent(key, "p1"));
      answer(topology.compareAndSet(Topology.EMPTY.with(VirtualNamespace.empty("orders"))));
      for (int port : cluster.ports()) {
        Resp.call(port, "SCRIPT", "FLUSH");
      }

      assertThat(answer(store.putIfAbsent(new MappingKey("orders", "order-43"), "p2")))
          .isEqualTo("p2");
      assertThat(answer(store.persist(key))).isTrue();
      Topology v1 = answer(topology.load());
      assertThat(answer(topology.compareAndSet(v1.with(VirtualNamespace.empty("payments")))))
          .isTrue();
    }

    @Test
    void entries_reportTheirTtl_fromWhicheverNodeHoldsThem() throws Exception {
      for (int i = 0; i < 12; i++) {
        MappingKey key = new MappingKey("orders", "order-" + i);
        answer(store.putIfAbsent(key, "p1"));
        answer(store.expire(key, Duration.ofMinutes(i + 1)));
      }

      List<Entry> entries = new ArrayList<>();
      String cursor = null;
      do {
        ScanPage page = answer(store.scan(cursor, 100));
        entries.addAll(page.entries());
        cursor = page.nextCursor();
      } while (cursor != null);

      assertThat(entries).hasSize(12);
      for (Entry e : entries) {
        int minutes = Integer.parseInt(e.key().workflowId().substring("order-".length())) + 1;
        assertThat(e.ttlMillis())
            .as("ttl of %s", e.key())
            .isBetween(
                Duration.ofMinutes(minutes).minusSeconds(30).toMillis(),
                Duration.ofMinutes(minutes).toMillis());
      }
    }

    private Object scanNode(int port) {
      return Resp.call(port, "SCAN", "0", "MATCH", prefix + "*", "COUNT", "10000");
    }
  }
}
