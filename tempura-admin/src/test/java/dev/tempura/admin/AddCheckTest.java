package dev.tempura.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.TopologyService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The add route asks the consistency check, answers its refusal with 409, and obeys "force". */
class AddCheckTest {
  private static final String ADD_B =
      "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-b\","
          + " \"cluster_address\": \"cluster-b.example.com:7233\"";
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> checked = new CopyOnWriteArrayList<>();
  private TopologyService topology;
  private AdminServer server;

  @BeforeEach
  void start() throws Exception {
    topology = TopologyService.load(new InMemoryTopologyStore());
    topology.createVirtualNamespace("my-app-namespace").join();
    topology
        .addPhysicalNamespace(
            "my-app-namespace",
            "namespace-a",
            ClusterAddress.parse("cluster-a.example.com:7233"),
            1)
        .join();
    AddCheck refuseB =
        (virtual, candidate) -> {
          checked.add(candidate.name());
          return candidate.name().equals("namespace-b")
              ? "Physical namespace namespace-b does not match: custom search attributes missing"
              : null;
        };
    server =
        AdminServer.start(
            AdminOptions.builder().port(0).build(),
            topology,
            Map.of(),
            PhysicalDetails.NONE,
            refuseB);
  }

  @AfterEach
  void stop() {
    server.close();
    topology.close();
  }

  private HttpResponse<String> add(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/namespace/physical/add"))
            .POST(HttpRequest.BodyPublishers.ofString(body, UTF_8))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void refusedAdd_is409WithTheReason_andChangesNothing() throws Exception {
    HttpResponse<String> r = add(ADD_B + "}");
    assertThat(r.statusCode()).isEqualTo(409);
    assertThat(r.body()).contains("custom search attributes missing").contains("\"force\": true");
    assertThat(topology.virtualNamespace("my-app-namespace").orElseThrow().physicalNamespaces())
        .hasSize(1);
  }

  @Test
  void force_addsDespiteTheCheck_withoutAsking() throws Exception {
    HttpResponse<String> r = add(ADD_B + ", \"force\": true}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .isEqualTo(
            "Physical namespace 'namespace-b' added to virtual namespace 'my-app-namespace'\n");
    assertThat(checked).isEmpty();
  }

  @Test
  void weightUpdateOfAnActiveMember_isNotChecked() throws Exception {
    HttpResponse<String> r =
        add(
            "{\"virtual_namespace\": \"my-app-namespace\", \"physical_namespace\": \"namespace-a\","
                + " \"cluster_address\": \"cluster-a.example.com:7233\", \"weight\": 3}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(checked).isEmpty();
  }

  @Test
  void forceMustBeABoolean() throws Exception {
    assertThat(add(ADD_B + ", \"force\": \"yes\"}").statusCode()).isEqualTo(400);
  }
}
