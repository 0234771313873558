package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.security.SecurityConfig;
import dev.tempura.proxy.security.ServerTls;
import dev.tempura.testing.TestPki;
import dev.tempura.topology.ClusterAddress;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allow-list of a virtual namespace, by client certificate subject or JWT claim: allowed
 * identities are served, everyone else gets PERMISSION_DENIED, for polls too; invalid or expired
 * tokens are refused; cluster-level calls are open to any authenticated client.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthorizationTest {
  private static final String ISSUER = "https://issuer.example.test";
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dir;
  private static TestPki serverCa;
  private static TestPki clientCa;
  private static TemporalClusters backends;
  private static ProxyFixture tempura;
  private static RSAKey rsa;
  private static ECKey ec;
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    serverCa = TestPki.create(dir.resolve("server"), "server-ca");
    clientCa = TestPki.create(dir.resolve("client"), "client-ca");
    TestPki.Issued server = serverCa.issue("CN=tempura", "ip:127.0.0.1");
    rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    Files.writeString(
        dir.resolve("jwks.json"),
        new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
    Files.writeString(
        dir.resolve("tempura.json"),
        """
        {
          "authorization": {
            "virtual_namespaces": {
              "%s": ["CN=worker-1, O=x", "svc-account-1"],
              "other-app": ["*"]
            },
            "jwt": {"jwks_file": "jwks.json", "issuer": "%s", "audience": "tempura"}
          }
        }
        """
            .formatted(ProxyFixture.VIRTUAL, ISSUER));
    SecurityConfig security = SecurityConfig.load(dir.resolve("tempura.json"), Map.of());
    backends = TemporalClusters.start(1);
    tempura =
        ProxyFixture.start(
            dir.resolve("data"),
            b ->
                b.security(security)
                    .serverTls(
                        ServerTls.mutual(
                            server.chainPem(),
                            server.keyPem(),
                            clientCa.caPem(),
                            ServerTls.ClientAuth.OPTIONAL)));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    tempura.close();
    backends.close();
  }

  private static ManagedChannel channel(TestPki.Issued cert) throws Exception {
    TlsChannelCredentials.Builder creds =
        TlsChannelCredentials.newBuilder().trustManager(serverCa.caPem().toFile());
    if (cert != null) {
      creds.keyManager(cert.chainPem().toFile(), cert.keyPem().toFile());
    }
    ChannelCredentials c = creds.build();
    ManagedChannel ch = Grpc.newChannelBuilder(tempura.target(), c).build();
    channels.add(ch);
    return ch;
  }

  private static WorkflowServiceGrpc.WorkflowServiceBlockingStub stub(
      ManagedChannel ch, String token) {
    WorkflowServiceGrpc.WorkflowServiceBlockingStub s =
        WorkflowServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
    if (token != null) {
      Metadata h = new Metadata();
      h.put(AUTHORIZATION, "Bearer " + token);
      s = s.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }
    return s;
  }

  private static StatusRuntimeException describe(
      ManagedChannel ch, String token, String namespace) {
    try {
      stub(ch, token).describeWorkflowExecution(ProxyFixture.describeRequest(namespace, "nobody"));
      return Status.OK.asRuntimeException();
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  private static Status.Code describe(ManagedChannel ch, String token) {
    return describe(ch, token, ProxyFixture.VIRTUAL).getStatus().getCode();
  }

  private static String jwt(
      JWSSigner signer, JWSAlgorithm alg, String kid, String subject, Instant expires)
      throws Exception {
    return dev.tempura.proxy.security.TestJwts.sign(
        signer, alg, kid, subject, ISSUER, "tempura", expires);
  }

  private static String rsaToken(String subject, Instant expires) throws Exception {
    return jwt(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1", subject, expires);
  }

  private static Instant inAnHour() {
    return Instant.now().plusSeconds(3600);
  }

  @Test
  void allowedCertificateSubject_isServed_othersAreDenied() throws Exception {
    ManagedChannel worker = channel(clientCa.issue("CN=worker-1,O=x"));
    ManagedChannel intruder = channel(clientCa.issue("CN=intruder,O=x"));

    assertThat(describe(worker, null)).isEqualTo(Status.Code.NOT_FOUND);
    StatusRuntimeException denied = describe(intruder, null, ProxyFixture.VIRTUAL);
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(denied.getStatus().getDescription()).contains("CN=intruder,O=x");
    // nobody learns whether a namespace they may not use exists
    assertThat(describe(intruder, null, "no-such-namespace").getStatus().getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    // a namespace open to every authenticated client
    assertThat(describe(intruder, null, "other-app").getStatus().getCode())
        .isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void clientWithNeitherCertificateNorToken_isDenied_evenForClusterCalls() throws Exception {
    ManagedChannel anonymous = channel(null);

    assertThat(describe(anonymous, null)).isEqualTo(Status.Code.PERMISSION_DENIED);
    try {
      stub(anonymous, null).getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
      org.assertj.core.api.Assertions.fail("expected PERMISSION_DENIED");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
  }

  @Test
  void listNamespaces_showsOnlyTheNamespacesTheClientMayUse() throws Exception {
    tempura.topology().createVirtualNamespace("hidden-app").join();
    tempura
        .topology()
        .addPhysicalNamespace(
            "hidden-app", "hidden-a", ClusterAddress.parse(backends.address(0)), 1)
        .join();
    ManagedChannel worker = channel(clientCa.issue("CN=worker-1,O=x"));
    ManagedChannel intruder = channel(clientCa.issue("CN=intruder,O=x"));

    assertThat(names(stub(worker, null).listNamespaces(ListNamespacesRequest.getDefaultInstance())))
        .containsExactly(ProxyFixture.VIRTUAL);
    assertThat(
            names(stub(intruder, null).listNamespaces(ListNamespacesRequest.getDefaultInstance())))
        .isEmpty();
  }

  private static List<String> names(ListNamespacesResponse r) {
    return r.getNamespacesList().stream().map(n -> n.getNamespaceInfo().getName()).toList();
  }

  @Test
  void clusterCalls_areOpenToAnyAuthenticatedClient() throws Exception {
    ManagedChannel intruder = channel(clientCa.issue("CN=intruder,O=x"));

    assertThat(stub(intruder, null).getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
        .isNotNull();
  }

  @Test
  void validJwt_rs256AndEs256_ofAnAllowedSubject_isServed() throws Exception {
    ManagedChannel anonymous = channel(null);

    assertThat(describe(anonymous, rsaToken("svc-account-1", inAnHour())))
        .isEqualTo(Status.Code.NOT_FOUND);
    String es256 =
        jwt(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1", "svc-account-1", inAnHour());
    assertThat(describe(anonymous, es256)).isEqualTo(Status.Code.NOT_FOUND);
  }

  @Test
  void validJwt_ofAnotherSubject_isDenied() throws Exception {
    assertThat(describe(channel(null), rsaToken("svc-account-2", inAnHour())))
        .isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void expiredJwt_isDenied() throws Exception {
    StatusRuntimeException e =
        describe(
            channel(null),
            rsaToken("svc-account-1", Instant.now().minusSeconds(600)),
            ProxyFixture.VIRTUAL);

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getStatus().getDescription()).containsIgnoringCase("expired");
  }

  @Test
  void jwtSignedByAnUnknownKey_orGarbage_isDenied_evenWithAnAllowedCertificate() throws Exception {
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
    String forged =
        jwt(new RSASSASigner(stranger), JWSAlgorithm.RS256, "rsa-1", "svc-account-1", inAnHour());
    ManagedChannel worker = channel(clientCa.issue("CN=worker-1,O=x"));

    assertThat(describe(channel(null), forged)).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(describe(channel(null), "not-a-jwt")).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(describe(worker, forged)).isEqualTo(Status.Code.PERMISSION_DENIED);
  }

  @Test
  void polls_areAuthorizedToo() throws Exception {
    ManagedChannel worker = channel(clientCa.issue("CN=worker-1,O=x"));
    ManagedChannel intruder = channel(clientCa.issue("CN=intruder,O=x"));
    PollActivityTaskQueueRequest poll =
        PollActivityTaskQueueRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setTaskQueue(TaskQueue.newBuilder().setName("authz-queue"))
            .build();

    try {
      WorkflowServiceGrpc.newBlockingStub(intruder)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .pollActivityTaskQueue(poll);
      org.assertj.core.api.Assertions.fail("expected PERMISSION_DENIED");
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
    // allowed: parks, and is answered empty before its deadline, as Temporal does
    assertThat(
            WorkflowServiceGrpc.newBlockingStub(worker)
                .withDeadlineAfter(2, TimeUnit.SECONDS)
                .pollActivityTaskQueue(poll)
                .getTaskToken()
                .isEmpty())
        .isTrue();
  }
}
