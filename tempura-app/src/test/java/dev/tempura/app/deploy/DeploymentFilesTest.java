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

  private static final Path CHART = DEPLOY.resolve("helm/tempura");

  private static JsonSchema valuesSchema() throws IOException {
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7)
        .getSchema(new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile()));
  }

  private static ObjectNode defaults() throws IOException {
    return (ObjectNode)
        new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .readTree(CHART.resolve("values.yaml").toFile());
  }

  /** The defaults with {@code admin.tokenSecret.name}: the one value the chart requires. */
  private static ObjectNode defaultsWithTokenSecret() throws IOException {
    ObjectNode values = defaults();
    ((ObjectNode) values.path("admin").path("tokenSecret")).put("name", "tempura-admin");
    return values;
  }

  /** The schema's complaints about {@code values}, one line each; empty when it passes. */
  private static String problems(JsonNode values) throws IOException {
    return String.join(
        "\n", valuesSchema().validate(values).stream().map(m -> m.getMessage()).toList());
  }

  /**
   * values.yaml with its one required value passes the chart's values.schema.json (as helm lint and
   * helm install check it), and the schema refuses a misspelt key and an out-of-range port, so it
   * checks something.
   */
  @Test
  void helmValues_passTheirSchema_whichRefusesTyposAndBadPorts() throws Exception {
    assertThat(problems(defaultsWithTokenSecret())).as("values.yaml + a token Secret").isEmpty();

    JsonNode typo = defaultsWithTokenSecret();
    ((ObjectNode) typo.path("admin").path("tokenSecret")).put("nmae", "typo");
    assertThat(problems(typo)).as("a misspelt key").isNotEmpty();

    JsonNode badPort = defaultsWithTokenSecret();
    ((ObjectNode) badPort.path("grpc")).put("port", 70000);
    assertThat(problems(badPort)).as("grpc.port 70000").isNotEmpty();
  }

  /**
   * The defaults render to something that runs with nothing else installed: one replica on the
   * embedded store, on a claim the chart makes, replaced with Recreate (the store's file lock
   * allows one pod at a time), not two replicas on a Redis that may not exist.
   */
  @Test
  void helmDefaults_areOneReplica_onTheEmbeddedStore_onAClaim_replacedWithRecreate()
      throws Exception {
    JsonNode values = defaults();
    assertThat(values.path("replicaCount").asInt()).isEqualTo(1);
    assertThat(values.path("store").path("uri").asText()).isEmpty();
    assertThat(values.path("store").path("existingSecret").asText()).isEmpty();
    assertThat(values.path("persistence").path("enabled").asBoolean()).isTrue();
    assertThat(values.path("persistence").path("existingClaim").asText()).isEmpty();

    String deployment = Files.readString(CHART.resolve("templates/deployment.yaml"));
    assertThat(deployment)
        .contains(
            "{{- if include \"tempura.embeddedStore\" . }}\n"
                + "    # the embedded store: one pod at a time holds its file lock (and the"
                + " ReadWriteOnce volume)\n"
                + "    type: Recreate")
        .contains("persistentVolumeClaim:\n            claimName: {{ $claim }}");
    assertThat(Files.readString(CHART.resolve("templates/pvc.yaml")))
        .contains("kind: PersistentVolumeClaim")
        .contains("helm.sh/resource-policy: keep");
  }

  /** values.schema.json refuses, naming what to set, the values that would not run. */
  @Test
  void helmSchema_refusesWhatWouldNotRun_namingTheValue() throws Exception {
    // no admin token: Tempura refuses to start with its admin API off loopback and no credentials
    assertThat(problems(defaults()))
        .contains("admin.tokenSecret.name")
        .contains("admin.token")
        .contains("admin.tokenSecret.generate");
    ObjectNode two = defaultsWithTokenSecret();
    ((ObjectNode) two.path("admin")).put("token", "abc123");
    assertThat(problems(two)).as("two token sources").isNotEmpty();
    ObjectNode tokenValue = defaults();
    ((ObjectNode) tokenValue.path("admin")).put("token", "abc123");
    assertThat(problems(tokenValue)).as("admin.token alone").isEmpty();
    ObjectNode generated = defaults();
    ((ObjectNode) generated.path("admin").path("tokenSecret")).put("generate", true);
    assertThat(problems(generated)).as("admin.tokenSecret.generate alone").isEmpty();
    ObjectNode spaced = defaults();
    ((ObjectNode) spaced.path("admin")).put("token", "abc 123");
    assertThat(problems(spaced)).as("a token with a space").contains("admin.token");

    // several replicas on the embedded store, which is private to each pod
    ObjectNode replicas = defaultsWithTokenSecret();
    replicas.put("replicaCount", 2);
    assertThat(problems(replicas)).contains("store.uri").contains("store.existingSecret");
    ((ObjectNode) replicas.path("store")).put("uri", "redis://redis:6379");
    assertThat(problems(replicas)).as("two replicas on Redis").isEmpty();
    ((ObjectNode) replicas.path("store")).put("uri", "");
    ((ObjectNode) replicas.path("store")).put("existingSecret", "tempura-redis");
    assertThat(problems(replicas)).as("two replicas on Redis from a Secret").isEmpty();

    // the store URIs Tempura takes, and no other
    for (String uri :
        List.of("", "embedded", "redis://r:6379", "rediss://r:6380", "redis-cluster://a:1,b:2")) {
      ObjectNode store = defaultsWithTokenSecret();
      ((ObjectNode) store.path("store")).put("uri", uri);
      assertThat(problems(store)).as("store.uri '%s'", uri).isEmpty();
    }
    ObjectNode http = defaultsWithTokenSecret();
    ((ObjectNode) http.path("store")).put("uri", "http://redis:6379");
    assertThat(problems(http)).contains("store.uri");
  }

  /**
   * A token that is the same on every `helm template`: from an existing Secret (then the chart
   * makes none) or from admin.token; the random one is made only when asked for with
   * admin.tokenSecret.generate, and every template that renders needs exactly one source.
   */
  @Test
  void helmAdminToken_isStableUnderHelmTemplate_unlessGenerateIsAskedFor() throws Exception {
    String secret = Files.readString(CHART.resolve("templates/admin-token-secret.yaml"));
    assertThat(secret)
        .startsWith("{{- include \"tempura.checkAdminToken\" . }}\n")
        .contains("{{- if not .Values.admin.tokenSecret.name }}")
        .contains(
            "{{- if .Values.admin.token }}\n"
                + "  {{ .Values.admin.tokenSecret.key }}: {{ .Values.admin.token | toString | b64enc }}\n"
                + "  {{- else }}");
    // randomness only past the admin.token branch, which checkAdminToken allows only with generate
    assertThat(secret.indexOf("randAlphaNum"))
        .isGreaterThan(secret.indexOf("{{- if .Values.admin.token }}"));
    String helpers = Files.readString(CHART.resolve("templates/_helpers.tpl"));
    assertThat(helpers)
        .contains("{{- if .Values.admin.tokenSecret.generate }}{{ $sources = add1 $sources }}")
        .contains("{{- if ne (int $sources) 1 -}}");
    assertThat(Files.readString(CHART.resolve("templates/deployment.yaml")))
        .contains("{{- include \"tempura.checkAdminToken\" . }}");
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
