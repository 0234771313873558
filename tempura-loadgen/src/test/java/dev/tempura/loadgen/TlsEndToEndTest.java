package dev.tempura.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.local.Ports;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.TlsServerCredentials;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS as benchmark-workers configures it, against the in-memory server behind a TLS port
 * that demands a client certificate. The key pair is made per run with the JDK's keytool, so that
 * no private key is checked in.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsEndToEndTest {
  @TempDir static Path directory;

  private static Path certificate;
  private static Path key;
  private static TestServicesStarter services;
  private static Server server;
  private static int port;

  @BeforeAll
  static void startTlsServer() throws Exception {
    generateKeyPair();
    port = Ports.freePort();
    ServerBuilder<?> builder =
        Grpc.newServerBuilderForPort(
            port,
            TlsServerCredentials.newBuilder()
                .keyManager(certificate.toFile(), key.toFile())
                .trustManager(certificate.toFile())
                .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
                .build());
    services = new TestServicesStarter(true, 0);
    GRPCServerHelper.registerServicesAndHealthChecks(services.getServices(), builder);
    server = builder.build().start();
  }

  @AfterAll
  static void stopTlsServer() {
    server.shutdownNow();
    services.close();
  }

  @Test
  void workerAndRunnerTalkMutualTlsTrustingTheGivenAuthority() throws InterruptedException {
    TlsSettings tls = new TlsSettings(certificate, key, Optional.of(certificate), false);
    String endpoint = "localhost:" + port;

    try (LoadWorker worker =
        LoadWorker.start(
            LoadgenSettings.builder().endpoint(endpoint).taskQueue("tls-ca").tls(tls).build())) {
      RunSummary summary =
          LoadRunner.run(
              RunnerSettings.builder()
                  .endpoint(endpoint)
                  .taskQueue(worker.settings().taskQueue())
                  .tls(tls)
                  .input(WireFormatTest.EXAMPLE_INPUT)
                  .concurrency(2)
                  .maxWorkflows(3)
                  .build(),
              LoadListener.NONE);

      assertThat(summary.completed()).isEqualTo(3);
    }
  }

  @Test
  void disablingHostVerificationTrustsAnyServerAsGoDoes() throws InterruptedException {
    Map<String, String> env =
        Map.of(
            "TEMPORAL_GRPC_ENDPOINT",
            "127.0.0.1:" + port,
            "TEMPORAL_TASK_QUEUE",
            "tls-insecure",
            "TEMPORAL_TLS_CERT",
            certificate.toString(),
            "TEMPORAL_TLS_KEY",
            key.toString(),
            "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
            "true");

    try (LoadWorker worker = LoadWorker.start(LoadgenSettings.fromEnvironment(env).build())) {
      assertThat(worker.settings().tls())
          .hasValueSatisfying(tls -> assertThat(tls.disableHostVerification()).isTrue());
      RunSummary summary =
          LoadRunner.run(
              RunnerSettings.fromEnvironment(env)
                  .input("{\"Count\":1,\"Activity\":\"Echo\",\"Input\":{\"Message\":\"x\"}}")
                  .maxWorkflows(2)
                  .reportInterval(Duration.ofSeconds(1))
                  .build(),
              LoadListener.NONE);

      assertThat(summary.completed()).isEqualTo(2);
    }
  }

  @Test
  void aCertificateFileThatIsMissingIsReportedByName() {
    TlsSettings tls =
        new TlsSettings(directory.resolve("missing.pem"), key, Optional.empty(), false);

    assertThatThrownBy(
            () ->
                LoadWorker.start(
                    LoadgenSettings.builder().endpoint("127.0.0.1:" + port).tls(tls).build()))
        .hasMessageContaining("missing.pem");
  }

  /** A self-signed certificate for localhost and 127.0.0.1, both server and client. */
  private static void generateKeyPair() throws Exception {
    Path store = directory.resolve("pair.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process =
        new ProcessBuilder(
                keytool,
                "-genkeypair",
                "-alias",
                "loadgen",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-ext",
                "EKU=serverAuth,clientAuth",
                "-validity",
                "2",
                "-keystore",
                store.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor()).as(output).isZero();

    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      keyStore.load(in, "changeit".toCharArray());
    }
    Certificate cert = keyStore.getCertificate("loadgen");
    certificate = pem(directory.resolve("cert.pem"), "CERTIFICATE", cert.getEncoded());
    // PKCS#8, the one key format the Java SDK reads
    key =
        pem(
            directory.resolve("key.pem"),
            "PRIVATE KEY",
            keyStore.getKey("loadgen", "changeit".toCharArray()).getEncoded());
  }

  private static Path pem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return Files.writeString(
        file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }
}
