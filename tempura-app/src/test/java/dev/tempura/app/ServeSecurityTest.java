package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.proxy.security.ServerTls;
import dev.tempura.testing.TestPki;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code tempura serve} with TLS, admin credentials, the audit log and limits. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServeSecurityTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String TOKEN = "0123456789-admin-token";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private ServeSettings settings(String adminBind, SecuritySettings security) {
    return new ServeSettings(
        "127.0.0.1", 0, adminBind, 0, dir.resolve("data"), "embedded", security);
  }

  private static SecuritySettings security(
      String adminToken, Path adminTokenFile, Path adminCert, Path adminKey, Path adminClientCa) {
    SecuritySettings d = SecuritySettings.DEFAULTS;
    return new SecuritySettings(
        null,
        null,
        null,
        null,
        null,
        adminToken,
        adminTokenFile,
        adminCert,
        adminKey,
        adminClientCa,
        null,
        d.maxMessageBytes(),
        d.maxParkedPollsPerClient(),
        d.rateLimitPerNamespace());
  }

  private TempuraServer start(ServeSettings settings) throws Exception {
    TempuraServer server = TempuraServer.start(settings);
    open.add(server);
    return server;
  }

  private static HttpResponse<String> get(HttpClient http, String url, String token)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT).GET();
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(HttpClient http, String url, String body, String token)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private List<JsonNode> audit() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("data").resolve("audit.log"))) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  void adminOffLoopbackWithoutCredentials_refusesToStart_sayingWhatToSet() {
    StringWriter err = new StringWriter();
    CommandLine cli = TempuraCommand.commandLine();
    cli.setErr(new PrintWriter(err));

    int exit =
        cli.execute(
            "serve",
            "--admin-bind",
            "0.0.0.0",
            "--admin-port",
            "0",
            "--grpc-port",
            "0",
            "--bind",
            "127.0.0.1",
            "--data-dir",
            dir.resolve("data").toString());

    assertThat(exit).isNotZero();
    assertThat(err.toString())
        .contains("admin API would listen on 0.0.0.0")
        .contains("--admin-token")
        .contains("--admin-tls-client-ca");
    assertThatThrownBy(() -> start(settings("0.0.0.0", SecuritySettings.DEFAULTS)))
        .isInstanceOf(IllegalArgumentException.class);
    // loopback needs nothing
    assertThat(AdminAccess.isLoopback("127.0.0.1")).isTrue();
    assertThat(AdminAccess.isLoopback("localhost")).isTrue();
    assertThat(AdminAccess.isLoopback("0.0.0.0")).isFalse();
  }

  @Test
  void adminOffLoopbackWithAToken_requiresItExceptForHealth_andAuditsChanges() throws Exception {
    TempuraServer server = start(settings("0.0.0.0", security(TOKEN, null, null, null, null)));
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    String base = "http://127.0.0.1:" + server.adminPort();

    HttpResponse<String> refused = get(http, base + "/namespace/virtual/list", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).isEqualTo("unauthorized: send Authorization: Bearer <token>\n");
    assertThat(get(http, base + "/metrics", null).statusCode()).isEqualTo(401);
    assertThat(get(http, base + "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/readyz", null).statusCode()).isEqualTo(200);
    assertThat(
            post(http, base + "/namespace/virtual/create", "{\"name\": \"x\"}", null).statusCode())
        .isEqualTo(401);
    assertThat(get(http, base + "/namespace/virtual/list", TOKEN).statusCode()).isEqualTo(200);
    assertThat(
            post(http, base + "/namespace/virtual/create", "{\"name\": \"my-app\"}", TOKEN)
                .statusCode())
        .isEqualTo(200);

    List<JsonNode> lines = audit();
    assertThat(lines).extracting(l -> l.get("status").asInt()).containsExactly(401, 401, 401, 200);
    JsonNode created = lines.get(3);
    assertThat(created.get("identity").asText()).isEqualTo("admin-token");
    assertThat(created.get("path").asText()).isEqualTo("/namespace/virtual/create");
    assertThat(created.get("body").get("name").asText()).isEqualTo("my-app");
    assertThat(Files.readString(dir.resolve("data").resolve("audit.log"))).doesNotContain(TOKEN);
  }

  @Test
  void tokenFile_givesEachTokenItsLabel() throws Exception {
    Path tokens =
        Files.writeString(dir.resolve("tokens"), "# operators\nops:ops-token-1\nci:ci-token-22\n");
    TempuraServer server = start(settings("127.0.0.1", security(null, tokens, null, null, null)));
    HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    String base = "http://127.0.0.1:" + server.adminPort();

    assertThat(
            post(http, base + "/namespace/virtual/create", "{\"name\": \"a\"}", "ci-token-22")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            post(http, base + "/namespace/virtual/create", "{\"name\": \"b\"}", "ops-token-1")
                .statusCode())
        .isEqualTo(200);
    assertThat(
            post(http, base + "/namespace/virtual/create", "{\"name\": \"c\"}", "ops:ops-token-1")
                .statusCode())
        .isEqualTo(401);

    assertThat(audit())
        .extracting(l -> l.get("identity").asText())
        .containsExactly("ci", "ops", "null");
  }

  @Test
  void tlsOnBothPorts_andTheMessageLimit_areWired() throws Exception {
    TestPki ca = TestPki.create(dir.resolve("pki"), "tempura-ca");
    TestPki.Issued server = ca.issue("CN=tempura", "ip:127.0.0.1", "dns:localhost");
    TestPki.Issued operator = ca.issue("CN=operator,O=ops");
    SecuritySettings d = SecuritySettings.DEFAULTS;
    SecuritySettings security =
        new SecuritySettings(
            server.chainPem(),
            server.keyPem(),
            null,
            null,
            null,
            null,
            null,
            server.chainPem(),
            server.keyPem(),
            ca.caPem(),
            null,
            4096,
            d.maxParkedPollsPerClient(),
            0);
    TempuraServer tempura = start(settings("0.0.0.0", security));

    ManagedChannel tls =
        Grpc.newChannelBuilder(
                "127.0.0.1:" + tempura.grpcPort(),
                TlsChannelCredentials.newBuilder().trustManager(ca.caPem().toFile()).build())
            .build();
    ManagedChannel plaintext =
        Grpc.newChannelBuilder(
                "127.0.0.1:" + tempura.grpcPort(), InsecureChannelCredentials.create())
            .build();
    open.add(tls::shutdownNow);
    open.add(plaintext::shutdownNow);
    assertThat(
            HealthGrpc.newBlockingStub(tls)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThatThrownBy(
            () ->
                HealthGrpc.newBlockingStub(plaintext)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(
            () ->
                WorkflowServiceGrpc.newBlockingStub(tls)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .describeNamespace(
                        DescribeNamespaceRequest.newBuilder()
                            .setNamespace("n".repeat(8192))
                            .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

    String base = "https://127.0.0.1:" + tempura.adminPort();
    HttpClient anonymous = https(ca.trustingContext());
    HttpClient withCertificate = https(operator.sslContext(ca));
    assertThat(get(anonymous, base + "/namespace/virtual/list", null).statusCode()).isEqualTo(401);
    assertThat(get(anonymous, base + "/healthz", null).statusCode()).isEqualTo(200);
    assertThat(get(withCertificate, base + "/namespace/virtual/list", null).statusCode())
        .isEqualTo(200);
  }

  private static HttpClient https(SSLContext context) {
    return HttpClient.newBuilder().connectTimeout(TIMEOUT).sslContext(context).build();
  }

  @Test
  void securitySettings_resolveFromFlagsAndEnvironment() {
    Map<String, String> flags =
        Map.of(
            "tls-cert", "cert.pem",
            "tls-key", "key.pem",
            "tls-client-ca", "ca.pem",
            "max-parked-polls-per-client", "50",
            "rate-limit-per-namespace", "250.5",
            "audit-log", "-");
    ServeSettings s =
        ServeSettings.resolve(
            flags, Map.of("TEMPURA_ADMIN_TOKEN", TOKEN, "TEMPURA_MAX_MESSAGE_BYTES", "1048576"));

    assertThat(s.security().serverTls())
        .isEqualTo(
            ServerTls.mutual(
                Path.of("cert.pem"),
                Path.of("key.pem"),
                Path.of("ca.pem"),
                ServerTls.ClientAuth.REQUIRE));
    assertThat(s.security().adminToken()).isEqualTo(TOKEN);
    assertThat(s.security().maxMessageBytes()).isEqualTo(1048576);
    assertThat(s.security().maxParkedPollsPerClient()).isEqualTo(50);
    assertThat(s.security().rateLimitPerNamespace()).isEqualTo(250.5);
    assertThat(s.auditLogFile()).isNull();
    assertThat(s.toString()).doesNotContain(TOKEN);
    assertThat(ServeSettings.resolve(Map.of(), Map.of()).auditLogFile())
        .isEqualTo(Path.of("./data/audit.log"));
    assertThat(
            ServeSettings.resolve(
                    Map.of(
                        "tls-cert",
                        "c",
                        "tls-key",
                        "k",
                        "tls-client-ca",
                        "ca",
                        "tls-client-auth",
                        "optional"),
                    Map.of())
                .security()
                .serverTls()
                .clientAuth())
        .isEqualTo(ServerTls.ClientAuth.OPTIONAL);

    assertThatThrownBy(() -> ServeSettings.resolve(Map.of("tls-cert", "c"), Map.of()))
        .hasMessageContaining("tls-cert and tls-key go together");
    assertThatThrownBy(
            () -> ServeSettings.resolve(Map.of("tls-client-auth", "sometimes"), Map.of()))
        .hasMessageContaining("tls-client-auth");
    assertThatThrownBy(() -> ServeSettings.resolve(Map.of("max-message-bytes", "0"), Map.of()))
        .hasMessageContaining("max-message-bytes");
    assertThatThrownBy(
            () -> ServeSettings.resolve(Map.of("rate-limit-per-namespace", "fast"), Map.of()))
        .hasMessageContaining("rate-limit-per-namespace");
  }
}
