package dev.tempura.proxy.e2e;

import dev.tempura.store.redis.RedisClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MappingLifecycleTest} on a 3-master Redis Cluster. */
class MappingLifecycleRedisClusterTest extends MappingLifecycleTest {
  private static RedisClusterFixture cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisClusterFixture.start();
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @Override
  ProxyFixture.StoreFactory stores() {
    return RedisStores.at(cluster.uri(), RedisStores.uniquePrefix());
  }
}
