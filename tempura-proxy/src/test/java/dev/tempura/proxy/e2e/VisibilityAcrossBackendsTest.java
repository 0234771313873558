package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
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
import io.temporal.api.workflowservice.v1.ListNamespacesRequest;
import io.temporal.api.workflowservice.v1.ListNamespacesResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.RegisterNamespaceRequest;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.UpdateNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.common.converter.DefaultDataConverter;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Visibility and namespace calls through Tempura over three physical namespaces (pa, pb, pc), each
 * on its own {@link VisibilityBackend}: one virtual namespace answers as if it were one namespace
 * of one cluster.
 */
class VisibilityAcrossBackendsTest {
  private static final int WORKFLOWS = 1000;
  private static final List<String> PHYSICAL = List.of("pa", "pb", "pc");
  private static final Duration SHORTEST_RETENTION = Duration.ofDays(1);

  /** The index and id of the one record that is a child workflow. */
  private static final int CHILD = 500;

  private static final String CHILD_ID = "child-of-the-parent";

  /** A workflow type whose name happens to contain the words "order by". */
  private static final String REPORT_TYPE = "Report: order by region";

  @TempDir static Path dir;
  private static final List<VisibilityBackend> backends = new ArrayList<>();
  private static ProxyFixture tempura;
  private static ManagedChannel channel;

  /** Every record of every backend, in the order Temporal lists them. */
  private static List<WorkflowExecutionInfo> expected;

  /** Run id to the index of the backend that holds the run. */
  private static final Map<String, Integer> backendOf = new HashMap<>();

  @BeforeAll
  static void setUp() {
    for (int i = 0; i < PHYSICAL.size(); i++) {
      backends.add(new VisibilityBackend());
    }
    // pb lacks one namespace capability and pc one system capability, and their retentions
    // differ: the merged answers must take the intersection and the shortest
    backends
        .get(1)
        .namespaceCapabilities(
            NamespaceInfo.Capabilities.newBuilder()
                .setEagerWorkflowStart(true)
                .setSyncUpdate(false)
                .setAsyncUpdate(true)
                .build())
        .retention(Duration.ofDays(7));
    backends
        .get(2)
        .systemCapabilities(
            GetSystemInfoResponse.Capabilities.newBuilder()
                .setSignalAndQueryHeader(true)
                .setInternalErrorDifferentiation(true)
                .setActivityFailureIncludeHeartbeat(true)
                .setSupportsSchedules(true)
                .setEncodedFailureAttributes(true)
                .setUpsertMemo(true)
                .setEagerWorkflowStart(true)
                .setSdkMetadata(true)
                .setCountGroupByExecutionStatus(true)
                .setNexus(false)
                .build())
        .retention(SHORTEST_RETENTION);
    Map<String, IndexedValueType> withCustom =
        new HashMap<>(VisibilityBackend.systemSearchAttributes());
    withCustom.put("CustomOnPc", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    backends.get(2).searchAttributes(withCustom);

    populate(new Random(20261122L));
    expected =
        backends.stream()
            .flatMap(b -> PHYSICAL.stream().flatMap(ns -> b.workflows(ns).stream()))
            .sorted(VisibilityBackend.LIST_ORDER)
            .toList();

    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    for (int i = 0; i < PHYSICAL.size(); i++) {
      tempura.addPhysical(PHYSICAL.get(i), backends.get(i).address());
    }
    channel = NettyChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  /**
   * 1,000 records over the three backends, a fifth of them open. Times are mostly distinct, but a
   * tenth of the records copy the close time, or the close and the start time, of an earlier record
   * (often on another backend), so the merge must break ties the way Temporal does. A tenth have a
   * workflow type whose name contains "order by"; one is a running child workflow.
   */
  private static void populate(Random rnd) {
    Instant base = Instant.parse("2026-11-01T00:00:00Z");
    WorkflowExecutionStatus[] closed = {
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT,
      WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
    };
    List<Instant[]> closedTimes = new ArrayList<>();
    List<Instant> openStarts = new ArrayList<>();
    for (int i = 0; i < WORKFLOWS; i++) {
      int b = rnd.nextInt(PHYSICAL.size());
      boolean open = rnd.nextInt(5) == 0;
      Instant start = base.plusMillis(rnd.nextInt(86_400_000)).plusNanos(rnd.nextInt(1_000_000));
      Instant close = null;
      if (open) {
        if (!openStarts.isEmpty() && rnd.nextInt(10) == 0) {
          start = openStarts.get(rnd.nextInt(openStarts.size()));
        }
        openStarts.add(start);
      } else {
        close = start.plusMillis(1 + rnd.nextInt(3_600_000));
        int tie = rnd.nextInt(20);
        if (!closedTimes.isEmpty() && tie == 0) {
          // the same close time as an earlier record: start time decides
          close = closedTimes.get(rnd.nextInt(closedTimes.size()))[1];
          start = close.minusMillis(1 + rnd.nextInt(3_600_000));
        } else if (!closedTimes.isEmpty() && tie == 1) {
          // the same close and start time: run id decides
          Instant[] same = closedTimes.get(rnd.nextInt(closedTimes.size()));
          start = same[0];
          close = same[1];
        }
        closedTimes.add(new Instant[] {start, close});
      }
      String runId = new UUID(rnd.nextLong(), rnd.nextLong()).toString();
      backendOf.put(runId, b);
      String type = rnd.nextInt(10) == 0 ? REPORT_TYPE : "Visible";
      WorkflowExecutionStatus status =
          open
              ? WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
              : closed[rnd.nextInt(closed.length)];
      if (i == CHILD) {
        // a child of a workflow on the same cluster: its record names the parent's namespace by
        // that cluster's id for the physical namespace
        backends.get(b).add(PHYSICAL.get(b), child(runId, type, start, PHYSICAL.get(b)));
        continue;
      }
      backends
          .get(b)
          .addWorkflow(
              PHYSICAL.get(b), String.format("wf-%04d", i), runId, type, status, start, close);
    }
  }

  /**
   * A running child workflow's record, as a cluster holding its parent in {@code parentPhysical}
   * writes it.
   */
  private static WorkflowExecutionInfo child(
      String runId, String type, Instant start, String parentPhysical) {
    return WorkflowExecutionInfo.newBuilder()
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(CHILD_ID).setRunId(runId))
        .setType(WorkflowType.newBuilder().setName(type))
        .setStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
        .setStartTime(VisibilityBackend.timestamp(start))
        .setExecutionTime(VisibilityBackend.timestamp(start))
        .setTaskQueue("visibility-backend")
        .setParentNamespaceId(VisibilityBackend.namespaceId(parentPhysical))
        .setParentExecution(
            WorkflowExecution.newBuilder().setWorkflowId("the-parent").setRunId("parent-run"))
        .build();
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    tempura.close();
    for (VisibilityBackend b : backends) {
      b.close();
    }
  }

  private static WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ListWorkflowExecutionsResponse list(String query, int pageSize, ByteString token) {
    return stub()
        .listWorkflowExecutions(
            ListWorkflowExecutionsRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setQuery(query)
                .setPageSize(pageSize)
                .setNextPageToken(token)
                .build());
  }

  private static ScanWorkflowExecutionsResponse scan(int pageSize, ByteString token) {
    return stub()
        .scanWorkflowExecutions(
            ScanWorkflowExecutionsRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setPageSize(pageSize)
                .setNextPageToken(token)
                .build());
  }

  private static CountWorkflowExecutionsResponse count(String query) {
    return stub()
        .countWorkflowExecutions(
            CountWorkflowExecutionsRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setQuery(query)
                .build());
  }

  private static DescribeNamespaceResponse describeNamespace() {
    return stub()
        .describeNamespace(
            DescribeNamespaceRequest.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build());
  }

  private static List<String> runIds(List<WorkflowExecutionInfo> infos) {
    return infos.stream().map(i -> i.getExecution().getRunId()).toList();
  }

  private static int listCalls() {
    return backends.stream().mapToInt(b -> b.calls("ListWorkflowExecutions").size()).sum();
  }

  private static StatusRuntimeException statusOf(Throwable t) {
    assertThat(t).isInstanceOf(StatusRuntimeException.class);
    return (StatusRuntimeException) t;
  }

  /** The virtual namespace's id as Tempura computes it, from the one place that does. */
  private static String virtualNamespaceId() throws ReflectiveOperationException {
    Method m =
        Class.forName("dev.tempura.proxy.aggregate.Merges")
            .getDeclaredMethod("virtualNamespaceId", String.class);
    m.setAccessible(true);
    return (String) m.invoke(null, ProxyFixture.VIRTUAL);
  }

  /** Every string anywhere in a message, nested messages and map entries included. */
  private static List<String> strings(Message m) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
      List<?> values = e.getKey().isRepeated() ? (List<?>) e.getValue() : List.of(e.getValue());
      for (Object v : values) {
        if (v instanceof String s) {
          out.add(s);
        } else if (v instanceof Message nested) {
          out.addAll(strings(nested));
        }
      }
    }
    return out;
  }

  private static List<String> physicalNamesAndIds() {
    List<String> out = new ArrayList<>(PHYSICAL);
    PHYSICAL.forEach(n -> out.add(VisibilityBackend.namespaceId(n)));
    return out;
  }

  // ---------------------------------------------------------------- listing

  /**
   * Neighbours in the expected order, on different backends, equal in close time (and start time).
   */
  private static long crossBackendTies(boolean startToo) {
    long n = 0;
    for (int i = 1; i < expected.size(); i++) {
      WorkflowExecutionInfo x = expected.get(i - 1);
      WorkflowExecutionInfo y = expected.get(i);
      if (x.hasCloseTime()
          && x.getCloseTime().equals(y.getCloseTime())
          && (!startToo || x.getStartTime().equals(y.getStartTime()))
          && !backendOf
              .get(x.getExecution().getRunId())
              .equals(backendOf.get(y.getExecution().getRunId()))) {
        n++;
      }
    }
    return n;
  }

  @Test
  void listingInPagesOfSeven_returnsEveryWorkflowOnceInTemporalsOrder_inFullPagesUntilTheLast() {
    // the data set does make the merge break ties between backends, by start time and by run id
    assertThat(crossBackendTies(false)).isGreaterThan(crossBackendTies(true)).isPositive();
    assertThat(crossBackendTies(true)).isPositive();

    List<WorkflowExecutionInfo> listed = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    ListWorkflowExecutionsResponse page;
    do {
      page = list("", 7, token);
      sizes.add(page.getExecutionsCount());
      listed.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    // 1,000 = 142 full pages and 6 more; the page that ends the list carries no token
    assertThat(sizes).hasSize(143);
    assertThat(sizes.subList(0, 142)).containsOnly(7);
    assertThat(sizes.get(142)).isEqualTo(6);
    assertThat(page.getNextPageToken()).isEmpty();
    assertThat(runIds(listed)).doesNotHaveDuplicates().containsExactlyElementsOf(runIds(expected));
    // the records come back as the backends hold them, but for namespace ids, which name the
    // virtual namespace (see aChildsParentNamespaceId_isTheVirtualNamespacesId)
    assertThat(withoutParentNamespaceIds(listed)).isEqualTo(withoutParentNamespaceIds(expected));
  }

  @Test
  void listingWithPageSizeZero_returnsAThousandInOnePage() {
    ListWorkflowExecutionsResponse page = list("", 0, ByteString.EMPTY);

    assertThat(page.getExecutionsCount()).isEqualTo(1000);
    assertThat(runIds(page.getExecutionsList())).containsExactlyElementsOf(runIds(expected));
    assertThat(page.getNextPageToken()).isEmpty();
  }

  @Test
  void listingWithAFilter_mergesOnlyTheMatchingWorkflowsInOrder() {
    List<WorkflowExecutionInfo> running =
        expected.stream()
            .filter(i -> i.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
            .toList();
    List<WorkflowExecutionInfo> listed = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse page = list("ExecutionStatus = 'Running'", 11, token);
      listed.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    assertThat(running).isNotEmpty();
    assertThat(runIds(listed)).containsExactlyElementsOf(runIds(running));
  }

  /**
   * Only a query's own ORDER BY clause may turn the merge into a concatenation; the same words
   * inside a quoted value leave Temporal's default order in force.
   */
  @Test
  void aQueryQuotingTheWordsOrderBy_isStillMergedInTemporalsOrder() {
    List<WorkflowExecutionInfo> reports =
        expected.stream().filter(i -> i.getType().getName().equals(REPORT_TYPE)).toList();
    List<WorkflowExecutionInfo> listed = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse page = list("WorkflowType = '" + REPORT_TYPE + "'", 10, token);
      listed.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    assertThat(reports).hasSizeGreaterThan(20);
    assertThat(runIds(listed)).containsExactlyElementsOf(runIds(reports));
  }

  @Test
  void scanning_returnsEveryWorkflowOnce_inPagesOfTheRequestedSize() {
    List<WorkflowExecutionInfo> scanned = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ScanWorkflowExecutionsResponse page = scan(37, token);
      sizes.add(page.getExecutionsCount());
      scanned.addAll(page.getExecutionsList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    // 1,000 = 27 pages of 37 and one of 1; pages run across the backends' boundaries
    assertThat(sizes).hasSize(28);
    assertThat(sizes.subList(0, 27)).containsOnly(37);
    assertThat(sizes.get(27)).isEqualTo(1);
    assertThat(runIds(scanned))
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(runIds(expected));
  }

  @Test
  void backendsSeeOnlyTheirPhysicalName_andListedRecordsComeBackUnchanged() {
    backends.forEach(VisibilityBackend::clearCalls);

    List<WorkflowExecutionInfo> first = list("", 50, ByteString.EMPTY).getExecutionsList();
    count("");
    describeNamespace();

    for (int i = 0; i < PHYSICAL.size(); i++) {
      assertThat(backends.get(i).namespacesSeen())
          .as("namespaces seen by %s", PHYSICAL.get(i))
          .isNotEmpty()
          .containsOnly(PHYSICAL.get(i));
    }
    // WorkflowExecutionInfo names no namespace (only parent_namespace_id, an id), so nothing in
    // a record is rewritten: each is the backend's own
    assertThat(first).isEqualTo(expected.subList(0, 50));
  }

  @Test
  void aBackendErrorNamingItsPhysicalNamespace_reachesTheClientNamingTheVirtualOne() {
    backends
        .get(1)
        .failNext(
            WorkflowServiceGrpc.getListWorkflowExecutionsMethod(),
            Status.INVALID_ARGUMENT.withDescription("invalid query for namespace pb: bad value"));

    assertThatThrownBy(() -> list("", 7, ByteString.EMPTY))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription())
                  .isEqualTo("invalid query for namespace " + ProxyFixture.VIRTUAL + ": bad value");
            });
  }

  /**
   * WorkflowExecutionInfo.parent_namespace_id is an id, not a name, so the name translation does
   * not touch it: a child listed through Tempura names its parent's namespace by the physical
   * namespace's cluster id, which no call to Tempura ever reports (DescribeNamespace gives the
   * virtual id). The SDK exposes it as WorkflowExecutionMetadata.getParentNamespace().
   */
  @Test
  void aChildsParentNamespaceId_isTheVirtualNamespacesId() {
    String virtualId = describeNamespace().getNamespaceInfo().getId();

    WorkflowExecutionInfo child =
        list("WorkflowId = '" + CHILD_ID + "'", 0, ByteString.EMPTY).getExecutionsList().get(0);

    assertThat(child.getParentExecution().getWorkflowId()).isEqualTo("the-parent");
    assertThat(child.getParentNamespaceId()).isEqualTo(virtualId);
  }

  // ---------------------------------------------------------------- counting

  @Test
  void count_isTheSumOverTheBackends() {
    long sum = 0;
    for (int i = 0; i < PHYSICAL.size(); i++) {
      sum += backends.get(i).workflows(PHYSICAL.get(i)).size();
    }
    long running =
        expected.stream()
            .filter(i -> i.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
            .count();

    assertThat(count("").getCount()).isEqualTo(sum).isEqualTo(WORKFLOWS);
    assertThat(count("ExecutionStatus = 'Running'").getCount()).isEqualTo(running);
    assertThat(count("").getGroupsList()).isEmpty();
  }

  @Test
  void countGroupedByStatus_mergesGroupsOfEqualStatusAndSumsTheirCounts() {
    Map<String, Long> byStatus =
        expected.stream()
            .collect(
                Collectors.groupingBy(
                    i -> VisibilityBackend.statusName(i.getStatus()), Collectors.counting()));

    CountWorkflowExecutionsResponse counted = count("GROUP BY ExecutionStatus");

    assertThat(counted.getCount()).isEqualTo(WORKFLOWS);
    List<String> statuses = new ArrayList<>();
    Map<String, Long> merged = new HashMap<>();
    for (CountWorkflowExecutionsResponse.AggregationGroup g : counted.getGroupsList()) {
      assertThat(g.getGroupValuesCount()).isEqualTo(1);
      String status =
          DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
              g.getGroupValues(0), String.class, String.class);
      statuses.add(status);
      merged.put(status, g.getCount());
    }
    // one group per status, though every backend reported each status
    assertThat(statuses).doesNotHaveDuplicates();
    assertThat(merged).isEqualTo(byStatus);
    assertThat(counted.getGroupsList())
        .extracting(CountWorkflowExecutionsResponse.AggregationGroup::getCount)
        .isSortedAccordingTo(Comparator.reverseOrder());
  }

  // ---------------------------------------------------------------- page tokens

  @Test
  void tamperedPageTokens_areRefusedWithInvalidArgument_withoutAskingAnyBackend() {
    byte[] token = list("", 7, ByteString.EMPTY).getNextPageToken().toByteArray();
    byte[] flipped = token.clone();
    flipped[flipped.length / 2] ^= 0x01;
    byte[] truncated = Arrays.copyOf(token, token.length - 1);
    byte[] halved = Arrays.copyOf(token, token.length / 2);
    byte[] appended = Arrays.copyOf(token, token.length + 1);

    int callsBefore = listCalls();
    for (byte[] bad : List.of(flipped, truncated, halved, appended)) {
      assertThatThrownBy(() -> list("", 7, ByteString.copyFrom(bad)))
          .satisfies(
              t ->
                  assertThat(statusOf(t).getStatus().getCode())
                      .isEqualTo(Status.Code.INVALID_ARGUMENT));
    }
    assertThat(listCalls()).isEqualTo(callsBefore);
    // the intact token still gives the second page
    assertThat(runIds(list("", 7, ByteString.copyFrom(token)).getExecutionsList()))
        .containsExactlyElementsOf(runIds(expected.subList(7, 14)));
  }

  @Test
  void aPageTokenUsedWithAnotherQueryOrMethod_isRefusedWithInvalidArgument() {
    ByteString token = list("", 7, ByteString.EMPTY).getNextPageToken();

    assertThatThrownBy(() -> list("ExecutionStatus = 'Running'", 7, token))
        .satisfies(
            t ->
                assertThat(statusOf(t).getStatus().getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> scan(7, token))
        .satisfies(
            t ->
                assertThat(statusOf(t).getStatus().getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void aPageTokenStaysValidWhenOnlyThePageSizeChanges() {
    ByteString token = list("", 7, ByteString.EMPTY).getNextPageToken();

    ListWorkflowExecutionsResponse rest = list("", 0, token);

    assertThat(runIds(rest.getExecutionsList()))
        .containsExactlyElementsOf(runIds(expected.subList(7, WORKFLOWS)));
    assertThat(rest.getNextPageToken()).isEmpty();
  }

  // ---------------------------------------------------------------- failures

  @Test
  void oneBackendUnavailable_failsTheListWithUnavailableNamingThatPhysicalNamespace() {
    backends
        .get(1)
        .failNext(WorkflowServiceGrpc.getListWorkflowExecutionsMethod(), Status.UNAVAILABLE);

    assertThatThrownBy(() -> list("", 7, ByteString.EMPTY))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(s.getDescription())
                  .contains("physical namespace pb")
                  .contains(backends.get(1).address());
            });
  }

  @Test
  void oneBackendUnavailableOnALaterPage_failsThatPageRatherThanEndingTheListEarly() {
    ByteString token = list("", 7, ByteString.EMPTY).getNextPageToken();
    backends
        .get(2)
        .failNext(WorkflowServiceGrpc.getListWorkflowExecutionsMethod(), Status.UNAVAILABLE);

    assertThatThrownBy(() -> list("", 7, token))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(s.getDescription()).contains("physical namespace pc");
            });
  }

  @Test
  void aBadQuery_getsTheBackendsOwnInvalidArgument() {
    assertThatThrownBy(() -> list("NoSuchField = 'x'", 7, ByteString.EMPTY))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription()).contains("invalid search attribute: NoSuchField");
            });
    assertThatThrownBy(() -> count("NoSuchField = 'x'"))
        .satisfies(
            t ->
                assertThat(statusOf(t).getStatus().getCode())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void oneBackendRejectingTheRequest_passesItsInvalidArgumentThrough() {
    backends
        .get(0)
        .failNext(
            WorkflowServiceGrpc.getListWorkflowExecutionsMethod(),
            Status.INVALID_ARGUMENT.withDescription("invalid query: unsupported expression"));

    assertThatThrownBy(() -> list("", 7, ByteString.EMPTY))
        .satisfies(
            t -> {
              Status s = statusOf(t).getStatus();
              assertThat(s.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(s.getDescription()).isEqualTo("invalid query: unsupported expression");
            });
  }

  // ---------------------------------------------------------------- through the Java SDK

  @Test
  void sdkListExecutionsAndCountWorkflows_seeEveryWorkflowOfEveryBackend() {
    WorkflowClient client = tempura.newClient();
    List<WorkflowExecutionMetadata> all = client.listExecutions(null).toList();
    List<WorkflowExecutionMetadata> running =
        client.listExecutions("ExecutionStatus = 'Running'").toList();

    assertThat(all)
        .extracting(m -> m.getExecution().getRunId())
        .containsExactlyElementsOf(runIds(expected));
    assertThat(running)
        .extracting(m -> m.getExecution().getRunId())
        .containsExactlyElementsOf(
            runIds(
                expected.stream()
                    .filter(
                        i ->
                            i.getStatus()
                                == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
                    .toList()));
    assertThat(client.countWorkflows(null).getCount()).isEqualTo(WORKFLOWS);
    assertThat(client.countWorkflows("ExecutionStatus = 'Running'").getCount())
        .isEqualTo(running.size());
  }

  // ---------------------------------------------------------------- the namespace itself

  @Test
  void describeNamespace_showsTheVirtualNameAndId_commonCapabilities_andTheShortestRetention()
      throws ReflectiveOperationException {
    DescribeNamespaceResponse described = describeNamespace();

    NamespaceInfo info = described.getNamespaceInfo();
    assertThat(info.getName()).isEqualTo(ProxyFixture.VIRTUAL);
    assertThat(info.getId()).isEqualTo(virtualNamespaceId());
    // the id is stable: asked again, the same
    assertThat(describeNamespace().getNamespaceInfo().getId()).isEqualTo(info.getId());
    // sync update is off on pb only, so off for the virtual namespace; the rest are on everywhere
    assertThat(info.getCapabilities().getSyncUpdate()).isFalse();
    assertThat(info.getCapabilities().getEagerWorkflowStart()).isTrue();
    assertThat(info.getCapabilities().getAsyncUpdate()).isTrue();
    // pa keeps 3 days, pb 7, pc 1: a closed workflow may vanish after a day
    assertThat(described.getConfig().getWorkflowExecutionRetentionTtl())
        .isEqualTo(
            com.google.protobuf.Duration.newBuilder()
                .setSeconds(SHORTEST_RETENTION.getSeconds())
                .build());
    assertThat(strings(described)).doesNotContainAnyElementsOf(physicalNamesAndIds());
  }

  @Test
  void listNamespaces_listsTheVirtualNamespaceOnce_asDescribeNamespaceDescribesIt() {
    DescribeNamespaceResponse described = describeNamespace();

    ListNamespacesResponse listed =
        stub().listNamespaces(ListNamespacesRequest.getDefaultInstance());

    assertThat(listed.getNamespacesList())
        .extracting(n -> n.getNamespaceInfo().getName())
        .containsExactly(ProxyFixture.VIRTUAL);
    assertThat(listed.getNamespaces(0).getNamespaceInfo()).isEqualTo(described.getNamespaceInfo());
    assertThat(listed.getNamespaces(0).getConfig()).isEqualTo(described.getConfig());
    assertThat(strings(listed)).doesNotContainAnyElementsOf(physicalNamesAndIds());
  }

  @Test
  void getSystemInfo_reportsOnlyCapabilitiesEveryBackendHas() {
    GetSystemInfoResponse info = stub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance());

    GetSystemInfoResponse.Capabilities caps = info.getCapabilities();
    // Nexus is off on pc only
    assertThat(caps.getNexus()).isFalse();
    assertThat(caps.getSupportsSchedules()).isTrue();
    assertThat(caps.getSignalAndQueryHeader()).isTrue();
    assertThat(caps.getCountGroupByExecutionStatus()).isTrue();
    assertThat(caps.getUpsertMemo()).isTrue();
    assertThat(info.getServerVersion()).isEqualTo("1.29.1");
  }

  @Test
  void getSearchAttributes_listsTheAttributesOfEveryBackend() {
    Map<String, IndexedValueType> keys =
        stub().getSearchAttributes(GetSearchAttributesRequest.getDefaultInstance()).getKeysMap();

    assertThat(keys).containsAllEntriesOf(VisibilityBackend.systemSearchAttributes());
    assertThat(keys).containsEntry("CustomOnPc", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
  }

  @Test
  void registerAndUpdateNamespace_onTheVirtualName_areRefusedWithFailedPrecondition() {
    Function<Throwable, Status> status = t -> statusOf(t).getStatus();

    assertThatThrownBy(
            () ->
                stub()
                    .registerNamespace(
                        RegisterNamespaceRequest.newBuilder()
                            .setNamespace(ProxyFixture.VIRTUAL)
                            .build()))
        .satisfies(
            t -> {
              assertThat(status.apply(t).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(status.apply(t).getDescription())
                  .contains(ProxyFixture.VIRTUAL + " is a virtual namespace")
                  .contains("admin API");
            });
    assertThatThrownBy(
            () ->
                stub()
                    .updateNamespace(
                        UpdateNamespaceRequest.newBuilder()
                            .setNamespace(ProxyFixture.VIRTUAL)
                            .build()))
        .satisfies(
            t -> {
              assertThat(status.apply(t).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(status.apply(t).getDescription())
                  .contains(ProxyFixture.VIRTUAL + " is a virtual namespace")
                  .contains("admin API");
            });
    for (VisibilityBackend b : backends) {
      assertThat(b.calls("RegisterNamespace")).isEmpty();
      assertThat(b.calls("UpdateNamespace")).isEmpty();
    }
  }

  private static List<WorkflowExecutionInfo> withoutParentNamespaceIds(
      List<WorkflowExecutionInfo> in) {
    List<WorkflowExecutionInfo> out = new ArrayList<>(in.size());
    for (WorkflowExecutionInfo i : in) {
      out.add(i.toBuilder().clearParentNamespaceId().build());
    }
    return out;
  }
}
