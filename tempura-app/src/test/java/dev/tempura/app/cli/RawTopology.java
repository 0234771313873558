package dev.tempura.app.cli;

import dev.tempura.store.embedded.EmbeddedStore;
import java.nio.file.Path;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.StringDataType;

/**
 * Writes a stored topology as it is, past every check: what an older version, a bug or a hand
 * edit may have left in an embedded store. No server may have the store open.
 */
final class RawTopology {
  private RawTopology() {}

  /** Makes {@code dataDir} an embedded store whose stored topology is {@code json}. */
  static void write(Path dataDir, String json) {
    EmbeddedStore.open(dataDir).close();
    try (MVStore store = new MVStore.Builder().fileName(dataDir.resolve("tempura.mv").toString()).open()) {
      MVMap<String, String> meta =
          store.openMap(
              "meta",
              new MVMap.Builder<String, String>()
                  .keyType(StringDataType.INSTANCE)
                  .valueType(StringDataType.INSTANCE));
      meta.put("topology", json);
      store.commit();
    }
  }
}
