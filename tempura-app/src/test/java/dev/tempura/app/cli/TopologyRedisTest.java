package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import dev.tempura.store.redis.RedisServerFixture;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tempura topology} offline on a Redis store ({@code --store URI}): a redis-server of its
 * own.
 */
class TopologyRedisTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DOCUMENT =
      "{\"virtual_namespaces\": [{\"name\": \"orders\", \"physical_namespaces\": ["
          + "{\"name\": \"orders-a\", \"cluster_address\": \"127.0.0.1:1\", \"weight\": 2}]}]}";

  @TempDir Path dataDir;
  @TempDir Path files;
  private RedisServerFixture redis;

  @BeforeEach
  void startRedis() {
    redis = RedisServerFixture.start();
  }

  @AfterEach
  void stopRedis() {
    redis.close();
  }

  @Test
  void applyExportAndRepair_onTheSharedStore() throws Exception {
    Path file = files.resolve("topology.json");
    Files.writeString(file, DOCUMENT);

    CliRun apply =
        CliRun.tempura("topology", "apply", "-f", file.toString(), "--store", redis.uri());
    CliRun export = CliRun.tempura("topology", "export", "-o", "json", "--store", redis.uri());
    overwriteStoredJson("{\"version\": 1}");
    CliRun unreadable = CliRun.tempura("topology", "export", "--store", redis.uri());
    ServeSettings onRedis = ServeSettings.loopback(dataDir).withStore(redis.uri());
    CliRun refused =
        CliRun.tempura("topology", "apply", "-f", file.toString(), "--store", redis.uri());
    CliRun repair =
        CliRun.tempura(
            "topology", "apply", "-f", file.toString(), "--store", redis.uri(), "--force");

    assertThat(apply.exitCode()).as(apply.err()).isZero();
    assertThat(apply.out()).endsWith("Applied 2 changes: topology version 1\n");
    JsonNode exported = JSON.readTree(export.out());
    assertThat(exported.path("topology_version").asLong()).isEqualTo(1);
    assertThat(
            exported
                .path("virtual_namespaces")
                .get(0)
                .path("physical_namespaces")
                .get(0)
                .path("weight")
                .asInt())
        .isEqualTo(2);
    assertThat(unreadable.exitCode()).isEqualTo(1);
    assertThat(unreadable.err())
        .contains("missing field virtualNamespaces")
        .endsWith("; repair it with: tempura topology apply -f FILE --store URI --force\n");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err()).contains("--force overwrites it");
    assertThat(repair.exitCode()).as(repair.err()).isZero();
    assertThat(repair.out())
        .endsWith("Overwrote the unreadable stored topology with 2 changes: topology version 2\n");
    try (TempuraServer server = TempuraServer.start(onRedis)) {
      CliRun served =
          CliRun.tempura(
              "topology", "export", "-o", "json", "--admin", "127.0.0.1:" + server.adminPort());
      JsonNode document = JSON.readTree(served.out());
      assertThat(document.path("topology_version").asLong()).isEqualTo(2);
      assertThat(document.path("virtual_namespaces"))
          .isEqualTo(exported.path("virtual_namespaces"));
    }
  }

  @Test
  void unreadableRedisTopology_stopsTheServerNamingTheRepair() {
    overwriteStoredJson("not json");

    assertThatThrownBy(
            () ->
                TempuraServer.start(ServeSettings.loopback(dataDir).withStore(redis.uri())).close())
        .hasMessageContaining("stored topology is not JSON")
        .hasMessageContaining(
            "repair it offline with 'tempura topology apply -f FILE --store URI --force'");
  }

  @Test
  void unreachableStore_exits3() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }

    CliRun export = CliRun.tempura("topology", "export", "--store", "redis://127.0.0.1:" + closed);

    assertThat(export.exitCode()).isEqualTo(3);
    assertThat(export.err()).startsWith("Redis is unavailable at ");
  }

  /** Writes the stored topology's JSON as it is, leaving its version field alone. */
  private void overwriteStoredJson(String json) {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().hset("tempura:topology", "json", json);
    } finally {
      client.shutdown();
    }
  }
}
