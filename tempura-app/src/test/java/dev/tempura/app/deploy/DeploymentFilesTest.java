package dev.tempura.app.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The deployment files stay valid: the Helm chart passes its offline check (and Helm's own lint
 * where a helm binary is installed), the compose file passes `docker-compose config` where the tool
 * is installed, and the dashboards are Grafana JSON that query the series the proxy exports.
 */
class DeploymentFilesTest {
  private static final Path DEPLOY = repoRoot().resolve("deploy");

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("deploy"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/ not found above " + Path.of("").toAbsolutePath());
    }
    return p;
  }

  private static Result run(Path dir, List<String> command)
      throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
    return new Result(p.exitValue(), out);
  }

  private record Result(int exit, String output) {}

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void helmChart_passesItsOfflineCheck() throws Exception {
    assumeTrue(onPath("python3"), "python3 is needed by deploy/helm/check.sh");
    Result r = run(DEPLOY.resolve("helm"), List.of("bash", "check.sh"));
    assertThat(r.exit()).as(r.output()).isZero();
  }

  /**
   * values.yaml passes the chart's values.schema.json (as helm lint and helm install check it), and
   * the schema refuses a misspelt key and an out-of-range port, so it checks something.
   */
  @Test
  void helmValues_passTheirSchema_whichRefusesTyposAndBadPorts() throws Exception {
    Path chart = DEPLOY.resolve("helm/tempura");
    ObjectMapper json = new ObjectMapper();
    JsonSchema schema =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
            .getSchema(json.readTree(chart.resolve("values.schema.json").toFile()));
    JsonNode values =
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(chart.resolve("values.yaml").toFile());

    assertThat(schema.validate(values)).as("values.yaml against values.schema.json").isEmpty();

    JsonNode typo = values.deepCopy();
    ((ObjectNode) typo.path("admin").path("tokenSecret")).put("nmae", "typo");
    assertThat(schema.validate(typo)).as("a misspelt key").isNotEmpty();

    JsonNode badPort = values.deepCopy();
    ((ObjectNode) badPort.path("grpc")).put("port", 70000);
    assertThat(schema.validate(badPort)).as("grpc.port 70000").isNotEmpty();
  }

  @Test
  void helmChart_hasANetworkPolicy_closingTheAdminPortToAllButTheOperatorNamespace()
      throws Exception {
    String policy = Files.readString(DEPLOY.resolve("helm/tempura/templates/networkpolicy.yaml"));
    assertThat(policy)
        .contains("kind: NetworkPolicy")
        .contains("port: admin")
        .contains("kubernetes.io/metadata.name: {{ .Values.networkPolicy.operatorNamespace");
    assertThat(Files.readString(DEPLOY.resolve("helm/tempura/values.yaml")))
        .contains("networkPolicy:\n  # On by default")
        .contains("  enabled: true");
  }

  @Test
  void composeFile_isValid_whereDockerComposeIsInstalled() throws Exception {
    assumeTrue(onPath("docker-compose"), "docker-compose is not installed");
    Result r =
        run(
            DEPLOY.resolve("compose"),
            List.of("docker-compose", "-f", "docker-compose.yml", "config", "-q"));
    assertThat(r.exit()).as(r.output()).isZero();
  }

  @Test
  void dashboards_areGrafanaJson_queryingTheProxysSeries() throws Exception {
    ObjectMapper json = new ObjectMapper();
    try (var files = Files.list(DEPLOY.resolve("grafana/dashboards"))) {
      List<Path> dashboards = files.filter(f -> f.toString().endsWith(".json")).toList();
      assertThat(dashboards).isNotEmpty();
      for (Path f : dashboards) {
        JsonNode d = json.readTree(f.toFile());
        assertThat(d.path("panels").isArray()).as("%s has panels", f).isTrue();
        String text = Files.readString(f);
        assertThat(text)
            .contains("tempura_placements_total")
            .contains("tempura_backend_request_duration_seconds_bucket")
            .contains("state_transition_count")
            .contains("tempura_cgroup_cpu_throttled_periods_total");
      }
    }
  }
}
