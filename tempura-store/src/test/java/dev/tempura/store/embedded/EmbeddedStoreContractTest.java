package dev.tempura.store.embedded;

import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStoreContract;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.TopologyStoreContract;
import org.junit.jupiter.api.Nested;

/** The store contracts on an in-memory embedded store with the system clock. */
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
}
