package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VisibilityBackendTest {
  private static final Instant T0 = Instant.parse("2026-11-22T01:00:00Z");
  private static final WorkflowExecutionStatus RUNNING =
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  private static final WorkflowExecutionStatus COMPLETED =
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
  private static final WorkflowExecutionStatus FAILED =
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED;

  private VisibilityBackend backend;
  private ManagedChannel channel;
  private WorkflowServiceBlockingStub stub;

  @BeforeEach
  void setUp() {
    backend = new VisibilityBackend();
    channel = NettyChannelBuilder.forTarget(backend.address()).usePlaintext().build();
    stub = WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.close();
  }

  private static Instant at(int seconds) {
    return T0.plusSeconds(seconds);
  }

  private ListWorkflowExecutionsResponse list(
      String ns, String query, int pageSize, ByteString token) {
    return stub.listWorkflowExecutions(
        ListWorkflowExecutionsRequest.newBuilder()
            .setNamespace(ns)
            .setQuery(query)
            .setPageSize(pageSize)
            .setNextPageToken(token)
            .build());
  }

  private static List<String> runIds(List<WorkflowExecutionInfo> infos) {
    return infos.stream().map(i -> i.getExecution().getRunId()).toList();
  }

  @Test
  void listsOpenFirstThenByCloseTimeDescendingThenStartDescendingThenRunId() {
    String ns = "ns-order";
    backend.addWorkflow(ns, "w1", "r1", "T", COMPLETED, at(0), at(100));
    backend.addWorkflow(ns, "w2", "r2", "T", RUNNING, at(5), null);
    backend.addWorkflow(ns, "w3", "r3", "T", FAILED, at(1), at(200));
    backend.addWorkflow(ns, "w4", "r4", "T", RUNNING, at(9), null);
    // same close time as r3: the later start comes first
    backend.addWorkflow(ns, "w5", "r5", "T", COMPLETED, at(2), at(200));
    // same close and start as r5: run id ascending decides, "r0" before "r5"
    backend.addWorkflow(ns, "w6", "r0", "T", COMPLETED, at(2), at(200));
    // open with the same start as r4: run id ascending
    backend.addWorkflow(ns, "w7", "r7", "T", RUNNING, at(9), null);

    ListWorkflowExecutionsResponse all = list(ns, "", 0, ByteString.EMPTY);

    assertThat(runIds(all.getExecutionsList()))
        .containsExactly("r4", "r7", "r2", "r0", "r5", "r3", "r1");
    assertThat(all.getNextPageToken()).isEmpty();
    assertThat(runIds(backend.listOrder(ns)))
        .containsExactly("r4", "r7", "r2", "r0", "r5", "r3", "r1");
  }

  @Test
  void pagesOfSevenOverFiftyReturnEachRecordOnceInOrder() {
    String ns = "ns-paging";
    for (int i = 0; i < 50; i++) {
      // every third one still open; close times collide in pairs to exercise the tie-breaks
      Instant close = i % 3 == 0 ? null : at(1000 + i / 2);
      backend.addWorkflow(
          ns,
          "wf-" + i,
          String.format("run-%02d", i),
          "T",
          close == null ? RUNNING : COMPLETED,
          at(i % 5),
          close);
    }
    List<String> expected = runIds(list(ns, "", 0, ByteString.EMPTY).getExecutionsList());
    assertThat(expected).hasSize(50);

    List<String> paged = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse page = list(ns, "", 7, token);
      sizes.add(page.getExecutionsCount());
      paged.addAll(runIds(page.getExecutionsList()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    assertThat(sizes).containsExactly(7, 7, 7, 7, 7, 7, 7, 1);
    assertThat(paged).containsExactlyElementsOf(expected);
    assertThat(new HashSet<>(paged)).hasSize(50);
  }

  @Test
  void keysetTokenNeitherRepeatsNorSkipsWhenRecordsArriveBetweenPages() {
    String ns = "ns-keyset";
    for (int i = 0; i < 10; i++) {
      backend.addWorkflow(ns, "wf-" + i, "run-" + i, "T", COMPLETED, at(i), at(100 + i));
    }
    ListWorkflowExecutionsResponse first = list(ns, "", 4, ByteString.EMPTY);
    // a new open workflow sorts before everything already returned
    backend.addWorkflow(ns, "late", "run-late", "T", RUNNING, at(500), null);
    ListWorkflowExecutionsResponse second = list(ns, "", 100, first.getNextPageToken());

    assertThat(runIds(first.getExecutionsList()))
        .containsExactly("run-9", "run-8", "run-7", "run-6");
    assertThat(runIds(second.getExecutionsList()))
        .containsExactly("run-5", "run-4", "run-3", "run-2", "run-1", "run-0");
  }

  @Test
  void pageSizeZeroMeansAThousand() {
    String ns = "ns-big";
    for (int i = 0; i < 1001; i++) {
      backend.addWorkflow(ns, "wf-" + i, "run-" + i, "T", RUNNING, at(i), null);
    }
    ListWorkflowExecutionsResponse first = list(ns, "", 0, ByteString.EMPTY);
    ListWorkflowExecutionsResponse second = list(ns, "", 0, first.getNextPageToken());

    assertThat(first.getExecutionsCount()).isEqualTo(1000);
    assertThat(first.getNextPageToken()).isNotEmpty();
    assertThat(runIds(second.getExecutionsList())).containsExactly("run-0");
    assertThat(second.getNextPageToken()).isEmpty();
  }

  @Test
  void scanPagesByRunIdAndRejectsListTokens() {
    String ns = "ns-scan";
    for (int i = 0; i < 12; i++) {
      backend.addWorkflow(
          ns, "wf-" + i, String.format("run-%02d", 11 - i), "T", RUNNING, at(i), null);
    }
    List<String> scanned = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ScanWorkflowExecutionsResponse page =
          stub.scanWorkflowExecutions(
              ScanWorkflowExecutionsRequest.newBuilder()
                  .setNamespace(ns)
                  .setPageSize(5)
                  .setNextPageToken(token)
                  .build());
      scanned.addAll(runIds(page.getExecutionsList()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    ByteString listToken = list(ns, "", 5, ByteString.EMPTY).getNextPageToken();

    assertThat(scanned).hasSize(12).isSorted();
    assertThatThrownBy(
            () ->
                stub.scanWorkflowExecutions(
                    ScanWorkflowExecutionsRequest.newBuilder()
                        .setNamespace(ns)
                        .setNextPageToken(listToken)
                        .build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void rejectsATokenItDidNotIssue() {
    backend.addWorkflow("ns", "w", "r", "T", RUNNING, at(0), null);

    assertThatThrownBy(() -> list("ns", "", 10, ByteString.copyFromUtf8("garbage")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("page token");
            });
  }

  @Test
  void filtersByTypeAndStatusWithAnd() {
    String ns = "ns-query";
    backend.addWorkflow(ns, "a1", "ra1", "A", RUNNING, at(1), null);
    backend.addWorkflow(ns, "a2", "ra2", "A", COMPLETED, at(2), at(10));
    backend.addWorkflow(ns, "b1", "rb1", "B", RUNNING, at(3), null);
    backend.addWorkflow(ns, "b2", "rb2", "B", COMPLETED, at(4), at(11));

    assertThat(runIds(list(ns, "WorkflowType = 'A'", 0, ByteString.EMPTY).getExecutionsList()))
        .containsExactly("ra1", "ra2");
    assertThat(
            runIds(
                list(ns, "ExecutionStatus = 'Running'", 0, ByteString.EMPTY).getExecutionsList()))
        .containsExactly("rb1", "ra1");
    assertThat(
            runIds(
                list(
                        ns,
                        "WorkflowType=\"B\" and ExecutionStatus = 'Completed'",
                        0,
                        ByteString.EMPTY)
                    .getExecutionsList()))
        .containsExactly("rb2");
    assertThat(list("other-ns", "", 0, ByteString.EMPTY).getExecutionsList()).isEmpty();
  }

  @Test
  void countsAndGroupsByExecutionStatus() {
    String ns = "ns-count";
    for (int i = 0; i < 5; i++) {
      backend.addWorkflow(ns, "r" + i, "run-r" + i, i < 2 ? "A" : "B", RUNNING, at(i), null);
    }
    for (int i = 0; i < 3; i++) {
      backend.addWorkflow(ns, "c" + i, "run-c" + i, "A", COMPLETED, at(i), at(10 + i));
    }
    backend.addWorkflow(ns, "f", "run-f", "B", FAILED, at(0), at(20));

    CountWorkflowExecutionsResponse all = count(ns, "");
    CountWorkflowExecutionsResponse typeA = count(ns, "WorkflowType = 'A'");
    CountWorkflowExecutionsResponse grouped = count(ns, "GROUP BY ExecutionStatus");
    CountWorkflowExecutionsResponse groupedA =
        count(ns, "WorkflowType = 'A' GROUP BY ExecutionStatus");

    assertThat(all.getCount()).isEqualTo(9);
    assertThat(all.getGroupsList()).isEmpty();
    assertThat(typeA.getCount()).isEqualTo(5);
    assertThat(grouped.getCount()).isEqualTo(9);
    assertThat(groups(grouped))
        .containsExactly(
            Map.entry("Running", 5L), Map.entry("Completed", 3L), Map.entry("Failed", 1L));
    assertThat(groups(groupedA))
        .containsExactly(Map.entry("Completed", 3L), Map.entry("Running", 2L));
    Payload value = grouped.getGroups(0).getGroupValues(0);
    assertThat(value).isEqualTo(DefaultDataConverter.STANDARD_INSTANCE.toPayload("Running").get());
    assertThat(value.getData().toStringUtf8()).isEqualTo("\"Running\"");
  }

  private CountWorkflowExecutionsResponse count(String ns, String query) {
    return stub.countWorkflowExecutions(
        CountWorkflowExecutionsRequest.newBuilder().setNamespace(ns).setQuery(query).build());
  }

  private static List<Map.Entry<String, Long>> groups(CountWorkflowExecutionsResponse r) {
    return r.getGroupsList().stream()
        .map(
            g ->
                Map.entry(
                    DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
                        g.getGroupValues(0), String.class, String.class),
                    g.getCount()))
        .toList();
  }

  @Test
  void rejectsQueriesItDoesNotUnderstand() {
    for (String bad :
        List.of(
            "WorkflowType LIKE 'A%'",
            "CustomKeyword = 'x'",
            "ExecutionStatus = 'Sleeping'",
            "WorkflowType = 'A' OR WorkflowType = 'B'",
            "GROUP BY WorkflowType",
            "ORDER BY StartTime")) {
      assertThatThrownBy(() -> count("ns", bad))
          .as(bad)
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    // GROUP BY belongs to Count only, as on Temporal
    assertThatThrownBy(() -> list("ns", "GROUP BY ExecutionStatus", 0, ByteString.EMPTY))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void describesAnyNamespaceWithConfiguredCapabilitiesAndRetention() {
    backend
        .namespaceCapabilities(NamespaceInfo.Capabilities.newBuilder().setSyncUpdate(true).build())
        .retention(Duration.ofDays(30));

    DescribeNamespaceResponse byName =
        stub.describeNamespace(
            DescribeNamespaceRequest.newBuilder().setNamespace("physical-a").build());
    String id = UUID.nameUUIDFromBytes("physical-a".getBytes()).toString();
    DescribeNamespaceResponse byId =
        stub.describeNamespace(DescribeNamespaceRequest.newBuilder().setId(id).build());

    assertThat(byName.getNamespaceInfo().getName()).isEqualTo("physical-a");
    assertThat(byName.getNamespaceInfo().getId()).isEqualTo(id);
    assertThat(byName.getNamespaceInfo().getCapabilities().getSyncUpdate()).isTrue();
    assertThat(byName.getNamespaceInfo().getCapabilities().getEagerWorkflowStart()).isFalse();
    assertThat(byName.getConfig().getWorkflowExecutionRetentionTtl().getSeconds())
        .isEqualTo(Duration.ofDays(30).getSeconds());
    assertThat(byId.getNamespaceInfo().getName()).isEqualTo("physical-a");
  }

  @Test
  void answersSystemInfoAndSearchAttributesAsConfigured() {
    backend
        .systemCapabilities(
            GetSystemInfoResponse.Capabilities.newBuilder().setSdkMetadata(true).build())
        .searchAttributes(Map.of("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));

    GetSystemInfoResponse info = stub.getSystemInfo(GetSystemInfoRequest.getDefaultInstance());

    assertThat(info.getCapabilities().getSdkMetadata()).isTrue();
    assertThat(info.getCapabilities().getCountGroupByExecutionStatus()).isFalse();
    assertThat(
            stub.getSearchAttributes(GetSearchAttributesRequest.getDefaultInstance()).getKeysMap())
        .containsExactly(Map.entry("CustomerId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
  }

  @Test
  void failsOnDemandAndRecordsNamespaces() {
    backend.addWorkflow("phys-1", "w", "r", "T", RUNNING, at(0), null);
    backend.failNext("ListWorkflowExecutions", Status.RESOURCE_EXHAUSTED.withDescription("busy"));

    assertThatThrownBy(() -> list("phys-1", "", 0, ByteString.EMPTY))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    // only the next call failed
    assertThat(list("phys-1", "", 0, ByteString.EMPTY).getExecutionsCount()).isEqualTo(1);

    backend.unavailable(true);
    assertThatThrownBy(() -> count("phys-2", ""))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    HealthCheckRequest check =
        HealthCheckRequest.newBuilder().setService(WorkflowServiceGrpc.SERVICE_NAME).build();
    assertThatThrownBy(() -> HealthGrpc.newBlockingStub(channel).check(check))
        .isInstanceOf(StatusRuntimeException.class);
    backend.unavailable(false);
    assertThat(HealthGrpc.newBlockingStub(channel).check(check).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

    // methods it does not implement answer UNIMPLEMENTED, as on the TestServer, and still count
    assertThatThrownBy(
            () ->
                stub.startWorkflowExecution(
                    StartWorkflowExecutionRequest.newBuilder().setNamespace("phys-3").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));

    assertThat(backend.namespacesSeen()).containsExactly("phys-1", "phys-1", "phys-2", "phys-3");
    assertThat(backend.calls("ListWorkflowExecutions")).hasSize(2);
  }
}
