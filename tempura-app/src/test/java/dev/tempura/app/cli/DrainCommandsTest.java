package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tempura namespace drain} and {@code delete}, which need a running proxy, against a whole
 * Tempura on free loopback ports. The physical namespace's cluster is a closed port: with no
 * workflows mapped there, neither the drain report nor the delete has to reach it.
 */
class DrainCommandsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  private TempuraServer server;
  private String url;
  private String cluster;

  @BeforeEach
  void start() throws IOException {
    server = TempuraServer.start(ServeSettings.loopback(dataDir));
    url = "http://127.0.0.1:" + server.adminPort();
    try (ServerSocket s = new ServerSocket(0)) {
      cluster = "127.0.0.1:" + s.getLocalPort();
    }
    assertThat(CliRun.namespace(url, "create", "orders").exitCode()).isZero();
    assertThat(CliRun.namespace(url, "add", "orders", "orders-a", cluster).exitCode()).isZero();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void get_onAServer_showsLiveHealth() {
    CliRun get = CliRun.namespace(url, "get", "orders");

    assertThat(get.exitCode()).isZero();
    // "unknown" until the first health check answers
    assertThat(get.out())
        .containsPattern("orders-a\\s+" + cluster + "\\s+active\\s+1\\s+(unknown|\\S*healthy)");
  }

  @Test
  void delete_activeWithoutForce_exits1WithThe409Message() {
    CliRun delete = CliRun.namespace(url, "delete", "orders", "orders-a");

    assertThat(delete.exitCode()).isEqualTo(1);
    assertThat(delete.out()).isEmpty();
    assertThat(delete.err())
        .isEqualTo(
            "Physical namespace 'orders-a' is active: cordon it and let it drain first, or pass"
                + " --force\n");
    assertThat(CliRun.namespace(url, "get", "orders").out()).contains("orders-a");
  }

  @Test
  void cordonDrainDelete_showsNothingOpen_thenRemovesIt() throws Exception {
    CliRun cordon = CliRun.namespace(url, "cordon", "orders", "orders-a");
    CliRun drain = CliRun.namespace(url, "drain", "orders", "orders-a");
    CliRun drainJson =
        CliRun.namespace(
            url, "drain", "orders", "orders-a", "--cluster-address", cluster, "--json");
    CliRun delete = CliRun.namespace(url, "delete", "orders", "orders-a");
    CliRun get = CliRun.namespace(url, "get", "orders");

    assertThat(cordon.exitCode()).isZero();
    assertThat(drain.exitCode()).isZero();
    assertThat(drain.out().lines())
        .contains(
            "virtual namespace   orders",
            "physical namespace  orders-a",
            "cluster address     " + cluster,
            "status              cordoned",
            "open workflows      0",
            "removable           yes");
    JsonNode report = JSON.readTree(drainJson.out());
    assertThat(report.path("open_workflows").asLong()).isZero();
    assertThat(report.path("removable").asBoolean()).isTrue();
    assertThat(delete.exitCode()).isZero();
    assertThat(delete.out())
        .isEqualTo("Physical namespace 'orders-a' removed from virtual namespace 'orders'\n");
    assertThat(get.out()).contains("(no physical namespaces)").doesNotContain("orders-a");
  }

  @Test
  void delete_force_removesAnActiveOne() throws Exception {
    CliRun delete = CliRun.namespace(url, "delete", "orders", "orders-a", "--force", "--json");

    assertThat(delete.exitCode()).isZero();
    assertThat(JSON.readTree(delete.out()).path("ok").asBoolean()).isTrue();
  }

  @Test
  void drain_unknownPhysical_exits1() {
    CliRun drain = CliRun.namespace(url, "drain", "orders", "ghost");

    assertThat(drain.exitCode()).isEqualTo(1);
    assertThat(drain.err())
        .isEqualTo("Physical namespace 'ghost' not found in virtual namespace 'orders'\n");
  }
}
