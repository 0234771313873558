package dev.tempura.proxy.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link MappingLifecycleTest} on the embedded store. */
class MappingLifecycleEmbeddedTest extends MappingLifecycleTest {
  @TempDir Path dir;

  @Override
  ProxyFixture.StoreFactory stores() {
    return () -> dev.tempura.store.Stores.embedded(dir);
  }
}
