package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.tempura.app.RawTopology;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraCommand;
import dev.tempura.app.TempuraServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tempura topology export} and {@code apply} offline, on an embedded store's data directory:
 * the repair of a stored topology that keeps the server from starting.
 */
class TopologyOfflineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML = new YAMLMapper();

  /** The topology the repair writes, as an operator would: no version, defaults left out. */
  private static final String FILE =
      """
      virtual_namespaces:
      - name: orders
        placement:
          policy: adaptive
          affinity: {kind: prefix, value: "-"}
        physical_namespaces:
        - name: orders-a
          cluster_address: 127.0.0.1:1
          weight: 3
        - name: orders-b
          cluster_address: 127.0.0.1:2
          status: cordoned
      """;

  @TempDir Path dataDir;
  @TempDir Path files;

  @Test
  void unreadableTopology_stopsTheServer_andOfflineForceApplyRepairsIt() throws Exception {
    // a stored topology without its list of virtual namespaces cannot be read at all
    RawTopology.write(dataDir, "{\"version\": 4, \"virtualNamespaces\": \"lost\"}");
    Path file = files.resolve("topology.yaml");
    Files.writeString(file, FILE);
    String dir = dataDir.toString();

    assertThatThrownBy(() -> TempuraServer.start(ServeSettings.loopback(dataDir)).close())
        .hasMessageContaining("virtualNamespaces (expected: an array)")
        .hasMessageContaining(
            "repair it offline with 'tempura topology apply -f FILE --data-dir DIR --force'");
    CliRun serve = serve(dataDir);
    CliRun export = CliRun.tempura("topology", "export", "--data-dir", dir);
    CliRun refused = CliRun.tempura("topology", "apply", "-f", file.toString(), "--data-dir", dir);
    CliRun dryRun =
        CliRun.tempura(
            "topology", "apply", "-f", file.toString(), "--data-dir", dir, "--force", "--dry-run");
    CliRun stillBroken = CliRun.tempura("topology", "export", "--data-dir", dir);
    CliRun repair =
        CliRun.tempura("topology", "apply", "-f", file.toString(), "--data-dir", dir, "--force");

    assertThat(serve.exitCode()).isEqualTo(1);
    assertThat(serve.err())
        .startsWith("tempura serve: ")
        .contains("tempura topology apply -f FILE --data-dir DIR --force")
        .doesNotContain("CompletionException");
    assertThat(export.exitCode()).isEqualTo(1);
    assertThat(export.out()).isEmpty();
    assertThat(export.err())
        .contains("virtualNamespaces (expected: an array)")
        .endsWith("; repair it with: tempura topology apply -f FILE --data-dir DIR --force\n");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .startsWith("the stored topology cannot be read (")
        .endsWith("); --force overwrites it with " + file + "'s topology\n");
    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.out().lines())
        .contains(
            "Dry run: would overwrite the unreadable stored topology (version 4) with 3 changes, as version 5; nothing applied");
    assertThat(stillBroken.exitCode()).as("the dry run wrote nothing").isEqualTo(1);
    assertThat(repair.exitCode()).isZero();
    assertThat(repair.err()).isEmpty();
    assertThat(repair.out().lines())
        .containsExactly(
            "+ virtual namespace 'orders' (placement adaptive, affinity prefix '-')",
            "+ physical namespace 'orders-a@127.0.0.1:1' in 'orders' (active, weight 3)",
            "+ physical namespace 'orders-b@127.0.0.1:2' in 'orders' (cordoned, weight 1)",
            "Overwrote the unreadable stored topology with 3 changes: topology version 5");

    JsonNode expected = expected(5);
    try (TempuraServer server = TempuraServer.start(ServeSettings.loopback(dataDir))) {
      String url = "http://127.0.0.1:" + server.adminPort();
      CliRun served = CliRun.tempura("topology", "export", "-o", "json", "--admin", url);
      CliRun whileRunning =
          CliRun.tempura("topology", "apply", "-f", file.toString(), "--data-dir", dir, "--force");

      assertThat(JSON.readTree(served.out())).isEqualTo(expected);
      assertThat(whileRunning.exitCode()).isEqualTo(1);
      assertThat(whileRunning.err())
          .startsWith(
              "the store in " + dir + " is in use, most likely by a running Tempura server");
    }
    CliRun offlineExport = CliRun.tempura("topology", "export", "--data-dir", dir);
    assertThat(offlineExport.exitCode()).isZero();
    assertThat(YAML.readTree(offlineExport.out())).isEqualTo(expected);
  }

  @Test
  void notJson_isRepairedAsVersion1() throws Exception {
    RawTopology.write(dataDir, "not json");
    Path file = files.resolve("topology.yaml");
    Files.writeString(file, FILE);

    CliRun repair =
        CliRun.tempura(
            "topology",
            "apply",
            "-f",
            file.toString(),
            "--data-dir",
            dataDir.toString(),
            "--force");
    CliRun export =
        CliRun.tempura("topology", "export", "-o", "json", "--data-dir", dataDir.toString());

    assertThat(repair.exitCode()).isZero();
    assertThat(repair.out()).endsWith("topology version 1\n");
    assertThat(JSON.readTree(export.out())).isEqualTo(expected(1));
  }

  @Test
  void readableStore_offlineApplyGoesThroughTheVersionCheckAndTheDiff() throws Exception {
    RawTopology.write(dataDir, "{\"version\": 2, \"virtualNamespaces\": []}");
    String dir = dataDir.toString();
    Path file = files.resolve("topology.yaml");
    Files.writeString(file, "topology_version: 2\n" + FILE);
    Path stale = files.resolve("stale.yaml");
    Files.writeString(stale, "topology_version: 2\nvirtual_namespaces: []\n");
    Path removes = files.resolve("removes.json");
    Files.writeString(
        removes, "{\"topology_version\": 3, \"virtual_namespaces\": [{\"name\": \"orders\"}]}");

    CliRun apply = CliRun.tempura("topology", "apply", "-f", file.toString(), "--data-dir", dir);
    CliRun same =
        CliRun.tempura(
            "topology",
            "apply",
            "-f",
            file.toString(),
            "--store",
            "embedded",
            "--data-dir",
            dir,
            "--dry-run");
    CliRun staleApply =
        CliRun.tempura("topology", "apply", "-f", stale.toString(), "--data-dir", dir);
    CliRun removal =
        CliRun.tempura("topology", "apply", "-f", removes.toString(), "--data-dir", dir);
    CliRun removalDryRun =
        CliRun.tempura(
            "topology", "apply", "-f", removes.toString(), "--data-dir", dir, "--dry-run");
    String beforeForce =
        CliRun.tempura("topology", "export", "-o", "json", "--data-dir", dir).out();
    CliRun forced =
        CliRun.tempura("topology", "apply", "-f", removes.toString(), "--data-dir", dir, "--force");

    assertThat(apply.exitCode()).isZero();
    assertThat(apply.out()).endsWith("Applied 3 changes: topology version 3\n");
    assertThat(same.exitCode()).as(same.err()).isEqualTo(1);
    assertThat(same.err()).startsWith("the topology is at version 3, not 2 as the file expects");
    assertThat(staleApply.exitCode()).isEqualTo(1);
    assertThat(removal.exitCode()).isEqualTo(1);
    assertThat(removal.err())
        .isEqualTo(
            removes
                + " removes physical namespaces ('orders-a@127.0.0.1:1', 'orders-b@127.0.0.1:2')"
                + " whose open workflows cannot be counted offline: apply it through the admin API,"
                + " which counts them, or pass --force once they have drained\n");
    assertThat(removalDryRun.exitCode()).isZero();
    assertThat(removalDryRun.out().lines())
        .containsExactly(
            "~ virtual namespace 'orders': placement adaptive, affinity prefix '-' -> rendezvous",
            "- physical namespace 'orders-a@127.0.0.1:1' from 'orders'",
            "- physical namespace 'orders-b@127.0.0.1:2' from 'orders'",
            "Dry run: 3 changes, nothing applied (topology version 3)");
    assertThat(JSON.readTree(beforeForce)).isEqualTo(expected(3));
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).endsWith("Applied 3 changes: topology version 4\n");
  }

  @Test
  void noStoreThere_isRefused_andUsageErrorsExit2() {
    CliRun missing =
        CliRun.tempura("topology", "export", "--data-dir", files.resolve("nope").toString());
    CliRun empty = CliRun.tempura("topology", "export", "--data-dir", files.toString());
    CliRun embeddedAlone = CliRun.tempura("topology", "export", "--store", "embedded");
    CliRun badStore = CliRun.tempura("topology", "export", "--store", "postgres://x");

    assertThat(missing.exitCode()).isEqualTo(1);
    assertThat(missing.err()).endsWith("nope: no such directory\n");
    assertThat(empty.exitCode()).isEqualTo(1);
    assertThat(empty.err()).contains("holds no Tempura store (no tempura.mv in it)");
    assertThat(files).isEmptyDirectory();
    assertThat(embeddedAlone.exitCode()).isEqualTo(2);
    assertThat(embeddedAlone.err()).startsWith("--store embedded needs --data-dir DIR");
    assertThat(badStore.exitCode()).isEqualTo(2);
    assertThat(badStore.err()).startsWith("--store: 'postgres://x' (expected: embedded, redis://");
  }

  /** {@link #FILE} as export prints it, at {@code version}. */
  private static JsonNode expected(long version) throws Exception {
    ObjectNode doc = (ObjectNode) YAML.readTree(FILE);
    doc.put("topology_version", version);
    ObjectNode orders = (ObjectNode) doc.path("virtual_namespaces").get(0);
    ((ObjectNode) orders.path("physical_namespaces").get(0)).put("status", "active");
    ((ObjectNode) orders.path("physical_namespaces").get(1)).put("weight", 1);
    ObjectNode ordered = JSON.createObjectNode().put("topology_version", version);
    ordered.set("virtual_namespaces", doc.path("virtual_namespaces"));
    return JSON.readTree(JSON.writeValueAsString(ordered)); // numbers as a parser reads them
  }

  /**
   * {@code tempura serve} on {@code dataDir}; it must fail at once, so a start counts as a failure.
   */
  private static CliRun serve(Path dataDir) throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args = {
      "serve",
      "--bind",
      "127.0.0.1",
      "--grpc-port",
      "0",
      "--admin-port",
      "0",
      "--data-dir",
      dataDir.toString()
    };
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread thread =
        new Thread(
            () ->
                exit.complete(
                    TempuraCommand.commandLine()
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(err, true))
                        .execute(args)),
            "serve");
    thread.start();
    try {
      return new CliRun(exit.get(30, TimeUnit.SECONDS), out.toString(), err.toString());
    } catch (TimeoutException e) {
      thread.interrupt(); // it started: stop it as a signal would
      exit.get(30, TimeUnit.SECONDS);
      throw new AssertionError("tempura serve started on an unreadable topology");
    }
  }
}
