package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tempura.app.RawTopology;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI prints: the describe alias, {@code -o json|table}, usage on unknown commands, and
 * stored names and entries holding terminal escape sequences, which must reach the terminal
 * escaped, whatever wrote them into the store.
 */
class CliOutputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final char ESC = '\u001b';

  /**
   * A stored topology as an older version could have left it (JSON escapes, so the strings hold the
   * raw characters): a physical and a virtual namespace whose names hold escape sequences, which
   * the store keeps aside as rejected, and a stored rejected entry holding them raw.
   */
  private static final String STORED =
      "{\"version\": 3, \"virtualNamespaces\": ["
          + "{\"name\": \"orders\", \"placement\": {\"policy\": \"rendezvous\","
          + "  \"affinity\": {\"kind\": \"prefix\", \"value\": \"\\u001b[1m\"}},"
          + " \"physicalNamespaces\": ["
          + "  {\"name\": \"orders-a\", \"clusterAddress\": \"127.0.0.1:1\", \"status\": \"ACTIVE\", \"weight\": 2},"
          + "  {\"name\": \"evil\\u001b[31m\", \"clusterAddress\": \"127.0.0.1:2\", \"status\": \"ACTIVE\", \"weight\": 1}]},"
          + "{\"name\": \"bad\\u001b]0;pwned\\u0007\", \"physicalNamespaces\": []}],"
          + " \"rejected\": [{\"virtualNamespace\": \"orders\", \"entry\": \"old\\u001b[2J\\u202e\","
          + "  \"reason\": \"kept by an older version \\u009b31m\"}]}";

  @TempDir Path dataDir;
  private TempuraServer server;
  private String url;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void storedEscapeSequences_areEscapedInTablesJsonAndExports() throws Exception {
    RawTopology.write(dataDir, STORED);
    start();

    CliRun list = CliRun.namespace(url, "list");
    CliRun get = CliRun.namespace(url, "get", "orders");
    CliRun placement = CliRun.namespace(url, "placement", "orders");
    CliRun listJson = CliRun.namespace(url, "list", "-o", "json");
    CliRun yaml = CliRun.tempura("topology", "export", "--admin", url);
    CliRun json = CliRun.tempura("topology", "export", "-o", "json", "--admin", url);

    for (CliRun run : new CliRun[] {list, get, placement, listJson, yaml, json}) {
      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).satisfies(CliOutputTest::noControlCharacters);
    }
    assertThat(list.out().lines())
        .contains(
            "topology version  3",
            "placement          rendezvous, affinity prefix '\\u001B[1m'",
            "REJECTED: stored but not served; repair with tempura topology export and apply")
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("orders   old\\u001B[2J\\u202E")
                    .endsWith("kept by an older version \\u009B31m"))
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith("orders   {\"name\":\"evil\\\\u001B[31m\"")
                    .contains("contains the character U+001B"))
        .anySatisfy(
            l -> assertThat(l).startsWith("-        {\"name\":\"bad\\\\u001B]0;pwned\\\\u0007\""));
    assertThat(get.out().lines())
        .contains("topology version   3")
        .anySatisfy(l -> assertThat(l).matches("ENTRY +REASON"))
        .anySatisfy(l -> assertThat(l).startsWith("old\\u001B[2J\\u202E"))
        .noneSatisfy(l -> assertThat(l).contains("pwned"));
    assertThat(placement.out()).isEqualTo("rendezvous, affinity prefix '\\u001B[1m'\n");
    JsonNode answer = JSON.readTree(listJson.out());
    assertThat(answer.path("rejected")).hasSize(3);
    assertThat(answer.path("rejected").get(2).path("entry").asText())
        .isEqualTo("old" + ESC + "[2J\u202e");
    // the exports are escaped, not altered: they read back to what is stored
    JsonNode fromYaml = new YAMLMapper().readTree(yaml.out());
    assertThat(fromYaml).isEqualTo(JSON.readTree(json.out()));
    assertThat(
            fromYaml
                .path("virtual_namespaces")
                .get(0)
                .path("placement")
                .path("affinity")
                .path("value")
                .asText())
        .isEqualTo(ESC + "[1m");
    assertThat(fromYaml.path("rejected").get(2).path("reason").asText())
        .isEqualTo("kept by an older version \u009b31m");
  }

  @Test
  void describeIsGet_andOutputFormats() throws Exception {
    start();
    CliRun.namespace(url, "create", "billing");
    CliRun.namespace(url, "create", "orders");
    CliRun.namespace(url, "add", "orders", "orders-a", "127.0.0.1:1");

    // billing: no physical namespace whose health could change between the calls
    CliRun get = CliRun.namespace(url, "get", "billing");
    CliRun describe = CliRun.namespace(url, "describe", "billing");
    CliRun table = CliRun.namespace(url, "describe", "billing", "-o", "table");
    CliRun describeOrders = CliRun.namespace(url, "describe", "orders", "-o", "table");
    CliRun describeJson = CliRun.namespace(url, "describe", "orders", "-o", "json");
    CliRun getJson = CliRun.namespace(url, "get", "orders", "--json");
    CliRun listJson = CliRun.namespace(url, "list", "--output", "json");
    CliRun placementJson = CliRun.namespace(url, "placement", "orders", "-o", "json");
    CliRun changeJson = CliRun.namespace(url, "weight", "orders", "orders-a", "2", "-o", "json");
    CliRun badFormat = CliRun.namespace(url, "list", "-o", "yaml");
    CliRun contradiction = CliRun.namespace(url, "list", "-o", "table", "--json");

    assertThat(describe.exitCode()).isZero();
    assertThat(describe.out())
        .isEqualTo(get.out())
        .isEqualTo(
            "virtual namespace  billing\n"
                + "placement          rendezvous, no affinity\n"
                + "topology version   3\n"
                + "\n"
                + "(no physical namespaces)\n");
    assertThat(table.out()).isEqualTo(get.out());
    assertThat(describeOrders.out()).containsPattern("\norders-a  127\\.0\\.0\\.1:1  active  1 ");
    JsonNode vns = JSON.readTree(describeJson.out());
    assertThat(vns.path("name").asText()).isEqualTo("orders");
    assertThat(vns.path("topology_version").asLong()).isEqualTo(3);
    assertThat(JSON.readTree(getJson.out()).path("name")).isEqualTo(vns.path("name"));
    assertThat(JSON.readTree(listJson.out()).path("virtual_namespaces")).hasSize(2);
    assertThat(JSON.readTree(placementJson.out()).path("policy").asText()).isEqualTo("rendezvous");
    assertThat(JSON.readTree(changeJson.out()).path("ok").asBoolean()).isTrue();
    assertThat(badFormat.exitCode()).isEqualTo(2);
    assertThat(badFormat.err())
        .startsWith("-o: 'yaml' is not an output format (expected: table or json)\n");
    assertThat(contradiction.exitCode()).isEqualTo(2);
  }

  @Test
  void unknownCommands_exit2WithUsageOnStderr() {
    CliRun root = CliRun.tempura("frobnicate");
    CliRun namespace = CliRun.tempura("namespace", "frobnicate");
    CliRun typo = CliRun.tempura("namespace", "lst");
    CliRun topology = CliRun.tempura("topology", "import");
    CliRun noNamespaceSubcommand = CliRun.tempura("namespace");

    for (CliRun run : new CliRun[] {root, namespace, typo, topology, noNamespaceSubcommand}) {
      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.out()).isEmpty();
    }
    assertThat(root.err())
        .startsWith("Unmatched argument at index 0: 'frobnicate'\n")
        .contains("Usage: tempura [");
    assertThat(namespace.err())
        .contains("'frobnicate'", "Usage: tempura namespace [", "describe", "delete");
    assertThat(typo.err()).contains("Did you mean: namespace list?", "Usage: tempura namespace [");
    assertThat(topology.err()).contains("'import'", "Usage: tempura topology [", "export", "apply");
    assertThat(noNamespaceSubcommand.err())
        .startsWith("Missing required subcommand\n")
        .contains("Usage: tempura namespace");
  }

  private void start() throws Exception {
    server = TempuraServer.start(ServeSettings.loopback(dataDir));
    url = "http://127.0.0.1:" + server.adminPort();
  }

  /** No C0 control but the line feed, no DEL and no C1 control, no bidirectional override. */
  private static void noControlCharacters(String text) {
    assertThat(
            text.chars()
                .filter(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f || c == 0x202e))
        .as("control characters in %s", text.replace(ESC, '^'))
        .isEmpty();
  }
}
