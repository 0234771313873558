package dev.tempura.store.embedded;

import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStoreContract;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.TopologyStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contracts on an in-memory embedded store (commits every batch) and on a file store
 * (redo log, periodic commits), both with the system clock.
 */
class EmbeddedStoreContractTest {

  @Nested
  class Mappings extends MappingStoreContract {
    @Override
    protected MappingStore openStore() {
      return EmbeddedStore.inMemory();
    }
  }

  @Nested
  class Topologies extends TopologyStoreContract {
    @Override
    protected TopologyStore openStore() {
      return EmbeddedStore.inMemory();
    }
  }

  @Nested
  class FileMappings extends MappingStoreContract {
    @TempDir Path dir;

    @Override
    protected MappingStore openStore() {
      return EmbeddedStore.open(dir);
    }
  }

  @Nested
  class FileTopologies extends TopologyStoreContract {
    @TempDir Path dir;

    @Override
    protected TopologyStore openStore() {
      return EmbeddedStore.open(dir);
    }
  }
}
