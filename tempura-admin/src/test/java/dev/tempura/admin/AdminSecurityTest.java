package dev.tempura.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.testing.TestPki;
import dev.tempura.topology.TopologyService;
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
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer tokens, client certificates and the audit log of the admin API. */
class AdminSecurityTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final String TOKEN = "s3cr3t-admin-token-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private TopologyService topology;
  private AdminServer server;
  private AuditLog audit;

  private final Map<String, AdminRoute> health =
      Map.of("/healthz", (method, query, body) -> AdminResponse.text(200, "ok\n"));

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (topology != null) {
      topology.close();
    }
  }

  private void start(AdminOptions.Builder options) throws Exception {
    topology = TopologyService.load(new InMemoryTopologyStore());
    audit = AuditLog.toFile(dir.resolve("audit").resolve("audit.log"));
    server =
        AdminServer.start(
            options.bindAddress("127.0.0.1").port(0).auditLog(audit).build(), topology, health);
  }

  private HttpResponse<String> send(
      HttpClient http, String scheme, String method, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + server.port() + path))
            .timeout(TIMEOUT)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      r.header("Authorization", "Bearer " + token);
    }
    return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient plain() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(TIMEOUT)
        .build();
  }

  private static HttpClient tls(SSLContext context) {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(TIMEOUT)
        .sslContext(context)
        .build();
  }

  private List<JsonNode> auditLines() throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("audit").resolve("audit.log"))) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  void withAToken_everyRequestButHealthNeedsIt_andChangesAndRefusalsAreAudited() throws Exception {
    start(AdminOptions.builder().tokens(Map.of("ops", TOKEN)));
    HttpClient http = plain();

    HttpResponse<String> refused =
        send(http, "http", "POST", "/namespace/virtual/create", "{\"name\": \"a\"}", null);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).isEqualTo("unauthorized: send Authorization: Bearer <token>\n");
    assertThat(refused.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"tempura-admin\"");
    assertThat(send(http, "http", "GET", "/namespace/virtual/list", null, null).statusCode())
        .isEqualTo(401);
    assertThat(send(http, "http", "GET", "/namespace/virtual/list", null, "wrong").statusCode())
        .isEqualTo(401);
    assertThat(topology.virtualNamespace("a")).isEmpty();

    HttpResponse<String> healthz = send(http, "http", "GET", "/healthz", null, null);
    assertThat(healthz.statusCode()).isEqualTo(200);

    // an unknown field is refused, and its secret-looking value is still kept out of the audit log
    HttpResponse<String> created =
        send(
            http,
            "http",
            "POST",
            "/namespace/virtual/create",
            "{\"name\": \"a\", \"api_key\": \"do-not-log\"}",
            TOKEN);
    assertThat(created.statusCode()).isEqualTo(400);
    assertThat(send(http, "http", "GET", "/namespace/virtual/list", null, TOKEN).statusCode())
        .isEqualTo(200);
    assertThat(
            send(http, "http", "POST", "/namespace/virtual/create", "{\"name\": \"a\"}", TOKEN)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(http, "http", "POST", "/namespace/virtual/create", "{\"name\": \"a\"}", TOKEN)
                .statusCode())
        .isEqualTo(409);

    List<JsonNode> lines = auditLines();
    assertThat(lines).hasSize(6);
    JsonNode first = lines.get(0);
    assertThat(first.get("method").asText()).isEqualTo("POST");
    assertThat(first.get("path").asText()).isEqualTo("/namespace/virtual/create");
    assertThat(first.get("status").asInt()).isEqualTo(401);
    assertThat(first.get("outcome").asText()).isEqualTo("refused");
    assertThat(first.get("auth").asText()).isEqualTo("none");
    assertThat(first.get("remote").asText()).startsWith("127.0.0.1:");
    assertThat(java.time.Instant.parse(first.get("time").asText())).isNotNull();
    // the refused GETs are recorded as refusals too
    assertThat(lines.get(1).get("method").asText()).isEqualTo("GET");
    assertThat(lines.get(1).get("status").asInt()).isEqualTo(401);
    JsonNode change = lines.get(3);
    assertThat(change.get("identity").asText()).isEqualTo("ops");
    assertThat(change.get("auth").asText()).isEqualTo("token");
    assertThat(change.get("status").asInt()).isEqualTo(400);
    assertThat(change.get("outcome").asText()).isEqualTo("failed");
    assertThat(change.get("body").get("name").asText()).isEqualTo("a");
    assertThat(change.get("body").get("api_key").asText()).isEqualTo("[redacted]");
    assertThat(lines.get(4).get("status").asInt()).isEqualTo(200);
    assertThat(lines.get(4).get("outcome").asText()).isEqualTo("ok");
    assertThat(lines.get(5).get("status").asInt()).isEqualTo(409);
    assertThat(lines.get(5).get("outcome").asText()).isEqualTo("failed");
    String all = Files.readString(dir.resolve("audit").resolve("audit.log"));
    assertThat(all).doesNotContain("do-not-log").doesNotContain(TOKEN);
  }

  @Test
  void withClientCertificates_aCertificateOfTheClientCaAuthenticates() throws Exception {
    TestPki serverCa = TestPki.create(dir.resolve("server"), "server-ca");
    TestPki clientCa = TestPki.create(dir.resolve("client"), "client-ca");
    TestPki.Issued serverCert = serverCa.issue("CN=tempura-admin", "ip:127.0.0.1");
    TestPki.Issued operator = clientCa.issue("CN=operator-1,O=ops");
    start(AdminOptions.builder().https(serverCert.sslContext(clientCa), true));

    HttpClient anonymous = tls(serverCa.trustingContext());
    assertThat(send(anonymous, "https", "GET", "/namespace/virtual/list", null, null).statusCode())
        .isEqualTo(401);
    assertThat(send(anonymous, "https", "GET", "/healthz", null, null).statusCode()).isEqualTo(200);

    HttpClient withCertificate = tls(operator.sslContext(serverCa));
    assertThat(
            send(
                    withCertificate,
                    "https",
                    "POST",
                    "/namespace/virtual/create",
                    "{\"name\": \"b\"}",
                    null)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(withCertificate, "https", "GET", "/namespace/virtual/list", null, null)
                .statusCode())
        .isEqualTo(200);

    JsonNode change = auditLines().get(auditLines().size() - 1);
    assertThat(change.get("identity").asText()).isEqualTo("CN=operator-1,O=ops");
    assertThat(change.get("auth").asText()).isEqualTo("client-certificate");
  }

  @Test
  void withoutCredentialsConfigured_everythingIsOpen_andChangesAreStillAudited() throws Exception {
    start(AdminOptions.builder());

    assertThat(
            send(plain(), "http", "POST", "/namespace/virtual/create", "{\"name\": \"c\"}", null)
                .statusCode())
        .isEqualTo(200);
    JsonNode line = auditLines().get(0);
    assertThat(line.get("identity").isNull()).isTrue();
    assertThat(line.get("auth").asText()).isEqualTo("none");
    assertThat(line.get("status").asInt()).isEqualTo(200);
  }
}
