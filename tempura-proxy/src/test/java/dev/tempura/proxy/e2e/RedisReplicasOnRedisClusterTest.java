package dev.tempura.proxy.e2e;

import dev.tempura.store.redis.RedisClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link RedisReplicasTest} on a 3-master Redis Cluster. */
class RedisReplicasOnRedisClusterTest extends RedisReplicasTest {
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
  ProxyFixture.StoreFactory stores(String prefix) {
    return RedisStores.at(cluster.uri(), prefix);
  }
}
