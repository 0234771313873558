package dev.tempura.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.topology.TopologyService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every input the issue reproduced the control-plane outage and the tenant crossing with is refused
 * at the admin API with a 400 or 409 naming what is wrong, and nothing is stored.
 */
class AdminValidationTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
  private TopologyService topology;
  private AdminServer server;

  @BeforeEach
  void start() throws Exception {
    topology = TopologyService.load(new InMemoryTopologyStore());
    server = AdminServer.start(AdminOptions.builder().port(0).build(), topology, Map.of());
    assertThat(post("/namespace/virtual/create", "{\"name\": \"alpha\"}").statusCode())
        .isEqualTo(200);
    assertThat(post("/namespace/virtual/create", "{\"name\": \"beta\"}").statusCode())
        .isEqualTo(200);
  }

  @AfterEach
  void stop() {
    server.close();
    topology.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cluster b:7233",
        "h:7233 ",
        "not an address",
        "localhost",
        "localhost:99999",
        "http://evil:80/x",
        "[::1]",
        "a\u001b]0;x:7233",
      })
  void aBadClusterAddress_isABadRequestNamingIt_andNothingIsStored(String address)
      throws Exception {
    long before = topology.current().version();

    HttpResponse<String> reply =
        post("/namespace/physical/add", addBody("alpha", "namespace-a", address));

    assertThat(reply.statusCode()).isEqualTo(400);
    assertThat(reply.body()).startsWith("cluster_address").endsWith("\n");
    assertThat(reply.body().strip()).doesNotContain("\n", "\u001b");
    assertThat(topology.current().version()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u001b]0;pwned\u0007", "vns\nnext", "nul\u0000", "vns ", " vns", "\t"})
  void aBadName_isABadRequestNamingTheField_withTheNameEscaped(String name) throws Exception {
    HttpResponse<String> created =
        post("/namespace/virtual/create", JSON.createObjectNode().put("name", name).toString());
    HttpResponse<String> added = post("/namespace/physical/add", addBody("alpha", name, "a:7233"));

    assertThat(created.statusCode()).isEqualTo(400);
    assertThat(created.body()).startsWith("name: ");
    assertThat(added.statusCode()).isEqualTo(400);
    assertThat(added.body()).startsWith("physical_namespace: ");
    for (HttpResponse<String> reply : new HttpResponse[] {created, added}) {
      assertThat(reply.body().strip()).doesNotContain("\n", "\u001b", "\u0000", "\u0007");
    }
    assertThat(topology.current().virtualNamespaces()).containsOnlyKeys("alpha", "beta");
  }

  @Test
  void aSixtyThousandCharacterName_isABadRequest_withAShortAnswer() throws Exception {
    HttpResponse<String> reply =
        post(
            "/namespace/virtual/create",
            JSON.createObjectNode().put("name", "x".repeat(60_000)).toString());

    assertThat(reply.statusCode()).isEqualTo(400);
    assertThat(reply.body()).contains("longer than 1000 bytes").hasSizeLessThan(300);
  }

  @Test
  void unknownFieldsAndQueryParameters_areRefusedByName_andNotApplied() throws Exception {
    HttpResponse<String> dryRun =
        post("/namespace/physical/add?dry_run=true", addBody("alpha", "namespace-a", "a:7233"));
    HttpResponse<String> extra =
        post(
            "/namespace/physical/add",
            "{\"virtual_namespace\": \"alpha\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"a:7233\", \"wieght\": 3}");
    HttpResponse<String> getExtra = get("/namespace/virtual/get?name=alpha&verbose=1");

    assertThat(dryRun.statusCode()).isEqualTo(400);
    assertThat(dryRun.body())
        .isEqualTo("unknown query parameter 'dry_run' (this endpoint takes none)\n");
    assertThat(extra.statusCode()).isEqualTo(400);
    assertThat(extra.body()).startsWith("unknown field 'wieght' (expected: ");
    assertThat(getExtra.statusCode()).isEqualTo(400);
    assertThat(getExtra.body()).startsWith("unknown query parameter 'verbose'");
    assertThat(topology.current().virtualNamespace("alpha").orElseThrow().physicalNamespaces())
        .isEmpty();
  }

  @Test
  void aPhysicalNamespaceHeldByAnotherVirtualNamespace_isAConflictNamingTheOwner()
      throws Exception {
    assertThat(
            post("/namespace/physical/add", addBody("alpha", "shared", "cluster-a:7233"))
                .statusCode())
        .isEqualTo(200);

    HttpResponse<String> stolen =
        post("/namespace/physical/add", addBody("beta", "shared", "CLUSTER-A:7233"));

    assertThat(stolen.statusCode()).isEqualTo(409);
    assertThat(stolen.body())
        .isEqualTo(
            "Physical namespace 'shared' on CLUSTER-A:7233 already belongs to virtual namespace"
                + " 'alpha'; a physical namespace can serve one virtual namespace only\n");
    assertThat(topology.current().virtualNamespace("beta").orElseThrow().physicalNamespaces())
        .isEmpty();
  }

  @Test
  void reAddingWithANewWeight_isAnUpdate_notAConflict() throws Exception {
    post("/namespace/physical/add", addBody("alpha", "namespace-a", "a:7233"));

    HttpResponse<String> updated =
        post(
            "/namespace/physical/add",
            "{\"virtual_namespace\": \"alpha\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"a:7233\", \"weight\": 4}");

    assertThat(updated.statusCode()).isEqualTo(200);
    assertThat(updated.body())
        .isEqualTo(
            "Physical namespace 'namespace-a' updated in virtual namespace 'alpha' (weight 4)\n");
    assertThat(
            topology
                .current()
                .virtualNamespace("alpha")
                .orElseThrow()
                .physicalNamespaces()
                .get(0)
                .weight())
        .isEqualTo(4);
  }

  @Test
  void aChangeCarryingAStaleTopologyVersion_isAConflict_andTheCurrentVersionApplies()
      throws Exception {
    JsonNode list = JSON.readTree(get("/namespace/virtual/list").body());
    long version = list.get("topology_version").asLong();
    post("/namespace/virtual/create", "{\"name\": \"gamma\"}");

    HttpResponse<String> stale =
        post(
            "/namespace/virtual/create",
            "{\"name\": \"delta\", \"topology_version\": " + version + "}");
    HttpResponse<String> fresh =
        post(
            "/namespace/virtual/create",
            "{\"name\": \"delta\", \"topology_version\": " + (version + 1) + "}");

    assertThat(stale.statusCode()).isEqualTo(409);
    assertThat(stale.body()).contains("version " + (version + 1) + ", not " + version);
    assertThat(fresh.statusCode()).isEqualTo(200);
  }

  @Test
  void export_isTheDeclarativeDocument() throws Exception {
    post("/namespace/physical/add", addBody("alpha", "namespace-a", "a:7233"));

    JsonNode doc = JSON.readTree(get("/topology").body());

    assertThat(doc.get("topology_version").asLong()).isEqualTo(topology.current().version());
    assertThat(
            doc.get("virtual_namespaces")
                .get(0)
                .get("physical_namespaces")
                .get(0)
                .get("cluster_address")
                .asText())
        .isEqualTo("a:7233");
    assertThat(get("/topology?x=1").statusCode()).isEqualTo(400);
  }

  private static String addBody(String virtual, String physical, String address) {
    return JSON.createObjectNode()
        .put("virtual_namespace", virtual)
        .put("physical_namespace", physical)
        .put("cluster_address", address)
        .toString();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(BodyPublishers.ofString(body, UTF_8))
            .build(),
        BodyHandlers.ofString(UTF_8));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(TIMEOUT)
            .GET()
            .build(),
        BodyHandlers.ofString(UTF_8));
  }
}
