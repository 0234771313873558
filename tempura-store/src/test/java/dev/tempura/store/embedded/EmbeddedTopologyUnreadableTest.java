package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.MappingKey;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.StringDataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A stored topology that cannot be read: the store opens all the same, so it can be repaired. */
@Timeout(30)
class EmbeddedTopologyUnreadableTest {
  @TempDir Path dir;

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void unreadableTopology_storeOpens_loadFails_versionIsKnown_andTheNextVersionRepairsIt()
      throws Exception {
    MappingKey key = new MappingKey("orders", "order-42");
    try (Stores stores = Stores.embedded(dir)) {
      answer(stores.mappings().putIfAbsent(key, "p1"));
    }
    // version 3, but no virtual namespaces: not a topology
    try (MVStore file =
        new MVStore.Builder().fileName(dir.resolve(EmbeddedFile.FILE_NAME).toString()).open()) {
      MVMap<String, String> meta =
          file.openMap(
              "meta",
              new MVMap.Builder<String, String>()
                  .keyType(StringDataType.INSTANCE)
                  .valueType(StringDataType.INSTANCE));
      meta.put("topology", "{\"version\":3}");
      file.commit();
    }

    try (Stores stores = Stores.embedded(dir)) {
      TopologyStore topology = stores.topology();
      assertThatThrownBy(() -> answer(topology.load()))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("stored topology")
          .hasMessageContaining("repair it offline");
      assertThat(answer(topology.storedVersion())).isEqualTo(3L);
      assertThat(answer(stores.mappings().get(key))).as("mappings still served").isEqualTo("p1");

      Topology repaired = new Topology(4, Map.of("orders", VirtualNamespace.empty("orders")));
      assertThat(answer(topology.compareAndSet(repaired))).isTrue();
      assertThat(answer(topology.load())).isEqualTo(repaired);
    }
  }
}
