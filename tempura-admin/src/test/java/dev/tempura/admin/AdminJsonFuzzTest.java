package dev.tempura.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the admin API's JSON bodies: whatever is POSTed to a topology endpoint gets 200 or a
 * client error (400 malformed, 404 unknown namespace, 409 duplicate), never a 500 or a dropped
 * connection, and within a bound.
 *
 * <p>{@link #post(byte[])} is Jazzer's (its first byte picks the endpoint, the rest is the body);
 * the two plain tests fuzz on every build without Jazzer: one straight through {@link
 * TopologyRoutes}, fast enough for many inputs, one over HTTP to a running {@link AdminServer}.
 */
class AdminJsonFuzzTest {
  private static final Set<Integer> CLIENT_OUTCOMES = Set.of(200, 400, 404, 409);
  private static final Duration HTTP_TIMEOUT = Duration.ofSeconds(10);

  /** The topology is started afresh this often, so that fuzzed creations do not pile up. */
  private static final int RESET_EVERY = 500;

  /** Endpoint and a valid body for it, against the topology {@link #fresh()} sets up. */
  static final List<Map.Entry<String, String>> SEEDS =
      List.of(
          Map.entry("/namespace/virtual/create", "{\"name\": \"v2\"}"),
          Map.entry("/namespace/virtual/create", "{\"name\": \"v1\"}"),
          Map.entry(
              "/namespace/physical/add",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p2\", \"cluster_address\": \"h:2\", \"weight\": 3}"),
          Map.entry(
              "/namespace/physical/add",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p1\", \"cluster_address\": \"h:1\"}"),
          Map.entry(
              "/namespace/physical/remove",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p1\", \"cluster_address\": \"h:1\"}"),
          Map.entry(
              "/namespace/physical/cordon",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p1\"}"),
          Map.entry(
              "/namespace/physical/uncordon",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p1\"}"),
          Map.entry(
              "/namespace/physical/weight",
              "{\"virtual_namespace\": \"v1\", \"physical_namespace\": \"p1\", \"weight\": 5}"),
          Map.entry(
              "/namespace/virtual/placement",
              "{\"name\": \"v1\", \"policy\": \"round-robin\", \"affinity\": {\"kind\": \"prefix\", \"value\": \"-\"}}"),
          Map.entry(
              "/namespace/virtual/placement",
              "{\"name\": \"v1\", \"policy\": \"rendezvous\", \"affinity\": {\"kind\": \"regex\", \"value\": \"^([a-z]+)-\"}}"),
          Map.entry("/namespace/virtual/placement", "{\"name\": \"v1\", \"affinity\": null}"));

  static final List<String> PATHS = SEEDS.stream().map(Map.Entry::getKey).distinct().toList();

  static {
    // The JDK's HttpServer writes headers and body apart, so Nagle's algorithm and the client's
    // delayed ACK hold every answer ~40 ms; without this the HTTP run gets through a tenth of its
    // inputs. Read once, when the server classes load: effective if this class runs first.
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
  }

  private TopologyService topology;
  private Map<String, Map<String, AdminRoute>> routes;

  @BeforeEach
  void setUp() {
    fresh();
  }

  @AfterEach
  void tearDown() {
    topology.close();
  }

  private void fresh() {
    if (topology != null) {
      topology.close();
    }
    topology = TopologyService.load(new InMemoryTopologyStore());
    topology.createVirtualNamespace("v1").join();
    topology.addPhysicalNamespace("v1", "p1", ClusterAddress.parse("h:1"), 1).join();
    routes = new TopologyRoutes(topology).routes();
  }

  @FuzzTest(maxDuration = "60s")
  void post(byte[] data) {
    if (data.length == 0) {
      return;
    }
    String path = PATHS.get((data[0] & 0xFF) % PATHS.size());
    byte[] body = java.util.Arrays.copyOfRange(data, 1, data.length);
    int status = handleDirectly(path, body);
    assertThat(CLIENT_OUTCOMES).as("%s %s", path, AdminFuzzing.show(body)).contains(status);
  }

  @Test
  void everyPostEndpoint_seededRandomAndMutatedBodies_getOnlyClientErrors() {
    Map<Integer, Integer> outcomes = new TreeMap<>();
    int ran =
        AdminFuzzing.run(
            "admin routes",
            AdminFuzzing.runs(),
            AdminFuzzing.budget(),
            withPath(),
            (i, input) -> {
              if (i % RESET_EVERY == 0) {
                fresh();
              }
              String path = PATHS.get((input[0] & 0xFF) % PATHS.size());
              byte[] body = java.util.Arrays.copyOfRange(input, 1, input.length);
              int status = handleDirectly(path, body);
              outcomes.merge(status, 1, Integer::sum);
              assertThat(CLIENT_OUTCOMES).as("status of %s", path).contains(status);
            });
    System.out.println("admin routes: " + ran + " bodies, by status " + outcomes);
    assertThat(outcomes).containsKeys(200, 400);
  }

  @Test
  void everyPostEndpoint_overHttp_getsOnlyClientErrors_andTheServerKeepsServing() throws Exception {
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(HTTP_TIMEOUT)
            .build();
    Map<Integer, Integer> outcomes = new TreeMap<>();
    AdminServer[] server = {startServer()};
    try {
      int ran =
          AdminFuzzing.run(
              "admin http",
              Math.min(AdminFuzzing.runs(), Integer.getInteger("tempura.fuzz.httpRuns", 3_000)),
              AdminFuzzing.budget(),
              withPath(),
              (i, input) -> {
                if (i % RESET_EVERY == 0) {
                  server[0].close();
                  fresh();
                  server[0] = startServer();
                }
                String path = PATHS.get((input[0] & 0xFF) % PATHS.size());
                byte[] body = java.util.Arrays.copyOfRange(input, 1, input.length);
                HttpResponse<String> response =
                    http.send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server[0].port() + path))
                            .timeout(HTTP_TIMEOUT)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                outcomes.merge(response.statusCode(), 1, Integer::sum);
                assertThat(CLIENT_OUTCOMES)
                    .as("status of %s, answered %s", path, response.body())
                    .contains(response.statusCode());
              });
      System.out.println("admin http: " + ran + " bodies, by status " + outcomes);
      assertThat(outcomes).containsKeys(200, 400);
      HttpResponse<String> list =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + server[0].port() + "/namespace/virtual/list"))
                  .timeout(HTTP_TIMEOUT)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(list.statusCode()).isEqualTo(200);
    } finally {
      server[0].close();
    }
  }

  private AdminServer startServer() throws java.io.IOException {
    return AdminServer.start(
        AdminOptions.builder().bindAddress("127.0.0.1").port(0).build(), topology, Map.of());
  }

  /** Bodies prefixed with a byte that picks the endpoint, seeds with their own endpoint's. */
  private static AdminFuzzing.Generator withPath() {
    List<String> bodies = new ArrayList<>();
    SEEDS.forEach(e -> bodies.add(e.getValue()));
    AdminFuzzing.Generator inner = AdminFuzzing.bodies(bodies);
    return random -> {
      byte[] body = inner.next(random);
      byte[] out = new byte[body.length + 1];
      out[0] = (byte) random.nextInt(PATHS.size());
      System.arraycopy(body, 0, out, 1, body.length);
      return out;
    };
  }

  /** The status the admin server would answer, from the route itself. */
  private int handleDirectly(String path, byte[] body) {
    try {
      return routes.get(path).get("POST").handle("POST", Map.of(), body).status();
    } catch (AdminHttpException e) {
      return e.status();
    } catch (TopologyException e) {
      return switch (e.reason()) {
        case NOT_FOUND -> 404;
        case ALREADY_EXISTS -> 409;
        case INVALID -> 400;
        case CONFLICT -> 503;
        case STALE_VERSION, OWNED_ELSEWHERE -> 409;
      };
    } catch (Exception e) {
      throw new AssertionError(
          "POST " + path + " " + AdminFuzzing.show(body) + " would answer 500: " + e, e);
    }
  }

  /** The seed corpus of {@link #post(byte[])}: each seed body behind its endpoint's byte. */
  static Map<String, byte[]> corpus() {
    Map<String, byte[]> out = new TreeMap<>();
    for (int i = 0; i < SEEDS.size(); i++) {
      byte[] body = SEEDS.get(i).getValue().getBytes(StandardCharsets.UTF_8);
      byte[] input = new byte[body.length + 1];
      input[0] = (byte) PATHS.indexOf(SEEDS.get(i).getKey());
      System.arraycopy(body, 0, input, 1, body.length);
      out.put("seed-" + i, input);
    }
    return out;
  }
}
