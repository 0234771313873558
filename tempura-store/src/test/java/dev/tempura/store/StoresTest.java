package dev.tempura.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Opening both stores from a {@code --store} value, and closing them together. */
@Timeout(30)
class StoresTest {
  private static final MappingKey KEY = new MappingKey("orders", "order-42");
  private static final String REDIS = "redis://127.0.0.1:6379";

  @TempDir Path dataDir;

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void open_embedded_isTheFileStoreInTheDataDir() throws Exception {
    Topology v1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
    try (Stores stores = Stores.open("embedded", dataDir)) {
      assertThat(stores).hasToString("EmbeddedStore[" + dataDir.resolve("tempura.mv") + "]");
      answer(stores.mappings().putIfAbsent(KEY, "p1"));
      answer(stores.topology().compareAndSet(v1));
    }

    try (Stores stores = Stores.embedded(dataDir)) {
      assertThat(answer(stores.mappings().get(KEY))).isEqualTo("p1");
      assertThat(answer(stores.topology().load())).isEqualTo(v1);
    }
  }

  @Test
  void open_redisUri_isTheRedisStoreWithTheDefaultOptions() {
    try (Stores stores = Stores.open(REDIS, null)) {
      assertThat(stores).hasToString("RedisStore[" + REDIS + ", tempura:topology]");
    }
  }

  @Test
  void open_anythingElse_isRefusedBeforeConnecting() {
    assertThatThrownBy(() -> Stores.open("postgres://x", dataDir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unsupported scheme 'postgres'");
    assertThatThrownBy(() -> Stores.open("embedded", null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("dataDir");
  }

  @Test
  void closingTheMappings_closesTheTopologyToo_embedded() throws Exception {
    assertClosedTogether(Stores.embedded(dataDir));
  }

  @Test
  void closingTheMappings_closesTheTopologyToo_redis() throws Exception {
    String prefix = "tempura-test:" + UUID.randomUUID() + ":";
    assertClosedTogether(
        Stores.redis(
            dev.tempura.store.redis.RedisStoreOptions.builder(REDIS).keyPrefix(prefix).build()));
  }

  private static void assertClosedTogether(Stores stores) throws Exception {
    answer(stores.topology().storedVersion());

    stores.mappings().close();

    assertThatThrownBy(() -> answer(stores.topology().load()))
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class)
        .cause()
        .hasMessage("store closed");
    // and closing the stores afterwards is harmless
    stores.close();
    stores.close();
  }
}
