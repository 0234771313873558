package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.security.ServerTls;
import dev.tempura.testing.TestPki;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** TLS and mutual TLS on the gRPC port, and certificates replaced while the proxy runs. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsTest {
  @TempDir static Path certs;
  @TempDir Path dir;

  private static TestPki serverCa;
  private static TestPki clientCa;
  private static TestPki otherCa;
  private static TestPki.Issued serverCert;

  private TemporalClusters backends;
  private ProxyFixture tempura;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() {
    serverCa = TestPki.create(certs.resolve("server"), "server-ca");
    clientCa = TestPki.create(certs.resolve("client"), "client-ca");
    otherCa = TestPki.create(certs.resolve("other"), "other-ca");
    serverCert = serverCa.issue("CN=tempura-1", "dns:localhost", "ip:127.0.0.1");
  }

  private void start(ServerTls tls) {
    backends = TemporalClusters.start(1);
    tempura =
        ProxyFixture.start(dir, b -> b.serverTls(tls).tlsReloadInterval(Duration.ofMillis(100)));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
  }

  @AfterEach
  void tearDown() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (tempura != null) {
      tempura.close();
    }
    if (backends != null) {
      backends.close();
    }
  }

  private ManagedChannel channel(ChannelCredentials credentials) {
    ManagedChannel c = Grpc.newChannelBuilder(tempura.target(), credentials).build();
    channels.add(c);
    return c;
  }

  private static ChannelCredentials trusting(TestPki ca) throws IOException {
    return TlsChannelCredentials.newBuilder().trustManager(ca.caPem().toFile()).build();
  }

  private static ChannelCredentials withCertificate(TestPki.Issued cert, TestPki trust)
      throws IOException {
    return TlsChannelCredentials.newBuilder()
        .keyManager(cert.chainPem().toFile(), cert.keyPem().toFile())
        .trustManager(trust.caPem().toFile())
        .build();
  }

  /** A call the backend answers: NOT_FOUND for a workflow nobody started. */
  private static Status.Code describe(ManagedChannel channel) {
    try {
      WorkflowServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(ProxyFixture.describeRequest(ProxyFixture.VIRTUAL, "nobody"));
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void clientTrustingTheCa_isServedOverTls_andPlaintextIsNot() throws IOException {
    start(ServerTls.of(serverCert.chainPem(), serverCert.keyPem()));

    assertThat(describe(channel(trusting(serverCa)))).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(describe(channel(InsecureChannelCredentials.create())))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(describe(channel(trusting(otherCa)))).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void mutualTls_refusesClientsWithoutACertificateOfTheClientCa() throws IOException {
    start(
        ServerTls.mutual(
            serverCert.chainPem(),
            serverCert.keyPem(),
            clientCa.caPem(),
            ServerTls.ClientAuth.REQUIRE));
    TestPki.Issued worker = clientCa.issue("CN=worker-1,O=x");
    TestPki.Issued stranger = otherCa.issue("CN=worker-1,O=x");

    assertThat(describe(channel(trusting(serverCa)))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(describe(channel(withCertificate(stranger, serverCa))))
        .isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(describe(channel(withCertificate(worker, serverCa))))
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void replacedCertificateFiles_areUsedForNewConnections_withoutARestart() throws Exception {
    Path certFile = dir.resolve("live-cert.pem");
    Path keyFile = dir.resolve("live-key.pem");
    serverCert.copyTo(certFile, keyFile);
    start(ServerTls.of(certFile, keyFile));
    ManagedChannel before = channel(trusting(serverCa));
    assertThat(describe(before)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(serverCertificate().getSubjectX500Principal().getName()).isEqualTo("CN=tempura-1");

    TestPki.Issued renewed = serverCa.issue("CN=tempura-2", "dns:localhost", "ip:127.0.0.1");
    renewed.copyTo(certFile, keyFile);

    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(serverCertificate().getSubjectX500Principal().getName())
                    .isEqualTo("CN=tempura-2"));
    assertThat(serverCertificate().getSerialNumber())
        .isEqualTo(renewed.certificate().getSerialNumber());
    assertThat(describe(channel(trusting(serverCa)))).isEqualTo(Status.Code.NOT_FOUND);
    // the connection made before the swap keeps working
    assertThat(describe(before)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void aHalfWrittenPair_isNotUsed_andTheOldCertificateStays() throws Exception {
    Path certFile = dir.resolve("live-cert.pem");
    Path keyFile = dir.resolve("live-key.pem");
    serverCert.copyTo(certFile, keyFile);
    start(ServerTls.of(certFile, keyFile));
    TestPki.Issued renewed = serverCa.issue("CN=tempura-3", "dns:localhost", "ip:127.0.0.1");

    // only the certificate so far: its key is not the one in the key file
    java.nio.file.Files.copy(
        renewed.chainPem(), certFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Awaitility.await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(serverCertificate().getSubjectX500Principal().getName())
                    .isEqualTo("CN=tempura-1"));
    assertThat(describe(channel(trusting(serverCa)))).isEqualTo(Status.Code.NOT_FOUND);

    java.nio.file.Files.copy(
        renewed.keyPem(), keyFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(serverCertificate().getSubjectX500Principal().getName())
                    .isEqualTo("CN=tempura-3"));
  }

  /** The certificate a new TLS connection to the proxy is shown. */
  private X509Certificate serverCertificate() throws Exception {
    int port = Integer.parseInt(tempura.target().substring(tempura.target().lastIndexOf(':') + 1));
    try (SSLSocket socket =
        (SSLSocket) serverCa.trustingContext().getSocketFactory().createSocket("127.0.0.1", port)) {
      SSLParameters p = socket.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2"});
      socket.setSSLParameters(p);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
