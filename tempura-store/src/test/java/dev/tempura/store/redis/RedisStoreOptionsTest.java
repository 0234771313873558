package dev.tempura.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.redis.RedisEndpoint.HostAndPort;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisStoreOptionsTest {

  @Test
  void defaults_areTheDocumentedOnes() {
    RedisStoreOptions options = RedisStoreOptions.builder("redis://localhost").build();

    assertThat(options.keyPrefix()).isEqualTo("tempura:");
    assertThat(options.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.topologyPollInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.isCluster()).isFalse();
    assertThat(options.endpoint().hosts()).containsExactly(new HostAndPort("localhost", 6379));
  }

  @Test
  void standaloneUri_withPortDatabaseAndPassword() {
    RedisEndpoint endpoint =
        RedisStoreOptions.builder("redis://:s3cret@redis.internal:6380/4").build().endpoint();

    assertThat(endpoint.cluster()).isFalse();
    assertThat(endpoint.tls()).isFalse();
    assertThat(endpoint.database()).isEqualTo(4);
    assertThat(endpoint.hosts()).containsExactly(new HostAndPort("redis.internal", 6380));
    RedisURI uri = endpoint.redisUris(Duration.ofMillis(1500)).get(0);
    assertThat(uri.getHost()).isEqualTo("redis.internal");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isEqualTo(4);
    RedisCredentials credentials = credentials(uri);
    assertThat(credentials.getPassword()).isEqualTo("s3cret".toCharArray());
    assertThat(credentials.hasUsername()).isFalse();
    assertThat(uri.getTimeout()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void tlsUri_withUserAndPercentEncodedPassword() {
    RedisEndpoint endpoint =
        RedisStoreOptions.builder("rediss://tempura:p%40ss%3Aw+rd@redis.internal")
            .build()
            .endpoint();

    RedisURI uri = endpoint.redisUris(Duration.ofSeconds(2)).get(0);
    assertThat(uri.isSsl()).isTrue();
    assertThat(credentials(uri).getUsername()).isEqualTo("tempura");
    assertThat(credentials(uri).getPassword()).isEqualTo("p@ss:w+rd".toCharArray());
  }

  @Test
  void clusterUri_listsEverySeed() {
    RedisStoreOptions options =
        RedisStoreOptions.builder("redis-cluster://10.0.0.1:7000,10.0.0.2,[::1]:7002").build();

    assertThat(options.isCluster()).isTrue();
    assertThat(options.endpoint().hosts())
        .containsExactly(
            new HostAndPort("10.0.0.1", 7000),
            new HostAndPort("10.0.0.2", 6379),
            new HostAndPort("::1", 7002));
    List<RedisURI> uris = options.endpoint().redisUris(Duration.ofSeconds(2));
    assertThat(uris).extracting(RedisURI::getPort).containsExactly(7000, 6379, 7002);
  }

  @Test
  void tlsClusterUri_isClusterAndTls() {
    RedisEndpoint endpoint =
        RedisStoreOptions.builder("rediss-cluster://:pw@a:7000,b:7001").build().endpoint();

    assertThat(endpoint.cluster()).isTrue();
    assertThat(endpoint.redisUris(Duration.ofSeconds(2)))
        .allSatisfy(
            uri -> {
              assertThat(uri.isSsl()).isTrue();
              assertThat(credentials(uri).getPassword()).isEqualTo("pw".toCharArray());
            });
  }

  @Test
  void toString_leavesThePasswordOut() {
    RedisStoreOptions options =
        RedisStoreOptions.builder("rediss-cluster://admin:hunter2@a:7000,b:7001").build();

    assertThat(options.toString())
        .contains("rediss-cluster://admin:***@a:7000,b:7001")
        .doesNotContain("hunter2");
    assertThat(options.uri()).isEqualTo("rediss-cluster://admin:hunter2@a:7000,b:7001");
  }

  @Test
  void malformedUris_areRefusedWithTheReason() {
    assertRefused("localhost:6379", "uri: missing scheme");
    assertRefused(
        "http://localhost",
        "uri: unsupported scheme 'http' (expected: redis, rediss, redis-cluster or rediss-cluster)");
    assertRefused(
        "redis://a:1,b:2", "uri: several hosts need the redis-cluster scheme (got 2 for redis)");
    assertRefused("redis://localhost:port", "uri: port 'port' of host 'localhost' is not a number");
    assertRefused("redis://localhost:0", "uri: port 0 of host 'localhost' (expected: 1 to 65535)");
    assertRefused("redis://", "uri: empty host");
    assertRefused("redis-cluster://a:1,,b:2", "uri: empty host");
    assertRefused("redis://localhost/x", "uri: database 'x' is not a number");
    assertRefused("redis-cluster://a:1/2", "uri: Redis Cluster has database 0 only (got 2)");
    assertRefused(
        "redis://localhost?timeout=5s",
        "uri: query parameters are not supported; use the store options");
    assertRefused("redis://user:@localhost", "uri: empty password");
  }

  @Test
  void refusedUri_neverRepeatsThePassword() {
    assertThatThrownBy(() -> RedisStoreOptions.builder("redis://:hunter2@localhost:port"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .doesNotContain("hunter2");
  }

  @Test
  void nonPositiveDurations_areRefused() {
    RedisStoreOptions.Builder builder = RedisStoreOptions.builder("redis://localhost");

    assertThatThrownBy(() -> builder.commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("commandTimeout: PT0S (expected: > 0)");
    assertThatThrownBy(() -> builder.topologyPollInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("topologyPollInterval: PT-1S (expected: > 0)");
  }

  @Test
  void builtOptions_doNotChangeWithTheBuilder() {
    RedisStoreOptions.Builder builder =
        RedisStoreOptions.builder("redis://localhost").keyPrefix("a:");
    RedisStoreOptions built = builder.build();

    builder.keyPrefix("b:").commandTimeout(Duration.ofSeconds(9));

    assertThat(built.keyPrefix()).isEqualTo("a:");
    assertThat(built.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  private static RedisCredentials credentials(RedisURI uri) {
    return uri.getCredentialsProvider().resolveCredentials().block(Duration.ofSeconds(1));
  }

  private static void assertRefused(String uri, String message) {
    assertThatThrownBy(() -> RedisStoreOptions.builder(uri))
        .as(uri)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }
}
