package dev.tempura.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.tempura.store.TopologyStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminServerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String VNS = "my-app-namespace";
  private static final String CREATE_BODY = "{\"name\": \"my-app-namespace\"}";
  // laid out as the scale-out scenario's curl command sends it
  private static final String ADD_A_BODY =
      """
      {
          "virtual_namespace": "my-app-namespace",
          "physical_namespace": "namespace-a",
          "cluster_address": "cluster-a.example.com:7233"
      }""";
  // the scenario's expected output, verbatim
  private static final String CREATED_LINE =
      "Virtual namespace 'my-app-namespace' created successfully\n";
  private static final String ADDED_A_LINE =
      "Physical namespace 'namespace-a' added to virtual namespace 'my-app-namespace'\n";
  private static final String NAMESPACE_A =
      "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\"}";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(TIMEOUT).build();
  private TopologyService topology;
  private AdminServer server;

  @BeforeEach
  void startServer() throws IOException {
    topology = TopologyService.load(new InMemoryTopologyStore());
    server = AdminServer.start(onAnyPort(), topology, Map.of());
  }

  @AfterEach
  void stopServer() {
    server.close();
    topology.close();
  }

  @Test
  void createPrintsTheScenarioLine() throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", CREATE_BODY);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(CREATED_LINE);
    assertThat(reply.contentType()).startsWith("text/plain");
    assertThat(topology.virtualNamespace(VNS)).isPresent();
  }

  @Test
  void addPrintsTheScenarioLine() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply = post(server, "/namespace/physical/add", ADD_A_BODY);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(ADDED_A_LINE);
    assertThat(reply.contentType()).startsWith("text/plain");
  }

  @Test
  void getShowsTheVirtualNamespaceAsJson() throws Exception {
    givenScenarioStepOne();

    Reply reply = get(server, "/namespace/virtual/get?name=my-app-namespace");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/json");
    assertThat(reply.body())
        .isEqualTo(
            "{\"name\":\"my-app-namespace\",\"placement\":{\"policy\":\"rendezvous\",\"affinity\":null},"
                + "\"physical_namespaces\":[{\"name\":\"namespace-a\","
                + "\"cluster_address\":\"cluster-a.example.com:7233\",\"status\":\"active\","
                + "\"weight\":1}],\"topology_version\":2,\"rejected\":[]}\n");
  }

  @Test
  void getDecodesTheNameParameter() throws Exception {
    post(server, "/namespace/virtual/create", "{\"name\": \"a b&c\"}");

    Reply reply = get(server, "/namespace/virtual/get?name=a%20b%26c");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).startsWith("{\"name\":\"a b&c\"");
  }

  @Test
  void listShowsEveryVirtualNamespaceInCreationOrder() throws Exception {
    assertThat(get(server, "/namespace/virtual/list").body())
        .isEqualTo("{\"topology_version\":0,\"virtual_namespaces\":[],\"rejected\":[]}\n");
    givenScenarioStepOne();
    post(server, "/namespace/virtual/create", "{\"name\": \"other\"}");

    Reply reply = get(server, "/namespace/virtual/list");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.contentType()).startsWith("application/json");
    assertThat(reply.body())
        .isEqualTo(
            "{\"topology_version\":3,\"virtual_namespaces\":[{\"name\":\"my-app-namespace\","
                + "\"placement\":{\"policy\":\"rendezvous\",\"affinity\":null},\"physical_namespaces\":"
                + "[{\"name\":\"namespace-a\",\"cluster_address\":\"cluster-a.example.com:7233\","
                + "\"status\":\"active\",\"weight\":1}]},"
                + "{\"name\":\"other\",\"placement\":{\"policy\":\"rendezvous\",\"affinity\":null},"
                + "\"physical_namespaces\":[]}],\"rejected\":[]}\n");
  }

  @Test
  void removeCordonsThePhysicalNamespaceInsteadOfDeletingIt() throws Exception {
    givenScenarioStepOne();

    Reply reply = post(server, "/namespace/physical/remove", NAMESPACE_A);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body())
        .isEqualTo(
            "Physical namespace 'namespace-a' cordoned in virtual namespace 'my-app-namespace': "
                + "it takes no new workflows; existing ones keep running\n");
    assertThat(get(server, "/namespace/virtual/get?name=my-app-namespace").body())
        .contains("\"name\":\"namespace-a\"")
        .contains("\"status\":\"cordoned\"");
    assertThat(statusOf("namespace-a")).isEqualTo(PhysicalNamespaceStatus.CORDONED);
  }

  @Test
  void addingACordonedPhysicalNamespaceReActivatesIt() throws Exception {
    givenScenarioStepOne();
    post(server, "/namespace/physical/remove", NAMESPACE_A);

    Reply reply = post(server, "/namespace/physical/add", ADD_A_BODY);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body())
        .isEqualTo(
            "Physical namespace 'namespace-a' re-activated in virtual namespace "
                + "'my-app-namespace'\n");
    assertThat(statusOf("namespace-a")).isEqualTo(PhysicalNamespaceStatus.ACTIVE);
  }

  @Test
  void cordonAndUncordonToggleWhetherItTakesNewWorkflows() throws Exception {
    givenScenarioStepOne();

    Reply cordon = post(server, "/namespace/physical/cordon", NAMESPACE_A);
    assertThat(cordon.status()).isEqualTo(200);
    assertThat(cordon.body()).startsWith("Physical namespace 'namespace-a' cordoned in");
    assertThat(statusOf("namespace-a")).isEqualTo(PhysicalNamespaceStatus.CORDONED);

    Reply uncordon = post(server, "/namespace/physical/uncordon", NAMESPACE_A);
    assertThat(uncordon.status()).isEqualTo(200);
    assertThat(uncordon.body())
        .isEqualTo(
            "Physical namespace 'namespace-a' uncordoned in virtual namespace 'my-app-namespace': "
                + "it takes new workflows again\n");
    assertThat(statusOf("namespace-a")).isEqualTo(PhysicalNamespaceStatus.ACTIVE);
  }

  @Test
  void aGivenWeightIsStoredAndShown() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply =
        post(
            server,
            "/namespace/physical/add",
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-b\","
                + " \"cluster_address\": \"cluster-b.example.com:7233\", \"weight\": 3}");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(physical("namespace-b").weight()).isEqualTo(3);
    assertThat(get(server, "/namespace/virtual/get?name=my-app-namespace").body())
        .contains("\"weight\":3");
  }

  @Test
  void unknownFieldsAreRefusedByName() throws Exception {
    Reply reply =
        post(server, "/namespace/virtual/create", "{\"name\": \"my-app-namespace\", \"owner\": 7}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body())
        .isEqualTo("unknown field 'owner' (expected: name, topology_version)\n");
    assertThat(topology.virtualNamespace(VNS)).isEmpty();
  }

  @Test
  void cordonNeedsTheClusterWhenTheNameIsOnSeveralClusters() throws Exception {
    givenScenarioStepOne();
    post(
        server,
        "/namespace/physical/add",
        "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
            + " \"cluster_address\": \"cluster-b.example.com:7233\"}");

    Reply ambiguous = post(server, "/namespace/physical/remove", NAMESPACE_A);
    Reply named =
        post(
            server,
            "/namespace/physical/remove",
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"cluster-b.example.com:7233\"}");

    assertThat(ambiguous.status()).isEqualTo(400);
    assertThat(ambiguous.body()).contains("cluster_address").endsWith("\n");
    assertThat(named.status()).isEqualTo(200);
    assertThat(topology.virtualNamespace(VNS).orElseThrow().physicalNamespaces())
        .extracting(p -> p.clusterAddress().toString(), PhysicalNamespace::status)
        .containsExactly(
            tuple("cluster-a.example.com:7233", PhysicalNamespaceStatus.ACTIVE),
            tuple("cluster-b.example.com:7233", PhysicalNamespaceStatus.CORDONED));
  }

  @Test
  void malformedJsonIsABadRequest() throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", "{\"name\": ");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body())
        .isEqualTo("malformed JSON at line 1, column 10; expected one JSON object\n");
    assertOneLine(reply);
  }

  @Test
  void trailingGarbageAfterTheObjectIsABadRequest() throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", CREATE_BODY + " {}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).startsWith("malformed JSON");
    assertOneLine(reply);
  }

  @Test
  void aMissingFieldIsABadRequestNamingTheField() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply =
        post(
            server,
            "/namespace/physical/add",
            "{\"physical_namespace\": \"namespace-a\", \"cluster_address\": \"a:7233\"}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("missing field: virtual_namespace\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "{\"name\": null}", "{\"name\": \"\"}"})
  void anAbsentNullOrEmptyNameIsAMissingField(String body) throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("missing field: name\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "\"my-app-namespace\"", "42", "null", ""})
  void aBodyThatIsNotAJsonObjectIsABadRequest(String body) throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", body);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("request body must be a JSON object\n");
  }

  @Test
  void aNameThatIsNotAStringIsABadRequest() throws Exception {
    Reply reply = post(server, "/namespace/virtual/create", "{\"name\": 42}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("field name: expected a string\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"3\"", "-1", "1.5", "4294967296"})
  void aWeightThatIsNotANonNegativeIntIsABadRequest(String weight) throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply =
        post(
            server,
            "/namespace/physical/add",
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"a:7233\", \"weight\": "
                + weight
                + "}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("field weight: expected an integer >= 0\n");
    assertThat(topology.virtualNamespace(VNS).orElseThrow().physicalNamespaces()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"true\"", "1", "{}"})
  void existingWorkflowsThatIsNotABooleanIsABadRequest(String value) throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply =
        post(
            server,
            "/namespace/physical/add",
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"a:7233\", \"existing_workflows\": "
                + value
                + "}");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("field existing_workflows: expected true or false\n");
    assertThat(topology.virtualNamespace(VNS).orElseThrow().physicalNamespaces()).isEmpty();
  }

  @Test
  void addingWithExistingWorkflowsDeclaresThemAndCanBeDoneOnceLater() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);
    String body =
        "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
            + " \"cluster_address\": \"a:7233\"";

    assertThat(post(server, "/namespace/physical/add", body + "}").status()).isEqualTo(200);
    assertThat(
            topology
                .virtualNamespace(VNS)
                .orElseThrow()
                .physicalNamespaces()
                .get(0)
                .existingWorkflows())
        .isFalse();
    Reply declared =
        post(server, "/namespace/physical/add", body + ", \"existing_workflows\": true}");
    assertThat(declared.status()).isEqualTo(200);
    assertThat(declared.body()).contains("importing its existing workflows");
    assertThat(
            topology
                .virtualNamespace(VNS)
                .orElseThrow()
                .physicalNamespaces()
                .get(0)
                .existingWorkflows())
        .isTrue();
    // declared already: the same request again is a duplicate, and false does not withdraw it
    assertThat(
            post(server, "/namespace/physical/add", body + ", \"existing_workflows\": true}")
                .status())
        .isEqualTo(409);
    assertThat(
            post(server, "/namespace/physical/add", body + ", \"existing_workflows\": false}")
                .status())
        .isEqualTo(409);
    assertThat(
            topology
                .virtualNamespace(VNS)
                .orElseThrow()
                .physicalNamespaces()
                .get(0)
                .existingWorkflows())
        .isTrue();
    assertThat(get(server, "/topology").body()).contains("\"existing_workflows\":true");
  }

  @Test
  void getWithoutANameIsABadRequest() throws Exception {
    Reply reply = get(server, "/namespace/virtual/get");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).isEqualTo("missing query parameter: name\n");
  }

  @Test
  void anUnknownVirtualNamespaceIsNotFound() throws Exception {
    Reply add = post(server, "/namespace/physical/add", ADD_A_BODY);
    Reply get = get(server, "/namespace/virtual/get?name=my-app-namespace");
    Reply remove = post(server, "/namespace/physical/remove", NAMESPACE_A);

    assertThat(List.of(add, get, remove)).extracting(Reply::status).containsOnly(404);
    assertThat(List.of(add, get, remove))
        .extracting(Reply::body)
        .containsOnly("Virtual namespace 'my-app-namespace' not found\n");
  }

  @Test
  void anUnknownPhysicalNamespaceIsNotFound() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply = post(server, "/namespace/physical/uncordon", NAMESPACE_A);

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.body())
        .isEqualTo(
            "Physical namespace 'namespace-a' not found in virtual namespace 'my-app-namespace'\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/nope", "/namespace/virtual/create/extra", "/namespace/virtual"})
  void anUnknownPathIsNotFound(String path) throws Exception {
    Reply reply = post(server, path, CREATE_BODY);

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.body()).isEqualTo("no such endpoint: " + path + "\n");
    assertThat(topology.current().virtualNamespaces()).isEmpty();
  }

  @Test
  void creatingAnExistingVirtualNamespaceIsAConflict() throws Exception {
    post(server, "/namespace/virtual/create", CREATE_BODY);

    Reply reply = post(server, "/namespace/virtual/create", CREATE_BODY);

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.body()).isEqualTo("Virtual namespace 'my-app-namespace' already exists\n");
  }

  @Test
  void addingAnActivePhysicalNamespaceAgainIsAConflict() throws Exception {
    givenScenarioStepOne();

    Reply reply = post(server, "/namespace/physical/add", ADD_A_BODY);

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.body()).contains("'namespace-a'").contains("already");
    assertOneLine(reply);
  }

  @Test
  void aWrongMethodIsNotAllowedAndSaysWhichIs() throws Exception {
    Reply getOnCreate = get(server, "/namespace/virtual/create");
    Reply postOnList = post(server, "/namespace/virtual/list", "{}");

    assertThat(getOnCreate.status()).isEqualTo(405);
    assertThat(getOnCreate.allow()).isEqualTo("POST");
    assertThat(getOnCreate.body())
        .isEqualTo("method GET not allowed on /namespace/virtual/create; use POST\n");
    assertThat(postOnList.status()).isEqualTo(405);
    assertThat(postOnList.allow()).isEqualTo("GET");
  }

  @Test
  void aBodyOverTheLimitIsTooLarge() throws Exception {
    String oversized = paddedCreate(AdminServer.MAX_BODY_BYTES + 1);

    Reply reply = post(server, "/namespace/virtual/create", oversized);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).isEqualTo("request body too large (limit: 65536 bytes)\n");
    assertThat(topology.current().virtualNamespaces()).isEmpty();
  }

  @Test
  void aChunkedBodyOverTheLimitIsTooLarge() throws Exception {
    byte[] body = paddedCreate(AdminServer.MAX_BODY_BYTES + 1).getBytes(UTF_8);
    // no declared length, so the client sends it chunked and only counting the bytes catches it
    Flow.Publisher<ByteBuffer> unsized = BodyPublishers.ofByteArray(body)::subscribe;
    HttpRequest request =
        HttpRequest.newBuilder(uri(server, "/namespace/virtual/create"))
            .timeout(TIMEOUT)
            .POST(BodyPublishers.fromPublisher(unsized))
            .build();

    Reply reply = send(request);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(topology.current().virtualNamespaces()).isEmpty();
  }

  @Test
  void aBodyExactlyAtTheLimitIsAccepted() throws Exception {
    String atTheLimit = paddedCreate(AdminServer.MAX_BODY_BYTES);

    Reply reply = post(server, "/namespace/virtual/create", atTheLimit);

    assertThat(reply.status()).isEqualTo(200);
  }

  @Test
  void aStoreThatKeepsLosingTheRaceIsServiceUnavailable() throws Exception {
    try (TopologyService contended = TopologyService.load(new AlwaysContendedStore());
        AdminServer contendedServer = AdminServer.start(onAnyPort(), contended, Map.of())) {

      Reply reply = post(contendedServer, "/namespace/virtual/create", CREATE_BODY);

      assertThat(reply.status()).isEqualTo(503);
      assertThat(reply.body()).contains("try again");
      assertOneLine(reply);
    }
  }

  @Test
  void extraRoutesAreServedWithTheirQueryParameters() throws Exception {
    AdminRoute echo =
        (method, query, body) -> AdminResponse.text(200, method + " " + query.get("q") + "\n");
    AdminRoute metrics =
        (method, query, body) ->
            new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8", "up 1\n");
    try (AdminServer withExtras =
        AdminServer.start(onAnyPort(), topology, Map.of("/echo", echo, "/metrics", metrics))) {

      Reply echoed = get(withExtras, "/echo?q=hello%20there");
      Reply scraped = get(withExtras, "/metrics");
      Reply posted = post(withExtras, "/metrics", "");

      assertThat(echoed.status()).isEqualTo(200);
      assertThat(echoed.body()).isEqualTo("GET hello there\n");
      assertThat(scraped.body()).isEqualTo("up 1\n");
      assertThat(scraped.contentType()).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
      assertThat(posted.status()).isEqualTo(405);
      assertThat(posted.allow()).isEqualTo("GET");
      assertThat(post(withExtras, "/namespace/virtual/create", CREATE_BODY).status())
          .isEqualTo(200);
    }
  }

  @Test
  void aFailingRouteIsAnInternalErrorOnOneLine() throws Exception {
    AdminRoute failing =
        (method, query, body) -> {
          throw new IllegalStateException("boom\nwith a second line");
        };
    try (AdminServer withFailing =
        AdminServer.start(onAnyPort(), topology, Map.of("/failing", failing))) {

      Reply reply = get(withFailing, "/failing");

      assertThat(reply.status()).isEqualTo(500);
      assertThat(reply.body())
          .isEqualTo("internal error: IllegalStateException; see the server log\n");
      assertThat(get(withFailing, "/namespace/virtual/list").status()).isEqualTo(200);
    }
  }

  @Test
  void extraRoutesMayNotShadowTopologyPaths() {
    AdminRoute route = (method, query, body) -> AdminResponse.text(200, "");

    assertThatThrownBy(
            () ->
                AdminServer.start(onAnyPort(), topology, Map.of("/namespace/virtual/list", route)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/namespace/virtual/list");
    assertThatThrownBy(() -> AdminServer.start(onAnyPort(), topology, Map.of("metrics", route)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theServerKeepsServingAfterBadInput() throws Exception {
    post(server, "/namespace/virtual/create", "{not json");
    post(server, "/namespace/virtual/create", paddedCreate(AdminServer.MAX_BODY_BYTES + 1));
    post(server, "/namespace/physical/add", "[1, 2]");
    get(server, "/namespace/virtual/create");

    givenScenarioStepOne();

    assertThat(get(server, "/namespace/virtual/get?name=my-app-namespace").status()).isEqualTo(200);
  }

  @Test
  void concurrentWritesAreAllApplied() throws Exception {
    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(
          http.sendAsync(
              postRequest(server, "/namespace/virtual/create", "{\"name\": \"vns-" + i + "\"}"),
              BodyHandlers.ofString()));
    }

    for (CompletableFuture<HttpResponse<String>> reply : replies) {
      assertThat(reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(topology.current().virtualNamespaces()).hasSize(20);
  }

  @Test
  void aClosedServerRefusesConnections() throws Exception {
    server.close();
    server.close();

    assertThatThrownBy(() -> get(server, "/namespace/virtual/list"))
        .isInstanceOf(IOException.class);
  }

  @Test
  void aPortInUseIsAnIOException() {
    AdminOptions taken =
        AdminOptions.builder().bindAddress("127.0.0.1").port(server.port()).build();

    assertThatThrownBy(() -> AdminServer.start(taken, topology, Map.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(String.valueOf(server.port()));
  }

  @Test
  void optionsDefaultToLoopbackOnPort8089() {
    AdminOptions defaults = AdminOptions.defaults();

    assertThat(defaults.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(defaults.port()).isEqualTo(8089);
    assertThatThrownBy(() -> AdminOptions.builder().port(65_536))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> AdminOptions.builder().bindAddress(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private void givenScenarioStepOne() throws Exception {
    assertThat(post(server, "/namespace/virtual/create", CREATE_BODY).status()).isEqualTo(200);
    assertThat(post(server, "/namespace/physical/add", ADD_A_BODY).status()).isEqualTo(200);
  }

  private PhysicalNamespace physical(String name) {
    return topology.virtualNamespace(VNS).orElseThrow().findByName(name).get(0);
  }

  private PhysicalNamespaceStatus statusOf(String name) {
    return physical(name).status();
  }

  private static AdminOptions onAnyPort() {
    return AdminOptions.builder().port(0).build();
  }

  /** A valid create request, padded with whitespace to exactly {@code size} bytes. */
  private static String paddedCreate(int size) {
    char[] padding = new char[size - CREATE_BODY.length()];
    Arrays.fill(padding, ' ');
    return CREATE_BODY + new String(padding);
  }

  private static void assertOneLine(Reply reply) {
    assertThat(reply.body()).endsWith("\n");
    assertThat(reply.body().strip()).doesNotContain("\n").doesNotContain("\r");
  }

  private Reply post(AdminServer target, String path, String body) throws Exception {
    return send(postRequest(target, path, body));
  }

  private Reply get(AdminServer target, String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(target, path)).timeout(TIMEOUT).GET().build());
  }

  /** Sent the way {@code curl -d} sends it: labelled form-encoded, though it is JSON. */
  private static HttpRequest postRequest(AdminServer target, String path, String body) {
    return HttpRequest.newBuilder(uri(target, path))
        .timeout(TIMEOUT)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(BodyPublishers.ofString(body, UTF_8))
        .build();
  }

  private Reply send(HttpRequest request) throws Exception {
    HttpResponse<String> response = http.send(request, BodyHandlers.ofString(UTF_8));
    return new Reply(
        response.statusCode(),
        response.body(),
        response.headers().firstValue("Content-Type").orElse(""),
        response.headers().firstValue("Allow").orElse(null));
  }

  private static URI uri(AdminServer target, String path) {
    return URI.create("http://127.0.0.1:" + target.port() + path);
  }

  private record Reply(int status, String body, String contentType, String allow) {}

  /** Every write loses to a phantom concurrent writer, so the service gives up with CONFLICT. */
  private static final class AlwaysContendedStore implements TopologyStore {
    @Override
    public CompletableFuture<Long> storedVersion() {
      return CompletableFuture.completedFuture(0L);
    }

    @Override
    public CompletableFuture<Topology> load() {
      return CompletableFuture.completedFuture(Topology.EMPTY);
    }

    @Override
    public CompletableFuture<Boolean> compareAndSet(Topology next) {
      return CompletableFuture.completedFuture(false);
    }

    @Override
    public AutoCloseable subscribe(Consumer<Topology> listener) {
      return () -> {};
    }
  }

  @Test
  void placement_setsPolicyAndAffinity_andBadValuesAre400() throws Exception {
    givenScenarioStepOne();
    Reply set =
        post(
            server,
            "/namespace/virtual/placement",
            "{\"name\": \"my-app-namespace\", \"policy\": \"adaptive\", \"affinity\": {\"kind\": \"prefix\", \"value\": \":\"}}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(set.body()).contains("adaptive").contains("prefix");
    assertThat(get(server, "/namespace/virtual/get?name=my-app-namespace").body())
        .contains(
            "\"placement\":{\"policy\":\"adaptive\",\"affinity\":{\"kind\":\"prefix\",\"value\":\":\"}}");
    assertThat(
            post(
                    server,
                    "/namespace/virtual/placement",
                    "{\"name\": \"my-app-namespace\", \"policy\": \"random\"}")
                .status())
        .isEqualTo(400);
    assertThat(
            post(
                    server,
                    "/namespace/virtual/placement",
                    "{\"name\": \"my-app-namespace\", \"affinity\": {\"kind\": \"regex\", \"value\": \"(\"}}")
                .status())
        .isEqualTo(400);
    assertThat(
            post(
                    server,
                    "/namespace/virtual/placement",
                    "{\"name\": \"nope\", \"policy\": \"adaptive\"}")
                .status())
        .isEqualTo(404);
  }

  @Test
  void weight_setsTheWeightOfAPhysicalNamespace() throws Exception {
    givenScenarioStepOne();
    Reply set =
        post(
            server,
            "/namespace/physical/weight",
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\", \"weight\": 3}");
    assertThat(set.status()).isEqualTo(200);
    assertThat(get(server, "/namespace/virtual/get?name=my-app-namespace").body())
        .contains("\"weight\":3");
    assertThat(
            post(
                    server,
                    "/namespace/physical/weight",
                    "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\"}")
                .status())
        .isEqualTo(400);
  }
}
