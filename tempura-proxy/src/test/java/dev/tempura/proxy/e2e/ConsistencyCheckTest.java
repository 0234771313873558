package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Metadata;
import io.grpc.Status;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.operatorservice.v1.ListSearchAttributesResponse;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The add-time consistency check, against recording backends that answer GetSystemInfo,
 * OperatorService ListSearchAttributes and DescribeNamespace as real servers would (the in-memory
 * server implements no ListSearchAttributes): one test per mismatch, and the bounds of the check.
 */
class ConsistencyCheckTest {
  @TempDir Path dir;
  private RecordingBackend a;
  private RecordingBackend c;
  private ProxyFixture tempura;

  @BeforeEach
  void setUp() {
    a = new RecordingBackend();
    c = new RecordingBackend();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("pa", a.address());
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    a.close();
    c.close();
  }

  private VirtualNamespace virtual() {
    return tempura.topology().virtualNamespace(ProxyFixture.VIRTUAL).orElseThrow();
  }

  private PhysicalNamespace candidate() {
    return new PhysicalNamespace(
        "pc", ClusterAddress.parse(c.address()), PhysicalNamespaceStatus.ACTIVE, 1);
  }

  private static void searchAttributes(RecordingBackend b, Map<String, IndexedValueType> custom) {
    b.reply(
        OperatorServiceGrpc.getListSearchAttributesMethod(),
        req ->
            RecordingBackend.Reply.of(
                ListSearchAttributesResponse.newBuilder()
                    .putAllCustomAttributes(custom)
                    .build()
                    .toByteArray()));
  }

  private static void retention(RecordingBackend b, Duration retention) {
    b.reply(
        WorkflowServiceGrpc.getDescribeNamespaceMethod(),
        req ->
            RecordingBackend.Reply.of(
                DescribeNamespaceResponse.newBuilder()
                    .setConfig(
                        NamespaceConfig.newBuilder()
                            .setWorkflowExecutionRetentionTtl(
                                Durations.fromSeconds(retention.getSeconds())))
                    .build()
                    .toByteArray()));
  }

  @Test
  void missingSearchAttribute_refusesTheAdd_namingIt() {
    searchAttributes(
        a,
        Map.of(
            "CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
            "Region", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    searchAttributes(c, Map.of("Region", IndexedValueType.INDEXED_VALUE_TYPE_TEXT));

    String refusal = tempura.proxy().checkAdd(virtual(), candidate());

    assertThat(refusal)
        .contains("pc@")
        .contains("CustomerId (KEYWORD on pa)")
        .contains("Region (TEXT here, KEYWORD on pa)")
        .contains("visibility queries");
  }

  @Test
  void missingCapability_refusesTheAdd_namingIt() {
    a.reply(
        WorkflowServiceGrpc.getGetSystemInfoMethod(),
        req ->
            RecordingBackend.Reply.of(
                RealServerBehaviourTest.systemInfo(true, false).toByteArray()));
    c.reply(
        WorkflowServiceGrpc.getGetSystemInfoMethod(),
        req ->
            RecordingBackend.Reply.of(
                RealServerBehaviourTest.systemInfo(false, true).toByteArray()));

    String refusal = tempura.proxy().checkAdd(virtual(), candidate());

    assertThat(refusal).contains("eager_workflow_start (pa has it)");
    // what the candidate has beyond the others costs nothing: the proxy advertises the
    // intersection
    assertThat(refusal).doesNotContain("nexus");
  }

  @Test
  void differentRetention_isDriftShownInGet_notARefusal() {
    retention(a, Duration.ofHours(72));
    retention(c, Duration.ofHours(24));

    assertThat(tempura.proxy().checkAdd(virtual(), candidate())).isNull();

    tempura.addPhysical("pc", c.address());
    @SuppressWarnings("unchecked")
    Map<String, Object> consistency =
        (Map<String, Object>)
            tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, candidate()).get("consistency");
    assertThat(consistency).containsEntry("verdict", "drift");
    assertThat(consistency.get("drift").toString()).contains("retention 24h here, 72h on pa");
  }

  @Test
  void backendThatCannotAnswer_makesItsPartUnknown_andNeverBlocksTheAdd() {
    searchAttributes(a, Map.of("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    // as the in-memory server does: no OperatorService ListSearchAttributes
    c.reply(
        OperatorServiceGrpc.getListSearchAttributesMethod(),
        req -> RecordingBackend.Reply.error(Status.UNIMPLEMENTED, new Metadata()));
    assertThat(tempura.proxy().checkAdd(virtual(), candidate())).isNull();

    // a peer that is down: its part is unknown too, and the check ends by its deadline
    a.close();
    assertThat(tempura.proxy().checkAdd(virtual(), candidate())).isNull();
    tempura.addPhysical("pc", c.address());
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                String.valueOf(
                        tempura
                            .proxy()
                            .physicalDetails(ProxyFixture.VIRTUAL, candidate())
                            .get("consistency"))
                    // UNAVAILABLE, or CANCELLED when the closing server resets a stream in flight
                    .contains("pa: search attributes ("));
  }
}
