package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tempura topology export} and {@code apply} through the admin API of a whole Tempura on
 * free loopback ports. Every cluster address is a closed loopback port: nothing here needs a
 * backend to answer.
 */
class TopologyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  @TempDir Path dataDir;
  @TempDir Path files;
  private TempuraServer server;
  private String url;
  private String clusterA;
  private String clusterB;

  @BeforeEach
  void start() throws IOException {
    server = TempuraServer.start(ServeSettings.loopback(dataDir));
    url = "http://127.0.0.1:" + server.adminPort();
    clusterA = closedPort();
    clusterB = closedPort();
    assertThat(CliRun.namespace(url, "create", "orders").exitCode()).isZero();
    assertThat(
            CliRun.namespace(url, "add", "orders", "orders-a", clusterA, "--weight", "2")
                .exitCode())
        .isZero();
    assertThat(CliRun.namespace(url, "add", "orders", "orders-b", clusterB).exitCode()).isZero();
    assertThat(
            CliRun.namespace(
                    url, "placement", "orders", "--policy", "adaptive", "--affinity-prefix", "-")
                .exitCode())
        .isZero();
    assertThat(CliRun.namespace(url, "create", "billing").exitCode()).isZero();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void export_thenDryRunOfTheSameFile_printsNoChange() throws Exception {
    Path yaml = files.resolve("topology.yaml");
    Path json = files.resolve("topology.json");

    CliRun exportYaml = topology("export");
    Files.writeString(yaml, exportYaml.out());
    CliRun exportJson = topology("export", "-o", "json");
    Files.writeString(json, exportJson.out());
    CliRun dryRunYaml = topology("apply", "-f", yaml.toString(), "--dry-run");
    CliRun dryRunJson = topology("apply", "-f", json.toString(), "--dry-run");
    CliRun applyJson = topology("apply", "-f", json.toString());

    assertThat(exportYaml.exitCode()).isZero();
    assertThat(exportYaml.err()).isEmpty();
    assertThat(exportYaml.out().lines())
        .startsWith("topology_version: 5", "virtual_namespaces:", "- name: orders")
        .contains(
            "    policy: adaptive", "      value: \"-\"", "    weight: 2", "    status: active");
    JsonNode fromYaml = YAML.readTree(exportYaml.out());
    assertThat(fromYaml).isEqualTo(JSON.readTree(exportJson.out()));
    assertThat(fromYaml.path("virtual_namespaces").get(0).path("physical_namespaces"))
        .extracting(
            p ->
                p.path("name").asText()
                    + "@"
                    + p.path("cluster_address").asText()
                    + " "
                    + p.path("weight"))
        .containsExactly("orders-a@" + clusterA + " 2", "orders-b@" + clusterB + " 1");
    for (CliRun run : new CliRun[] {dryRunYaml, dryRunJson, applyJson}) {
      assertThat(run.exitCode()).isZero();
      assertThat(run.err()).isEmpty();
      assertThat(run.out()).isEqualTo("No changes (topology version 5)\n");
    }
    assertThat(topology("export", "-o", "json").out()).isEqualTo(exportJson.out());
  }

  @Test
  void apply_editedFile_makesExactlyThePrintedChanges_andTheTopologyEqualsTheFile()
      throws Exception {
    ObjectNode doc = (ObjectNode) YAML.readTree(topology("export").out());
    ObjectNode orders = (ObjectNode) doc.path("virtual_namespaces").get(0);
    ObjectNode billing = (ObjectNode) doc.path("virtual_namespaces").get(1);
    ((ObjectNode) orders.path("physical_namespaces").get(0)).put("weight", 7);
    ((ObjectNode) orders.path("physical_namespaces").get(1)).put("status", "cordoned");
    ((ArrayNode) orders.path("physical_namespaces"))
        .addObject()
        .put("name", "orders-c")
        .put("cluster_address", clusterB)
        .put("status", "active")
        .put("weight", 3);
    ((ObjectNode) billing.path("placement")).put("policy", "round-robin");
    Path file = files.resolve("edited.yml");
    Files.writeString(file, YAML.writeValueAsString(doc));

    CliRun dryRun = topology("apply", "-f", file.toString(), "--dry-run");
    String unchanged = topology("export", "-o", "json").out();
    CliRun apply = topology("apply", "-f", file.toString());
    CliRun again = topology("apply", "-f", file.toString(), "--dry-run");
    JsonNode after = JSON.readTree(topology("export", "-o", "json").out());
    JsonNode get = JSON.readTree(CliRun.namespace(url, "get", "orders", "-o", "json").out());

    String[] changes = {
      "~ physical namespace 'orders-a@"
          + clusterA
          + "' in 'orders': active, weight 2 -> active, weight 7",
      "~ physical namespace 'orders-b@"
          + clusterB
          + "' in 'orders': active, weight 1 -> cordoned, weight 1",
      "+ physical namespace 'orders-c@" + clusterB + "' in 'orders' (active, weight 3)",
      "~ virtual namespace 'billing': placement rendezvous -> round-robin"
    };
    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.out().lines())
        .containsExactly(
            changes[0],
            changes[1],
            changes[2],
            changes[3],
            "Dry run: 4 changes, nothing applied (topology version 5)");
    assertThat(JSON.readTree(unchanged).path("topology_version").asLong()).isEqualTo(5);
    assertThat(apply.exitCode()).isZero();
    assertThat(apply.err()).isEmpty();
    assertThat(apply.out().lines())
        .containsExactly(
            changes[0],
            changes[1],
            changes[2],
            changes[3],
            "Applied 4 changes: topology version 6");
    assertThat(again.exitCode()).as("the file is now stale").isEqualTo(1);
    assertThat(again.err()).contains("version 6, not 5");
    // one version step: all four changes in one write
    assertThat(after.path("topology_version").asLong()).isEqualTo(6);
    ObjectNode expected = doc.deepCopy();
    expected.put("topology_version", 6);
    assertThat(after).isEqualTo(expected);
    assertThat(get.path("topology_version").asLong()).isEqualTo(6);
    assertThat(get.path("physical_namespaces"))
        .extracting(
            p ->
                p.path("name").asText()
                    + " "
                    + p.path("status").asText()
                    + " "
                    + p.path("weight").asInt())
        .containsExactly("orders-a active 7", "orders-b cordoned 1", "orders-c active 3");
  }

  @Test
  void apply_staleFile_isRefusedNamingTheVersions_andChangesNothing() throws Exception {
    Path file = files.resolve("topology.yaml");
    Files.writeString(file, topology("export").out().replace("weight: 2", "weight: 9"));
    assertThat(CliRun.namespace(url, "weight", "orders", "orders-b", "4").exitCode()).isZero();
    String before = topology("export", "-o", "json").out();

    CliRun apply = topology("apply", "-f", file.toString());
    CliRun dryRun = topology("apply", "-f", file.toString(), "--dry-run");

    assertThat(apply.exitCode()).isEqualTo(1);
    assertThat(apply.out()).isEmpty();
    assertThat(apply.err())
        .isEqualTo(
            "the topology is at version 6, not 5 as the file expects; export it again and redo the edit\n");
    assertThat(dryRun.exitCode()).isEqualTo(1);
    assertThat(topology("export", "-o", "json").out()).isEqualTo(before);
  }

  @Test
  void apply_withoutVersion_appliesOverWhateverIsThere() throws Exception {
    Path file = files.resolve("topology.json");
    Files.writeString(
        file,
        "{\"virtual_namespaces\": [{\"name\": \"billing\"}, {\"name\": \"payments\","
            + " \"physical_namespaces\": [{\"name\": \"payments-a\", \"cluster_address\": \""
            + clusterA
            + "\"}]}]}");

    // no workflow was ever started, so the removed physical namespaces hold none open
    CliRun apply = topology("apply", "-f", file.toString());
    JsonNode after = JSON.readTree(topology("export", "-o", "json").out());

    assertThat(apply.exitCode()).isZero();
    assertThat(apply.out().lines())
        .containsExactly(
            "- virtual namespace 'orders' (with 2 physical namespaces)",
            "+ virtual namespace 'payments' (placement rendezvous)",
            "+ physical namespace 'payments-a@" + clusterA + "' in 'payments' (active, weight 1)",
            "Applied 3 changes: topology version 6");
    assertThat(after.path("virtual_namespaces"))
        .extracting(v -> v.path("name").asText())
        .containsExactly("billing", "payments");
  }

  @Test
  void apply_invalidFile_isRefusedNamingWhereItIsWrong() throws Exception {
    Path badWeight = files.resolve("bad.yaml");
    Files.writeString(
        badWeight,
        "virtual_namespaces:\n- name: orders\n  physical_namespaces:\n  - name: orders-a\n"
            + "    cluster_address: "
            + clusterA
            + "\n    weight: -1\n");
    Path notYaml = files.resolve("broken.yml");
    Files.writeString(notYaml, "virtual_namespaces:\n- name: orders\n  bad: [\n");
    Path unknownField = files.resolve("unknown.json");
    Files.writeString(
        unknownField, "{\"virtual_namespaces\": [], \"colour\": \"red\"}", StandardCharsets.UTF_8);

    CliRun weight = topology("apply", "-f", badWeight.toString());
    CliRun yaml = topology("apply", "-f", notYaml.toString());
    CliRun field = topology("apply", "-f", unknownField.toString());
    CliRun missing = topology("apply", "-f", files.resolve("nope.yaml").toString());

    assertThat(weight.exitCode()).isEqualTo(1);
    assertThat(weight.err())
        .isEqualTo(
            badWeight
                + ": virtual_namespaces[0] ('orders').physical_namespaces[0].weight: expected an integer >= 0\n");
    assertThat(yaml.exitCode()).isEqualTo(1);
    assertThat(yaml.err()).startsWith(notYaml + ": not valid YAML: ").contains("(line ");
    assertThat(field.exitCode()).isEqualTo(1);
    assertThat(field.err()).contains("unknown field 'colour'");
    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).endsWith("nope.yaml: no such file\n");
    assertThat(
            JSON.readTree(topology("export", "-o", "json").out()).path("topology_version").asLong())
        .isEqualTo(5);
  }

  @Test
  void usage_badFormatMissingFileOptionOrBothTargets_exit2() {
    CliRun format = topology("export", "-o", "xml");
    CliRun noFile = topology("apply");
    CliRun both =
        CliRun.tempura("topology", "export", "--admin", url, "--data-dir", dataDir.toString());
    CliRun noSubcommand = CliRun.tempura("topology");

    assertThat(format.exitCode()).isEqualTo(2);
    assertThat(format.err())
        .startsWith("-o: 'xml' is not a document format (expected: yaml or json)\n")
        .contains("Usage: tempura topology export");
    assertThat(noFile.exitCode()).isEqualTo(2);
    assertThat(noFile.err()).contains("Missing required option: '--file=FILE'");
    assertThat(both.exitCode()).isEqualTo(2);
    assertThat(both.err()).startsWith("--admin is for a running server's admin API");
    assertThat(noSubcommand.exitCode()).isEqualTo(2);
    assertThat(noSubcommand.err()).contains("Usage: tempura topology", "export", "apply");
  }

  @Test
  void unreachableAdmin_exits3() throws IOException {
    CliRun export = CliRun.tempura("topology", "export", "--admin", "http://" + closedPort());

    assertThat(export.exitCode()).isEqualTo(3);
    assertThat(export.err()).startsWith("cannot reach the admin API at http://127.0.0.1:");
  }

  private CliRun topology(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "topology";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--admin";
    all[args.length + 2] = url;
    return CliRun.tempura(all);
  }

  private static String closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }
}
