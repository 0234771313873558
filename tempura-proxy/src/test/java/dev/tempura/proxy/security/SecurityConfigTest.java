package dev.tempura.proxy.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecurityConfigTest {
  @TempDir Path dir;

  private SecurityConfig load(String json, Map<String, String> env) throws Exception {
    Path file = dir.resolve("tempura.json");
    Files.writeString(file, json);
    return SecurityConfig.load(file, env);
  }

  @Test
  void fullFile_isRead_withPathsRelativeToIt() throws Exception {
    SecurityConfig c =
        load(
            """
            {
              "backends": {
                "a.example.com:7233": {
                  "tls": {"ca": "ca.pem", "cert": "/abs/c.pem", "key": "k.pem", "server_name": "a.internal"},
                  "api_key_env": "KEY_A"
                },
                "b.example.com:7233": {"tls": true, "api_key": "literal"},
                "c:7233": {}
              },
              "authorization": {
                "virtual_namespaces": {"my-app": ["CN=worker-1,O=x", "svc-account-1"]},
                "jwt": {"jwks_url": "https://issuer.example.com/jwks.json", "audience": "tempura"}
              },
              "rate_limits": {"my-app": 500, "batch": 2.5}
            }
            """,
            Map.of("KEY_A", " secret-a "));

    BackendConfig a = c.backends().get("a.example.com:7233");
    assertThat(a.tls())
        .isEqualTo(
            new BackendTls(
                dir.resolve("ca.pem"), Path.of("/abs/c.pem"), dir.resolve("k.pem"), "a.internal"));
    assertThat(a.apiKey()).isEqualTo("secret-a");
    assertThat(a.toString()).doesNotContain("secret-a");
    assertThat(c.backends().get("b.example.com:7233"))
        .isEqualTo(new BackendConfig(BackendTls.systemTrust(), "literal"));
    assertThat(c.backends().get("c:7233")).isEqualTo(BackendConfig.PLAINTEXT);
    assertThat(c.authorization().virtualNamespaces())
        .containsEntry("my-app", List.of("CN=worker-1,O=x", "svc-account-1"));
    assertThat(c.authorization().jwt().claim()).isEqualTo("sub");
    assertThat(c.authorization().jwt().jwksUrl())
        .hasToString("https://issuer.example.com/jwks.json");
    assertThat(c.rateLimits()).containsEntry("my-app", 500.0).containsEntry("batch", 2.5);
  }

  @Test
  void mistakes_areReportedWithTheirPlace() {
    assertThatThrownBy(() -> load("{\"backend\": {}}", Map.of()))
        .hasMessageContaining("unknown key 'backend'");
    assertThatThrownBy(
            () -> load("{\"backends\": {\"a:1\": {\"tls\": {\"cert\": \"c.pem\"}}}}", Map.of()))
        .hasMessageContaining("backends.a:1.tls")
        .hasMessageContaining("cert and key go together");
    assertThatThrownBy(
            () -> load("{\"backends\": {\"a:1\": {\"api_key_env\": \"MISSING\"}}}", Map.of()))
        .hasMessageContaining("MISSING is not set");
    assertThatThrownBy(() -> load("{\"authorization\": {\"jwt\": {}}}", Map.of()))
        .hasMessageContaining("exactly one of jwks_file and jwks_url");
    assertThatThrownBy(() -> load("{\"rate_limits\": {\"x\": \"fast\"}}", Map.of()))
        .hasMessageContaining("rate_limits.x");
    assertThatThrownBy(() -> load("not json", Map.of())).hasMessageContaining("not JSON");
  }

  @Test
  void missingOrMismatchedCertificateFiles_areReportedByName() throws Exception {
    TestPki pki = TestPki.create(dir.resolve("pki"), "ca");
    TestPki.Issued one = pki.issue("CN=one");
    TestPki.Issued two = pki.issue("CN=two");
    try (TlsReloader tls = new TlsReloader(Duration.ofSeconds(1))) {
      assertThatThrownBy(
              () -> tls.serverCredentials(ServerTls.of(dir.resolve("nope.pem"), one.keyPem())))
          .hasMessageContaining("nope.pem");
      assertThatThrownBy(() -> tls.serverCredentials(ServerTls.of(one.chainPem(), two.keyPem())))
          .hasMessageContaining("does not belong to the certificate");
      assertThat(tls.serverCredentials(ServerTls.of(one.chainPem(), one.keyPem()))).isNotNull();
    }
  }

  @Test
  void clientAuthWithoutACa_isRefused() {
    assertThatThrownBy(
            () ->
                ServerTls.mutual(
                    dir.resolve("c"), dir.resolve("k"), null, ServerTls.ClientAuth.REQUIRE))
        .isInstanceOf(NullPointerException.class);
    assertThat(ServerTls.ClientAuth.parse("Require")).isEqualTo(ServerTls.ClientAuth.REQUIRE);
    assertThatThrownBy(() -> ServerTls.ClientAuth.parse("maybe"))
        .hasMessageContaining("none, optional or require");
  }
}
