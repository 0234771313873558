package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.security.SecurityConfig;
import dev.tempura.testing.TestPki;
import dev.tempura.topology.ClusterAddress;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-backend TLS, mutual TLS and API keys from the backends config file, and the header policy: a
 * TLS backend that demands a client certificate and presents a certificate for a name other than
 * its address is reached with the configured CA, certificate and server name, and sees the
 * backend's API key; a plaintext backend without a key sees the client's own headers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackendCredentialsTest {
  private static final String OTHER = "other-app";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> CUSTOM =
      Metadata.Key.of("x-team", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir Path dir;
  private TemporalClusters backends;
  private RecordingFront secure;
  private RecordingFront plain;
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private TestPki pki;
  private Path tempuraCertFile;
  private Path tempuraKeyFile;
  private io.grpc.ServerCredentials secureCredentials;

  @BeforeEach
  void setUp() throws IOException {
    pki = TestPki.create(dir.resolve("pki"), "backend-ca");
    TestPki.Issued backendCert = pki.issue("CN=cluster-a", "dns:cluster-a.example.test");
    TestPki.Issued tempuraCert = pki.issue("CN=tempura,O=proxy");
    // the files Tempura reads, which a certificate manager would replace in place
    tempuraCertFile = dir.resolve("tempura-cert.pem");
    tempuraKeyFile = dir.resolve("tempura-key.pem");
    tempuraCert.copyTo(tempuraCertFile, tempuraKeyFile);
    backends = TemporalClusters.start(2);
    secureCredentials =
        TlsServerCredentials.newBuilder()
            .keyManager(backendCert.chainPem().toFile(), backendCert.keyPem().toFile())
            .trustManager(pki.caPem().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
            .build();
    secure = new RecordingFront(backends.address(0), secureCredentials);
    plain = RecordingFront.plaintext(backends.address(1));
    Path config = dir.resolve("backends.json");
    Files.writeString(
        config,
        """
        {
          "backends": {
            "%s": {
              "tls": {"ca": "%s", "cert": "%s", "key": "%s", "server_name": "cluster-a.example.test"},
              "api_key_env": "CLUSTER_A_KEY"
            }
          }
        }
        """
            .formatted(
                secure.address(),
                dir.relativize(pki.caPem()),
                dir.relativize(tempuraCertFile),
                dir.relativize(tempuraKeyFile)));
    SecurityConfig security = SecurityConfig.load(config, Map.of("CLUSTER_A_KEY", "key-for-a"));
    tempura =
        ProxyFixture.start(
            dir.resolve("data"),
            b -> b.security(security).tlsReloadInterval(Duration.ofMillis(200)));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", secure.address());
    tempura.topology().createVirtualNamespace(OTHER).join();
    tempura
        .topology()
        .addPhysicalNamespace(OTHER, "namespace-b", ClusterAddress.parse(plain.address()), 1)
        .join();
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    secure.close();
    plain.close();
    backends.close();
  }

  private Status.Code describe(String namespace) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer client-token");
    headers.put(CUSTOM, "payments");
    headers.put(Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER), namespace);
    try {
      WorkflowServiceGrpc.newBlockingStub(channel)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(ProxyFixture.describeRequest(namespace, "nobody"));
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  @Test
  void tlsBackend_isReachedWithItsCaClientCertificateAndServerName_andSeesOnlyItsApiKey() {
    assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);

    var calls = secure.seen(WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod());
    assertThat(calls).isNotEmpty();
    RecordingFront.Seen call = calls.get(calls.size() - 1);
    assertThat(call.clientCertSubject()).isEqualTo("CN=tempura,O=proxy");
    assertThat(call.headers().getAll(AUTHORIZATION)).containsExactly("Bearer key-for-a");
    assertThat(call.headers().get(CUSTOM)).isEqualTo("payments");
    assertThat(
            call.headers()
                .get(Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("namespace-a");
    // every call to this backend carries its key, the proxy's own (health checks, lookups) too
    assertThat(secure.seen())
        .allSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer key-for-a"));
  }

  @Test
  void renewedClientCertificate_isPresentedOnTheNextConnection_withoutARestart() throws Exception {
    assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(last().clientCertSubject()).isEqualTo("CN=tempura,O=proxy");

    pki.issue("CN=tempura-renewed,O=proxy").copyTo(tempuraCertFile, tempuraKeyFile);
    // the backend restarts on the same address, which ends its connections: Tempura's reconnect
    // shows which certificate it presents once it has read the renewed pair
    int port = secure.port();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              secure.close();
              secure = new RecordingFront(backends.address(0), secureCredentials, port);
              assertThat(describe(ProxyFixture.VIRTUAL)).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(last().clientCertSubject()).isEqualTo("CN=tempura-renewed,O=proxy");
            });
  }

  private RecordingFront.Seen last() {
    var calls = secure.seen(WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod());
    assertThat(calls).isNotEmpty();
    return calls.get(calls.size() - 1);
  }

  @Test
  void plaintextBackendWithoutAKey_seesTheClientsOwnHeaders() {
    assertThat(describe(OTHER)).isEqualTo(Status.Code.NOT_FOUND);

    var calls = plain.seen(WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod());
    assertThat(calls).isNotEmpty();
    RecordingFront.Seen call = calls.get(calls.size() - 1);
    assertThat(call.headers().getAll(AUTHORIZATION)).containsExactly("Bearer client-token");
    assertThat(call.headers().get(CUSTOM)).isEqualTo("payments");
    assertThat(plain.seen())
        .noneSatisfy(s -> assertThat(s.authorization()).isEqualTo("Bearer key-for-a"));
  }
}
