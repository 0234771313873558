package dev.tempura.store.redis;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStoreContract;
import dev.tempura.store.ProgressStore;
import dev.tempura.store.ProgressStoreContract;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyJson;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.TopologyStoreContract;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Redis store on the standalone server every test machine runs at 127.0.0.1:6379. Each test
 * works under a key prefix of its own and deletes its keys afterwards, as the server is shared.
 */
@Timeout(60)
class RedisStandaloneStoreTest {
  static final int PORT = 6379;
  static final String URI = "redis://127.0.0.1:" + PORT;

  static String uniquePrefix() {
    return "tempura-test:" + UUID.randomUUID() + ":";
  }

  static Stores connect(String prefix) {
    return Stores.redis(RedisStoreOptions.builder(URI).keyPrefix(prefix).build());
  }

  static void deleteKeys(String prefix) {
    Resp.deleteMatching(PORT, prefix + "*");
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
      return URI;
    }

    @Override
    void deleteKeys(String prefix) {
      RedisStandaloneStoreTest.deleteKeys(prefix);
    }
  }

  @Nested
  class Layout {
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
    void mapping_isAStringKeyWithTheNamespaceLengthInBytes_andItsTtlIsTheKeys() throws Exception {
      answer(store.putIfAbsent(new MappingKey("orders", "order-42"), "orders-1@a:7233"));
      answer(store.putIfAbsent(new MappingKey("ördérs", "a:b"), "orders-2@b:7233"));
      answer(store.expire(new MappingKey("ördérs", "a:b"), Duration.ofMinutes(5)));

      assertThat(Resp.call(PORT, "GET", prefix + "wf:6:orders:order-42"))
          .isEqualTo("orders-1@a:7233");
      assertThat(Resp.call(PORT, "TTL", prefix + "wf:6:orders:order-42")).isEqualTo(-1L);
      assertThat(Resp.call(PORT, "GET", prefix + "wf:8:ördérs:a:b")).isEqualTo("orders-2@b:7233");
      assertThat((Long) Resp.call(PORT, "TTL", prefix + "wf:8:ördérs:a:b")).isBetween(1L, 300L);
    }

    @Test
    void topology_isAHashOfVersionAndJson_announcedOnAChannelOfTheSameName() throws Exception {
      Topology v1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
      try (Resp subscriber = Resp.connect(PORT)) {
        subscriber.call("SUBSCRIBE", prefix + "topology");

        answer(topology.compareAndSet(v1));

        assertThat(readMessage(subscriber)).containsExactly("message", prefix + "topology", "1");
      }
      assertThat(hash(prefix + "topology"))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("version", "1", "json", TopologyJson.encode(v1)));
    }

    @Test
    void topologyWrittenByHand_isLoaded() throws Exception {
      Topology v1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
      Resp.call(PORT, "HSET", prefix + "topology", "version", "1", "json", TopologyJson.encode(v1));

      assertThat(answer(topology.load())).isEqualTo(v1);
      assertThat(answer(topology.compareAndSet(v1.with(VirtualNamespace.empty("payments")))))
          .isTrue();
    }

    @Test
    void scan_keysUnderThePrefixThatAreNoMappings_areSkipped() throws Exception {
      MappingKey key = new MappingKey("orders", "order-42");
      answer(store.putIfAbsent(key, "p1"));
      Resp.call(PORT, "SET", prefix + "wf:not-a-mapping", "x");
      Resp.call(PORT, "SET", prefix + "wf:99:short:x", "x");
      Resp.call(PORT, "SET", prefix + "other", "x");

      List<MappingStore.Entry> entries = walk(store);

      assertThat(entries).containsExactly(new MappingStore.Entry(key, "p1", -1));
    }

    @Test
    void scan_prefixWithGlobCharacters_matchesOnlyItsOwnKeys() throws Exception {
      String globby = prefix + "[a]*?:";
      try (Stores others = connect(globby)) {
        MappingStore other = others.mappings();
        answer(other.putIfAbsent(new MappingKey("orders", "mine"), "p1"));
        // would match the pattern "<prefix>[a]*?:wf:*" if the glob characters were not escaped
        Resp.call(PORT, "SET", prefix + "a-x:wf:6:orders:not-mine", "p2");

        assertThat(walk(other)).extracting(e -> e.key().workflowId()).containsExactly("mine");
      }
    }

    private List<MappingStore.Entry> walk(MappingStore s) throws Exception {
      List<MappingStore.Entry> all = new ArrayList<>();
      String cursor = null;
      do {
        MappingStore.ScanPage page = answer(s.scan(cursor, 10));
        all.addAll(page.entries());
        cursor = page.nextCursor();
      } while (cursor != null);
      return all;
    }

    private static Map<String, String> hash(String key) {
      List<?> flat = (List<?>) Resp.call(PORT, "HGETALL", key);
      Map<String, String> hash = new HashMap<>();
      for (int i = 0; i < flat.size(); i += 2) {
        hash.put((String) flat.get(i), (String) flat.get(i + 1));
      }
      return hash;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> readMessage(Resp subscriber) throws IOException {
      return (List<Object>) subscriber.readPushed();
    }
  }
}
