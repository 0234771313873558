package dev.tempura.proxy.e2e;

import dev.tempura.store.Stores;
import dev.tempura.store.redis.RedisStoreOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.UUID;

/** Redis-backed stores for end-to-end tests: the machine's Redis, with a key prefix per test. */
final class RedisStores {
  static final String LOCAL = "redis://127.0.0.1:6379";

  private RedisStores() {}

  static String uniquePrefix() {
    return "tempura-test:" + UUID.randomUUID() + ":";
  }

  static ProxyFixture.StoreFactory standalone(String prefix) {
    return at(LOCAL, prefix);
  }

  static ProxyFixture.StoreFactory at(String uri, String prefix) {
    return () -> Stores.redis(RedisStoreOptions.builder(uri).keyPrefix(prefix).build());
  }

  /** Removes what a test wrote to the shared Redis. */
  static void deleteKeys(String prefix) {
    RedisClient client = RedisClient.create(LOCAL);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page =
            c.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
        if (!page.getKeys().isEmpty()) {
          c.sync().del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } finally {
      client.shutdown();
    }
  }
}
