package dev.tempura.proxy.e2e;

import dev.tempura.store.redis.RedisClusterFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link ReplicasBehindBalancer}'s main case on a 3-master Redis Cluster: each queue's pool and
 * markers share a hash tag, so every handoff script runs on one node.
 */
class ReplicasBehindBalancerOnRedisClusterTest extends ReplicasBehindBalancer {
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
