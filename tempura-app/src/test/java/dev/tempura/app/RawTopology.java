package dev.tempura.app;

import java.nio.file.Path;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.StringDataType;

/**
 * Writes a stored topology as it is, past every check: what an older version, a bug or a hand edit
 * may have left in an embedded store. No server may have the store open.
 */
public final class RawTopology {
  private RawTopology() {}

  /** Makes {@code dataDir} an embedded store whose stored topology is {@code json}. */
  public static void write(Path dataDir, String json) {
    dev.tempura.store.Stores.embedded(dataDir).close();
    try (MVStore store =
        new MVStore.Builder().fileName(dataDir.resolve("tempura.mv").toString()).open()) {
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
