package dev.tempura.store.embedded;

import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStoreContract;
import dev.tempura.store.ProgressStore;
import dev.tempura.store.ProgressStoreContract;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.TopologyStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contracts on an in-memory embedded store (commits every batch) and on a file store
 * (redo log, periodic commits), both with the system clock. The topology's stores are closed here;
 * the mappings' are closed by the contract, as closing the mappings closes their stores.
 */
class EmbeddedStoreContractTest {

  @Nested
  class Mappings extends MappingStoreContract {
    @Override
    protected MappingStore openStore() {
      // closing the mappings, as the contract does, closes the stores
      return Stores.inMemory().mappings();
    }
  }

  @Nested
  class Topologies extends TopologyStoreContract {
    private Stores stores;

    @Override
    protected TopologyStore openStore() {
      stores = Stores.inMemory();
      return stores.topology();
    }

    @AfterEach
    void closeStores() {
      stores.close();
    }
  }

  @Nested
  class FileMappings extends MappingStoreContract {
    @TempDir Path dir;

    @Override
    protected MappingStore openStore() {
      return Stores.embedded(dir).mappings();
    }
  }

  @Nested
  class FileTopologies extends TopologyStoreContract {
    @TempDir Path dir;
    private Stores stores;

    @Override
    protected TopologyStore openStore() {
      stores = Stores.embedded(dir);
      return stores.topology();
    }

    @AfterEach
    void closeStores() {
      stores.close();
    }
  }

  @Nested
  class Progress extends ProgressStoreContract {
    private Stores stores;

    @Override
    protected ProgressStore openStore() {
      stores = Stores.inMemory();
      return stores.progress();
    }

    @Override
    protected void closeStore() {
      stores.close();
    }
  }

  @Nested
  class FileProgress extends ProgressStoreContract {
    @TempDir Path dir;
    private Stores stores;

    @Override
    protected ProgressStore openStore() {
      stores = Stores.embedded(dir);
      return stores.progress();
    }

    @Override
    protected void closeStore() {
      stores.close();
    }

    @org.junit.jupiter.api.Test
    void aRecordSurvivesAReopen() throws Exception {
      store.compareAndSet("job", null, "page 3").get();
      stores.close();
      stores = Stores.embedded(dir);
      org.assertj.core.api.Assertions.assertThat(stores.progress().get("job").get())
          .isEqualTo("page 3");
    }
  }
}
