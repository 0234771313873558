package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.local.TemporalClusters;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.nexus.v1.Endpoint;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.DeleteNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.GetNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsRequest;
import io.temporal.api.operatorservice.v1.ListNexusEndpointsResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.operatorservice.v1.UpdateNexusEndpointRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nexus endpoint administration through Tempura, over two in-memory clusters (the second behind a
 * forwarder that can fail chosen calls): each write lands on both clusters with the target made
 * physical per cluster; reads answer once with the virtual name; a write that stops half way fails
 * naming both clusters, and the same request completes it.
 */
class NexusEndpointsTest {
  private static final String V = ProxyFixture.VIRTUAL;

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend faultyB;
  private ProxyFixture tempura;
  private final List<io.grpc.ManagedChannel> channels = new ArrayList<>();
  private OperatorServiceGrpc.OperatorServiceBlockingStub viaTempura;
  private OperatorServiceGrpc.OperatorServiceBlockingStub onA;
  private OperatorServiceGrpc.OperatorServiceBlockingStub onB;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    faultyB = new FaultyBackend(backends.address(1));
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.addPhysical("namespace-b", faultyB.address());
    viaTempura = operator(tempura.target());
    onA = operator(backends.address(0));
    onB = operator(backends.address(1));
  }

  @AfterEach
  void tearDown() {
    channels.forEach(io.grpc.ManagedChannel::shutdownNow);
    tempura.close();
    faultyB.close();
    backends.close();
  }

  private OperatorServiceGrpc.OperatorServiceBlockingStub operator(String target) {
    io.grpc.ManagedChannel c =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(target)
            .usePlaintext()
            .build();
    channels.add(c);
    return OperatorServiceGrpc.newBlockingStub(c)
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  private static EndpointSpec spec(String name, String namespace, String queue) {
    return EndpointSpec.newBuilder()
        .setName(name)
        .setTarget(
            EndpointTarget.newBuilder()
                .setWorker(
                    EndpointTarget.Worker.newBuilder().setNamespace(namespace).setTaskQueue(queue)))
        .build();
  }

  private static Endpoint byName(OperatorServiceGrpc.OperatorServiceBlockingStub on, String name) {
    List<Endpoint> found =
        on.listNexusEndpoints(
                ListNexusEndpointsRequest.newBuilder().setPageSize(100).setName(name).build())
            .getEndpointsList();
    return found.isEmpty() ? null : found.get(0);
  }

  private Endpoint create(String name, String queue) {
    return viaTempura
        .createNexusEndpoint(
            CreateNexusEndpointRequest.newBuilder().setSpec(spec(name, V, queue)).build())
        .getEndpoint();
  }

  @Test
  void create_landsOnEveryCluster_withItsPhysicalTarget_andAnswersWithTheVirtualOne() {
    Endpoint made = create("payments", "pay-queue");

    assertThat(made.getSpec()).isEqualTo(spec("payments", V, "pay-queue"));
    Endpoint a = byName(onA, "payments");
    Endpoint b = byName(onB, "payments");
    assertThat(a.getSpec()).isEqualTo(spec("payments", "namespace-a", "pay-queue"));
    assertThat(b.getSpec()).isEqualTo(spec("payments", "namespace-b", "pay-queue"));
    // one id for clients: the copy's on the first cluster
    assertThat(made.getId()).isEqualTo(a.getId()).isNotEqualTo(b.getId());
    assertThat(made.getVersion()).isEqualTo(a.getVersion());
  }

  @Test
  void getAndList_answerOnce_withTheVirtualName_andLeaveOtherEndpointsOut() {
    Endpoint made = create("payments", "pay-queue");
    create("billing", "bill-queue");
    create("orders", "order-queue");
    // managed on the cluster itself, for a namespace Tempura does not front
    onA.createNexusEndpoint(
        CreateNexusEndpointRequest.newBuilder()
            .setSpec(spec("unrelated", "someone-else", "q"))
            .build());

    Endpoint got =
        viaTempura
            .getNexusEndpoint(GetNexusEndpointRequest.newBuilder().setId(made.getId()).build())
            .getEndpoint();
    assertThat(got).isEqualTo(made);

    ListNexusEndpointsResponse first =
        viaTempura.listNexusEndpoints(
            ListNexusEndpointsRequest.newBuilder().setPageSize(2).build());
    assertThat(first.getEndpointsList())
        .extracting(e -> e.getSpec().getName())
        .containsExactly("billing", "orders");
    assertThat(first.getNextPageToken()).isNotEmpty();
    ListNexusEndpointsResponse second =
        viaTempura.listNexusEndpoints(
            ListNexusEndpointsRequest.newBuilder()
                .setPageSize(2)
                .setNextPageToken(first.getNextPageToken())
                .build());
    assertThat(second.getEndpointsList()).containsExactly(made);
    assertThat(second.getNextPageToken()).isEmpty();

    assertThat(
            viaTempura
                .listNexusEndpoints(
                    ListNexusEndpointsRequest.newBuilder().setName("orders").build())
                .getEndpointsList())
        .singleElement()
        .satisfies(e -> assertThat(e.getSpec()).isEqualTo(spec("orders", V, "order-queue")));

    assertThatThrownBy(
            () ->
                viaTempura.listNexusEndpoints(
                    ListNexusEndpointsRequest.newBuilder()
                        .setNextPageToken(com.google.protobuf.ByteString.copyFromUtf8("forged"))
                        .build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void update_changesEveryCopy_andDelete_removesEveryCopy() {
    Endpoint made = create("payments", "pay-queue");

    Endpoint updated =
        viaTempura
            .updateNexusEndpoint(
                UpdateNexusEndpointRequest.newBuilder()
                    .setId(made.getId())
                    .setVersion(made.getVersion())
                    .setSpec(spec("payments", V, "new-queue"))
                    .build())
            .getEndpoint();

    assertThat(updated.getId()).isEqualTo(made.getId());
    assertThat(updated.getSpec()).isEqualTo(spec("payments", V, "new-queue"));
    assertThat(byName(onA, "payments").getSpec())
        .isEqualTo(spec("payments", "namespace-a", "new-queue"));
    assertThat(byName(onB, "payments").getSpec())
        .isEqualTo(spec("payments", "namespace-b", "new-queue"));

    // a stale version is refused before anything changes
    assertThatThrownBy(
            () ->
                viaTempura.deleteNexusEndpoint(
                    DeleteNexusEndpointRequest.newBuilder()
                        .setId(made.getId())
                        .setVersion(made.getVersion())
                        .build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThat(byName(onB, "payments")).isNotNull();

    viaTempura.deleteNexusEndpoint(
        DeleteNexusEndpointRequest.newBuilder()
            .setId(updated.getId())
            .setVersion(updated.getVersion())
            .build());
    assertThat(byName(onA, "payments")).isNull();
    assertThat(byName(onB, "payments")).isNull();
    assertThatThrownBy(
            () ->
                viaTempura.getNexusEndpoint(
                    GetNexusEndpointRequest.newBuilder().setId(made.getId()).build()))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void create_failingOnOneCluster_failsNamingBoth_andTheSameRequestCompletesIt() {
    faultyB.failWith("CreateNexusEndpoint", Status.UNAVAILABLE.withDescription("injected"));

    assertThatThrownBy(() -> create("payments", "pay-queue"))
        .satisfies(
            t -> {
              Status s = ((StatusRuntimeException) t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(s.getDescription())
                  .contains("incomplete")
                  .contains("created on [" + canonical(backends.address(0)) + "]")
                  .contains("not on [" + canonical(faultyB.address()) + "]")
                  .contains("send the same request again");
            });
    assertThat(byName(onA, "payments")).isNotNull();
    assertThat(byName(onB, "payments")).isNull();

    faultyB.clearFailures();
    Endpoint made = create("payments", "pay-queue");

    assertThat(made.getId()).isEqualTo(byName(onA, "payments").getId());
    assertThat(byName(onB, "payments").getSpec())
        .isEqualTo(spec("payments", "namespace-b", "pay-queue"));
    // complete now: a further create is a duplicate, as on one cluster
    assertThatThrownBy(() -> create("payments", "pay-queue"))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.ALREADY_EXISTS));
  }

  @Test
  void update_failingOnOneCluster_isCompletedByTheSameRequest() {
    Endpoint made = create("payments", "pay-queue");
    UpdateNexusEndpointRequest update =
        UpdateNexusEndpointRequest.newBuilder()
            .setId(made.getId())
            .setVersion(made.getVersion())
            .setSpec(spec("payments", V, "new-queue"))
            .build();
    faultyB.failWith("UpdateNexusEndpoint", Status.UNAVAILABLE.withDescription("injected"));

    assertThatThrownBy(() -> viaTempura.updateNexusEndpoint(update))
        .satisfies(
            t ->
                assertThat(((StatusRuntimeException) t).getStatus().getDescription())
                    .contains("incomplete")
                    .contains("updated on [" + canonical(backends.address(0)) + "]"));
    assertThat(byName(onB, "payments").getSpec().getTarget().getWorker().getTaskQueue())
        .isEqualTo("pay-queue");

    faultyB.clearFailures();
    Endpoint updated = viaTempura.updateNexusEndpoint(update).getEndpoint();

    assertThat(updated.getSpec()).isEqualTo(spec("payments", V, "new-queue"));
    assertThat(byName(onB, "payments").getSpec())
        .isEqualTo(spec("payments", "namespace-b", "new-queue"));
  }

  @Test
  void delete_failingOnTheOtherCluster_leavesEverything_andTheSameRequestDeletesAll() {
    Endpoint made = create("payments", "pay-queue");
    DeleteNexusEndpointRequest delete =
        DeleteNexusEndpointRequest.newBuilder()
            .setId(made.getId())
            .setVersion(made.getVersion())
            .build();
    faultyB.failWith("DeleteNexusEndpoint", Status.UNAVAILABLE.withDescription("injected"));

    assertThatThrownBy(() -> viaTempura.deleteNexusEndpoint(delete))
        .satisfies(t -> assertThat(code(t)).isEqualTo(Status.Code.UNAVAILABLE));
    // the first cluster's copy goes last: the id still resolves for the retry
    assertThat(byName(onA, "payments")).isNotNull();

    faultyB.clearFailures();
    viaTempura.deleteNexusEndpoint(delete);
    assertThat(byName(onA, "payments")).isNull();
    assertThat(byName(onB, "payments")).isNull();
  }

  @Test
  void create_forANamespaceThatIsNotVirtual_isRefused_andReachesNoCluster() {
    assertThatThrownBy(
            () ->
                viaTempura.createNexusEndpoint(
                    CreateNexusEndpointRequest.newBuilder()
                        .setSpec(spec("payments", "namespace-a", "q"))
                        .build()))
        .satisfies(
            t -> {
              assertThat(code(t)).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(((StatusRuntimeException) t).getStatus().getDescription())
                  .contains("not a virtual namespace");
            });
    assertThat(byName(onA, "payments")).isNull();
    assertThat(faultyB.calls("CreateNexusEndpoint")).isZero();
  }

  private static String canonical(String address) {
    return dev.tempura.topology.ClusterAddress.parse(address).toString();
  }

  private static Status.Code code(Throwable t) {
    return ((StatusRuntimeException) t).getStatus().getCode();
  }
}
