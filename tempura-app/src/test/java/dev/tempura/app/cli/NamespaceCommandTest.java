package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.tempura.admin.AdminOptions;
import dev.tempura.admin.AdminServer;
import dev.tempura.store.Stores;
import dev.tempura.topology.TopologyService;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tempura namespace ...} against a real admin API over an embedded store. */
class NamespaceCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;
  private Stores stores;
  private TopologyService topology;
  private AdminServer admin;
  private String url;

  @BeforeEach
  void startAdmin() throws IOException {
    stores = Stores.embedded(dataDir);
    topology = TopologyService.load(stores.topology());
    admin = AdminServer.start(AdminOptions.builder().port(0).build(), topology, java.util.Map.of());
    url = "http://127.0.0.1:" + admin.port();
  }

  @AfterEach
  void stopAdmin() throws Exception {
    admin.close();
    topology.close();
    stores.close();
  }

  @Test
  void createAddGet_printTheApiLinesAndATable() {
    CliRun create = CliRun.namespace(url, "create", "orders");
    CliRun add =
        CliRun.namespace(url, "add", "orders", "orders-a", "cluster-a:7233", "--weight", "3");
    CliRun get = CliRun.namespace(url, "get", "orders");

    assertThat(create.exitCode()).isZero();
    assertThat(create.out()).isEqualTo("Virtual namespace 'orders' created successfully\n");
    assertThat(add.exitCode()).isZero();
    assertThat(add.out())
        .isEqualTo("Physical namespace 'orders-a' added to virtual namespace 'orders'\n");
    assertThat(get.exitCode()).isZero();
    assertThat(get.err()).isEmpty();
    assertThat(get.out().lines())
        .containsSubsequence(
            "virtual namespace  orders",
            "placement          rendezvous, no affinity",
            "",
            "PHYSICAL  CLUSTER         STATUS  WEIGHT  HEALTH  START P95",
            "orders-a  cluster-a:7233  active  3       -       -");
  }

  @Test
  void list_json_printsTheApisJson() throws Exception {
    CliRun.namespace(url, "create", "orders");
    CliRun.namespace(url, "add", "orders", "orders-a", "cluster-a:7233");
    CliRun.namespace(url, "create", "billing");

    CliRun list = CliRun.namespace(url, "list", "--json");

    assertThat(list.exitCode()).isZero();
    JsonNode all = JSON.readTree(list.out()).path("virtual_namespaces");
    assertThat(all)
        .extracting(v -> v.path("name").asText())
        .containsExactlyInAnyOrder("orders", "billing");
    assertThat(list.out()).contains("\"cluster_address\":\"cluster-a:7233\"");
  }

  @Test
  void list_table_showsEveryVirtualNamespace() {
    CliRun.namespace(url, "create", "orders");
    CliRun.namespace(url, "add", "orders", "orders-a", "cluster-a:7233");
    CliRun.namespace(url, "create", "billing");

    CliRun list = CliRun.namespace(url, "list");

    assertThat(list.exitCode()).isZero();
    assertThat(list.out())
        .contains("virtual namespace  orders")
        .contains("virtual namespace  billing")
        .contains("(no physical namespaces)")
        .contains("orders-a  cluster-a:7233  active");
  }

  @Test
  void list_empty_saysHowToStart() {
    CliRun list = CliRun.namespace(url, "list");

    assertThat(list.exitCode()).isZero();
    assertThat(list.out()).contains("No virtual namespaces");
  }

  @Test
  void writes_json_printOkAndTheMessage() throws Exception {
    CliRun create = CliRun.namespace(url, "create", "orders", "--json");

    assertThat(create.exitCode()).isZero();
    JsonNode answer = JSON.readTree(create.out());
    assertThat(answer.path("ok").asBoolean()).isTrue();
    assertThat(answer.path("message").asText())
        .isEqualTo("Virtual namespace 'orders' created successfully");
  }

  @Test
  void remove_cordons_andUncordonWeightRestore() {
    CliRun.namespace(url, "create", "orders");
    CliRun.namespace(url, "add", "orders", "orders-a", "cluster-a:7233");

    CliRun remove = CliRun.namespace(url, "remove", "orders", "orders-a");
    String afterRemove = CliRun.namespace(url, "get", "orders").out();
    CliRun uncordon =
        CliRun.namespace(
            url, "uncordon", "orders", "orders-a", "--cluster-address", "cluster-a:7233");
    CliRun weight = CliRun.namespace(url, "weight", "orders", "orders-a", "7");
    String afterWeight = CliRun.namespace(url, "get", "orders").out();
    CliRun cordon = CliRun.namespace(url, "cordon", "orders", "orders-a");

    assertThat(remove.exitCode()).isZero();
    assertThat(remove.out())
        .startsWith("Physical namespace 'orders-a' cordoned in virtual namespace 'orders'");
    assertThat(afterRemove).containsPattern("orders-a\\s+cluster-a:7233\\s+cordoned\\s+1");
    assertThat(uncordon.exitCode()).isZero();
    assertThat(weight.exitCode()).isZero();
    assertThat(weight.out())
        .isEqualTo("Physical namespace 'orders-a' in virtual namespace 'orders' has weight 7\n");
    assertThat(afterWeight).containsPattern("orders-a\\s+cluster-a:7233\\s+active\\s+7");
    assertThat(cordon.exitCode()).isZero();
    assertThat(topology.virtualNamespace("orders").orElseThrow().findByName("orders-a"))
        .singleElement()
        .satisfies(p -> assertThat(p.isActive()).isFalse());
  }

  @Test
  void placement_setsPolicyAndAffinity_andShowsThem() throws Exception {
    CliRun.namespace(url, "create", "orders");

    CliRun set =
        CliRun.namespace(
            url, "placement", "orders", "--policy", "adaptive", "--affinity-prefix", "-");
    CliRun shown = CliRun.namespace(url, "placement", "orders");
    CliRun get = CliRun.namespace(url, "get", "orders");
    CliRun cleared = CliRun.namespace(url, "placement", "orders", "--no-affinity");
    CliRun shownJson = CliRun.namespace(url, "placement", "orders", "--json");

    assertThat(set.exitCode()).isZero();
    assertThat(set.out())
        .isEqualTo(
            "Virtual namespace 'orders' places new workflows by adaptive, grouped by prefix '-'\n");
    assertThat(shown.out()).isEqualTo("adaptive, affinity prefix '-'\n");
    assertThat(get.out()).contains("placement          adaptive, affinity prefix '-'");
    assertThat(cleared.out())
        .isEqualTo("Virtual namespace 'orders' places new workflows by adaptive\n");
    assertThat(JSON.readTree(shownJson.out()))
        .isEqualTo(JSON.readTree("{\"policy\":\"adaptive\",\"affinity\":null}"));
    assertThat(topology.virtualNamespace("orders").orElseThrow().placement().policy())
        .isEqualTo("adaptive");
  }

  @Test
  void placement_badPolicy_exits1WithTheApisMessage() {
    CliRun.namespace(url, "create", "orders");

    CliRun bad = CliRun.namespace(url, "placement", "orders", "--policy", "fastest");

    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.out()).isEmpty();
    assertThat(bad.err())
        .isEqualTo("policy: fastest (expected: one of rendezvous, round-robin, adaptive)\n");
  }

  @Test
  void apiRefusals_exit1WithTheApisMessage() {
    CliRun.namespace(url, "create", "orders");

    CliRun duplicate = CliRun.namespace(url, "create", "orders");
    CliRun missing = CliRun.namespace(url, "get", "nope");
    CliRun unknownPhysical = CliRun.namespace(url, "cordon", "orders", "ghost");

    assertThat(duplicate.exitCode()).isEqualTo(1);
    assertThat(duplicate.err()).contains("orders").contains("exists");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).isEqualTo("Virtual namespace 'nope' not found\n");
    assertThat(unknownPhysical.exitCode()).isEqualTo(1);
    assertThat(unknownPhysical.err()).contains("ghost");
  }

  @Test
  void usageErrors_exit2() {
    assertThat(CliRun.namespace(url, "weight", "orders", "orders-a", "many").exitCode())
        .isEqualTo(2);
    assertThat(
            CliRun.namespace(url, "placement", "orders", "--affinity-prefix", "-", "--no-affinity")
                .exitCode())
        .isEqualTo(2);
    assertThat(CliRun.namespace(url, "add", "orders", "orders-a").exitCode()).isEqualTo(2);
    assertThat(CliRun.tempura("namespace").exitCode()).isEqualTo(2);
    CliRun badUrl = CliRun.namespace("ftp://example.com", "list");
    assertThat(badUrl.exitCode()).isEqualTo(2);
    assertThat(badUrl.err()).contains("--admin: 'ftp://example.com' is not an admin API URL");
  }

  @Test
  void unreachableAdmin_exits3NamingTheUrl() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }

    CliRun list = CliRun.namespace("http://127.0.0.1:" + closedPort, "list");

    assertThat(list.exitCode()).isEqualTo(3);
    assertThat(list.out()).isEmpty();
    assertThat(list.err())
        .startsWith("cannot reach the admin API at http://127.0.0.1:" + closedPort + ": ");
  }

  @Test
  void adminOptions_mayComeBeforeTheSubcommand_andAHostPortIsEnough() {
    CliRun create =
        CliRun.tempura(
            "namespace", "--admin", "127.0.0.1:" + admin.port() + "/", "create", "orders");

    assertThat(create.exitCode()).isZero();
    assertThat(topology.virtualNamespace("orders")).isPresent();
  }

  @Test
  void token_isSentAsBearer_andLiveDetailsFillTheTable() throws IOException {
    String list =
        "{\"virtual_namespaces\":[{\"name\":\"orders\",\"physical_namespaces\":["
            + "{\"name\":\"orders-a\",\"cluster_address\":\"a:7233\",\"status\":\"active\","
            + "\"weight\":1,\"health\":\"healthy\",\"start_latency_p95_ms\":12.5},"
            + "{\"name\":\"orders-b\",\"cluster_address\":\"b:7233\",\"status\":\"active\","
            + "\"weight\":2,\"health\":\"unhealthy: ejected after errors\"}],"
            + "\"placement\":{\"policy\":\"rendezvous\"}}]}\n";
    List<String> authorizations = new CopyOnWriteArrayList<>();
    HttpServer fake = fakeAdmin(200, list, authorizations);
    try {
      String fakeUrl = "http://127.0.0.1:" + fake.getAddress().getPort();

      CliRun withToken = CliRun.namespace(fakeUrl, "list", "--token", "s3cret");
      CliRun withoutToken = CliRun.namespace(fakeUrl, "list");

      assertThat(withToken.exitCode()).isZero();
      assertThat(withToken.out().lines())
          .containsSubsequence(
              "PHYSICAL  CLUSTER  STATUS  WEIGHT  HEALTH                           START P95",
              "orders-a  a:7233   active  1       healthy                          12.5 ms",
              "orders-b  b:7233   active  2       unhealthy: ejected after errors  -");
      assertThat(authorizations.get(0)).isEqualTo("Bearer s3cret");
      assertThat(withoutToken.exitCode()).isZero();
      assertThat(authorizations.get(1)).isEqualTo("null");
    } finally {
      fake.stop(0);
    }
  }

  @Test
  void unauthorized_exits1WithTheMessageAndAHint() throws IOException {
    HttpServer fake = fakeAdmin(401, "missing bearer token\n", new CopyOnWriteArrayList<>());
    try {
      CliRun list = CliRun.namespace("http://127.0.0.1:" + fake.getAddress().getPort(), "list");

      assertThat(list.exitCode()).isEqualTo(1);
      assertThat(list.err())
          .isEqualTo("missing bearer token (pass --token or set TEMPURA_ADMIN_TOKEN)\n");
    } finally {
      fake.stop(0);
    }
  }

  /** An admin API that answers every request with {@code status} and {@code body}. */
  private static HttpServer fakeAdmin(int status, String body, List<String> authorizations)
      throws IOException {
    HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    fake.createContext(
        "/",
        exchange -> {
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange
              .getResponseHeaders()
              .set(
                  "Content-Type", status == 200 ? "application/json" : "text/plain; charset=utf-8");
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
          }
        });
    fake.start();
    return fake;
  }
}
