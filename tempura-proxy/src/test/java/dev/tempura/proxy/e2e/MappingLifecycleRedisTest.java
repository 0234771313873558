package dev.tempura.proxy.e2e;

import org.junit.jupiter.api.AfterEach;

/** {@link MappingLifecycleTest} on a standalone Redis. */
class MappingLifecycleRedisTest extends MappingLifecycleTest {
  private final String prefix = RedisStores.uniquePrefix();

  @Override
  ProxyFixture.StoreFactory stores() {
    return RedisStores.standalone(prefix);
  }

  @AfterEach
  void cleanUp() {
    RedisStores.deleteKeys(prefix);
  }
}
