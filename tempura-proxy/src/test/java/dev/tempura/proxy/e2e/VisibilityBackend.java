package dev.tempura.proxy.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.CountWorkflowExecutionsResponse.AggregationGroup;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSearchAttributesRequest;
import io.temporal.api.workflowservice.v1.GetSearchAttributesResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ScanWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.common.converter.DefaultDataConverter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Temporal cluster's visibility and namespace metadata, which the in-memory
 * TestServer does not implement: List/Scan/CountWorkflowExecutions over an in-memory data set per
 * namespace, DescribeNamespace, GetSystemInfo and GetSearchAttributes with configurable answers.
 * Every other WorkflowService method answers UNIMPLEMENTED, as on the TestServer.
 *
 * <p>List ordering and paging follow Temporal's SQL visibility, so tests of the proxy's merge of
 * several backends' pages compare against what a real cluster would return.
 */
final class VisibilityBackend implements AutoCloseable {
  static final int DEFAULT_PAGE_SIZE = 1000;

  private final Server server;
  private final CallTap tap = new CallTap(WorkflowServiceGrpc.getServiceDescriptor());
  private final Map<String, List<WorkflowExecutionInfo>> data = new ConcurrentHashMap<>();

  private volatile NamespaceInfo.Capabilities namespaceCapabilities =
      NamespaceInfo.Capabilities.newBuilder()
          .setEagerWorkflowStart(true)
          .setSyncUpdate(true)
          .setAsyncUpdate(true)
          .build();
  private volatile Duration retention = Duration.ofDays(3); // Temporal's default for new namespaces
  private volatile GetSystemInfoResponse.Capabilities systemCapabilities =
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
          .setNexus(true)
          .build();
  private volatile String serverVersion = "1.29.1";
  private volatile Map<String, IndexedValueType> searchAttributes = systemSearchAttributes();

  VisibilityBackend() {
    HealthStatusManager health = new HealthStatusManager();
    // the SDK checks this service's health before its first call
    health.setStatus(WorkflowServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(ServerInterceptors.intercept(new Service(), tap))
              .addService(ServerInterceptors.intercept(health.getHealthService(), tap))
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  // ---------------------------------------------------------------- data set

  /** Adds one visibility record to {@code namespace}'s data set. */
  VisibilityBackend add(String namespace, WorkflowExecutionInfo info) {
    List<WorkflowExecutionInfo> list = data.computeIfAbsent(namespace, k -> new ArrayList<>());
    synchronized (list) {
      list.add(info);
    }
    return this;
  }

  /** Adds and returns a record built from the fields visibility queries and orders by. */
  WorkflowExecutionInfo addWorkflow(
      String namespace,
      String workflowId,
      String runId,
      String type,
      WorkflowExecutionStatus status,
      Instant startTime,
      Instant closeTime) {
    WorkflowExecutionInfo.Builder b =
        WorkflowExecutionInfo.newBuilder()
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId))
            .setType(WorkflowType.newBuilder().setName(type))
            .setStatus(status)
            .setStartTime(timestamp(startTime))
            .setExecutionTime(timestamp(startTime))
            .setTaskQueue("visibility-backend");
    if (closeTime != null) {
      b.setCloseTime(timestamp(closeTime))
          .setExecutionDuration(
              com.google.protobuf.Duration.newBuilder()
                  .setSeconds(Duration.between(startTime, closeTime).getSeconds())
                  .setNanos(Duration.between(startTime, closeTime).getNano()));
    }
    WorkflowExecutionInfo info = b.build();
    add(namespace, info);
    return info;
  }

  /** The records of {@code namespace}, in insertion order. */
  List<WorkflowExecutionInfo> workflows(String namespace) {
    List<WorkflowExecutionInfo> list = data.get(namespace);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  /** The records of {@code namespace} in the order ListWorkflowExecutions returns them. */
  List<WorkflowExecutionInfo> listOrder(String namespace) {
    return workflows(namespace).stream().sorted(LIST_ORDER).toList();
  }

  void clearData() {
    data.clear();
  }

  // ---------------------------------------------------------------- configuration

  VisibilityBackend namespaceCapabilities(NamespaceInfo.Capabilities capabilities) {
    this.namespaceCapabilities = capabilities;
    return this;
  }

  VisibilityBackend retention(Duration retention) {
    this.retention = retention;
    return this;
  }

  VisibilityBackend systemCapabilities(GetSystemInfoResponse.Capabilities capabilities) {
    this.systemCapabilities = capabilities;
    return this;
  }

  VisibilityBackend serverVersion(String version) {
    this.serverVersion = version;
    return this;
  }

  /** Replaces the whole GetSearchAttributes answer (by default Temporal's system attributes). */
  VisibilityBackend searchAttributes(Map<String, IndexedValueType> keys) {
    this.searchAttributes = Map.copyOf(keys);
    return this;
  }

  static Map<String, IndexedValueType> systemSearchAttributes() {
    Map<String, IndexedValueType> m = new LinkedHashMap<>();
    m.put("WorkflowId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("RunId", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("WorkflowType", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("ExecutionStatus", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("StartTime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    m.put("CloseTime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    m.put("ExecutionTime", IndexedValueType.INDEXED_VALUE_TYPE_DATETIME);
    m.put("TaskQueue", IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
    m.put("HistoryLength", IndexedValueType.INDEXED_VALUE_TYPE_INT);
    return Map.copyOf(m);
  }

  // ---------------------------------------------------------------- failures and recording

  /** The next call of {@code method} (bare "ListWorkflowExecutions" or full name) fails so. */
  VisibilityBackend failNext(String method, Status status) {
    tap.failNext(method, status);
    return this;
  }

  VisibilityBackend failNext(MethodDescriptor<?, ?> method, Status status) {
    return failNext(method.getFullMethodName(), status);
  }

  /**
   * While on, every call (health checks included) answers UNAVAILABLE, like a cluster that is down.
   */
  VisibilityBackend unavailable(boolean on) {
    tap.failAll(on ? Status.UNAVAILABLE.withDescription("visibility backend switched off") : null);
    return this;
  }

  /** The namespace field of every request received, in order, duplicates kept. */
  List<String> namespacesSeen() {
    return tap.namespacesSeen();
  }

  /** Every request received: bare method name and namespace (null if the request has none). */
  List<CallTap.Call> calls() {
    return tap.calls();
  }

  List<CallTap.Call> calls(String method) {
    String bare = CallTap.bare(method);
    return tap.calls().stream().filter(c -> c.method().equals(bare)).toList();
  }

  void clearCalls() {
    tap.clear();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  // ---------------------------------------------------------------- ordering and paging

  /**
   * Temporal's SQL visibility default: ORDER BY COALESCE(close_time, max) DESC, start_time DESC,
   * run_id ASC, i.e. open workflows first. The workflow id last only makes the order total when a
   * test reuses a run id.
   */
  static final Comparator<WorkflowExecutionInfo> LIST_ORDER =
      Comparator.comparing(VisibilityBackend::coalescedClose, Comparator.reverseOrder())
          .thenComparing(VisibilityBackend::start, Comparator.reverseOrder())
          .thenComparing((WorkflowExecutionInfo i) -> i.getExecution().getRunId())
          .thenComparing(i -> i.getExecution().getWorkflowId());

  /** Scan promises no order; by run id is stable under additions of other records. */
  static final Comparator<WorkflowExecutionInfo> SCAN_ORDER =
      Comparator.comparing((WorkflowExecutionInfo i) -> i.getExecution().getRunId())
          .thenComparing(i -> i.getExecution().getWorkflowId());

  private static final Instant OPEN = Instant.MAX;

  private static Instant coalescedClose(WorkflowExecutionInfo i) {
    return i.hasCloseTime() ? instant(i.getCloseTime()) : OPEN;
  }

  private static Instant start(WorkflowExecutionInfo i) {
    return instant(i.getStartTime());
  }

  private static final int TOKEN_MAGIC = 0x56495331; // "VIS1"
  private static final byte LIST_TOKEN = 1;
  private static final byte SCAN_TOKEN = 2;

  /**
   * A keyset token: the sort key of the last record returned, as Temporal's SQL visibility does.
   * Records added between pages then neither repeat nor shift the next page.
   */
  private static ByteString token(byte kind, WorkflowExecutionInfo last) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(TOKEN_MAGIC);
      out.writeByte(kind);
      out.writeBoolean(last.hasCloseTime());
      out.writeLong(last.getCloseTime().getSeconds());
      out.writeInt(last.getCloseTime().getNanos());
      out.writeLong(last.getStartTime().getSeconds());
      out.writeInt(last.getStartTime().getNanos());
      out.writeUTF(last.getExecution().getRunId());
      out.writeUTF(last.getExecution().getWorkflowId());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteString.copyFrom(bytes.toByteArray());
  }

  /** The record a token stands for, rebuilt with just its sort key. */
  private static WorkflowExecutionInfo parseToken(byte kind, ByteString token) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(token.toByteArray()))) {
      if (in.readInt() != TOKEN_MAGIC || in.readByte() != kind) {
        throw new IOException("not a token of this backend");
      }
      boolean closed = in.readBoolean();
      Timestamp close =
          Timestamp.newBuilder().setSeconds(in.readLong()).setNanos(in.readInt()).build();
      Timestamp start =
          Timestamp.newBuilder().setSeconds(in.readLong()).setNanos(in.readInt()).build();
      String runId = in.readUTF();
      String workflowId = in.readUTF();
      if (in.read() != -1) {
        throw new IOException("trailing bytes");
      }
      WorkflowExecutionInfo.Builder b =
          WorkflowExecutionInfo.newBuilder()
              .setStartTime(start)
              .setExecution(
                  WorkflowExecution.newBuilder().setWorkflowId(workflowId).setRunId(runId));
      if (closed) {
        b.setCloseTime(close);
      }
      return b.build();
    } catch (IOException | RuntimeException e) {
      throw Status.INVALID_ARGUMENT
          .withDescription("unable to deserialize page token: " + e.getMessage())
          .asRuntimeException();
    }
  }

  /** One page and the token of the next, empty when this page is the last. */
  private record Page(List<WorkflowExecutionInfo> items, ByteString next) {}

  private Page page(
      String namespace,
      String query,
      int pageSize,
      ByteString token,
      Comparator<WorkflowExecutionInfo> order,
      byte kind) {
    Query q = Query.parse(query);
    if (q.groupByStatus()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("'group by' clause is only supported in count query")
          .asRuntimeException();
    }
    WorkflowExecutionInfo after = token.isEmpty() ? null : parseToken(kind, token);
    int size = pageSize <= 0 ? DEFAULT_PAGE_SIZE : pageSize;
    List<WorkflowExecutionInfo> matching =
        workflows(namespace).stream()
            .filter(q.filter())
            .filter(i -> after == null || order.compare(i, after) > 0)
            .sorted(order)
            .toList();
    if (matching.size() <= size) {
      return new Page(matching, ByteString.EMPTY);
    }
    List<WorkflowExecutionInfo> items = matching.subList(0, size);
    return new Page(items, token(kind, items.get(size - 1)));
  }

  // ---------------------------------------------------------------- the query language

  /**
   * Just enough of Temporal's list filter for tests: empty; {@code Field = 'value'} for
   * WorkflowType, WorkflowId and ExecutionStatus; AND; and GROUP BY ExecutionStatus at the end.
   * Anything else is INVALID_ARGUMENT, so a test cannot silently match everything.
   */
  record Query(Predicate<WorkflowExecutionInfo> filter, boolean groupByStatus) {
    private static final Pattern GROUP_BY =
        Pattern.compile("(?is)^(.*?)\\s*\\bGROUP\\s+BY\\s+(\\w+)\\s*$");
    private static final Pattern CONDITION =
        Pattern.compile("(?s)^\\s*(\\w+)\\s*=\\s*(?:'([^']*)'|\"([^\"]*)\")\\s*$");
    private static final Set<String> FIELDS =
        Set.of("WorkflowType", "WorkflowId", "ExecutionStatus");

    static Query parse(String query) {
      String rest = query == null ? "" : query.trim();
      boolean group = false;
      Matcher g = GROUP_BY.matcher(rest);
      if (g.matches()) {
        if (!g.group(2).equals("ExecutionStatus")) {
          throw invalid(query, "'group by' clause supports only ExecutionStatus");
        }
        group = true;
        rest = g.group(1).trim();
      }
      Predicate<WorkflowExecutionInfo> filter = i -> true;
      if (!rest.isEmpty()) {
        // a plain split: it would break a quoted value containing " AND ", which no test uses
        for (String part : rest.split("(?i)\\s+AND\\s+")) {
          filter = filter.and(condition(query, part));
        }
      }
      return new Query(filter, group);
    }

    private static Predicate<WorkflowExecutionInfo> condition(String query, String text) {
      Matcher m = CONDITION.matcher(text);
      if (!m.matches()) {
        throw invalid(query, "unsupported expression '" + text.trim() + "'");
      }
      String field = m.group(1);
      String value = m.group(2) != null ? m.group(2) : m.group(3);
      if (!FIELDS.contains(field)) {
        throw invalid(query, "invalid search attribute: " + field);
      }
      return switch (field) {
        case "WorkflowType" -> i -> i.getType().getName().equals(value);
        case "WorkflowId" -> i -> i.getExecution().getWorkflowId().equals(value);
        default -> {
          WorkflowExecutionStatus status = statusNamed(value);
          if (status == null) {
            throw invalid(query, "invalid ExecutionStatus value '" + value + "'");
          }
          yield i -> i.getStatus() == status;
        }
      };
    }

    private static StatusRuntimeException invalid(String query, String why) {
      return Status.INVALID_ARGUMENT
          .withDescription("invalid query: " + why + " (query: " + query + ")")
          .asRuntimeException();
    }
  }

  /** "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW" becomes "ContinuedAsNew", as in queries. */
  static String statusName(WorkflowExecutionStatus status) {
    StringBuilder out = new StringBuilder();
    for (String word : status.name().substring("WORKFLOW_EXECUTION_STATUS_".length()).split("_")) {
      out.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return out.toString();
  }

  private static WorkflowExecutionStatus statusNamed(String name) {
    for (WorkflowExecutionStatus s : WorkflowExecutionStatus.values()) {
      if (s != WorkflowExecutionStatus.UNRECOGNIZED
          && s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED
          && statusName(s).equals(name)) {
        return s;
      }
    }
    return null;
  }

  /** The group value Temporal puts in a GROUP BY ExecutionStatus answer: the name as JSON. */
  static Payload statusPayload(WorkflowExecutionStatus status) {
    return DefaultDataConverter.STANDARD_INSTANCE.toPayload(statusName(status)).orElseThrow();
  }

  // ---------------------------------------------------------------- helpers

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static String requireNamespace(String namespace) {
    if (namespace.isEmpty()) {
      throw Status.INVALID_ARGUMENT
          .withDescription("Namespace not set on request.")
          .asRuntimeException();
    }
    return namespace;
  }

  // ---------------------------------------------------------------- the gRPC service

  private final class Service extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void listWorkflowExecutions(
        ListWorkflowExecutionsRequest request,
        StreamObserver<ListWorkflowExecutionsResponse> response) {
      answer(
          response,
          () -> {
            Page p =
                page(
                    requireNamespace(request.getNamespace()),
                    request.getQuery(),
                    request.getPageSize(),
                    request.getNextPageToken(),
                    LIST_ORDER,
                    LIST_TOKEN);
            return ListWorkflowExecutionsResponse.newBuilder()
                .addAllExecutions(p.items())
                .setNextPageToken(p.next())
                .build();
          });
    }

    @Override
    public void scanWorkflowExecutions(
        ScanWorkflowExecutionsRequest request,
        StreamObserver<ScanWorkflowExecutionsResponse> response) {
      answer(
          response,
          () -> {
            Page p =
                page(
                    requireNamespace(request.getNamespace()),
                    request.getQuery(),
                    request.getPageSize(),
                    request.getNextPageToken(),
                    SCAN_ORDER,
                    SCAN_TOKEN);
            return ScanWorkflowExecutionsResponse.newBuilder()
                .addAllExecutions(p.items())
                .setNextPageToken(p.next())
                .build();
          });
    }

    @Override
    public void countWorkflowExecutions(
        CountWorkflowExecutionsRequest request,
        StreamObserver<CountWorkflowExecutionsResponse> response) {
      answer(
          response,
          () -> {
            Query q = Query.parse(request.getQuery());
            List<WorkflowExecutionInfo> matching =
                workflows(requireNamespace(request.getNamespace())).stream()
                    .filter(q.filter())
                    .toList();
            CountWorkflowExecutionsResponse.Builder b =
                CountWorkflowExecutionsResponse.newBuilder().setCount(matching.size());
            if (q.groupByStatus()) {
              Map<WorkflowExecutionStatus, Long> counts = new LinkedHashMap<>();
              for (WorkflowExecutionInfo i : matching) {
                counts.merge(i.getStatus(), 1L, Long::sum);
              }
              // largest group first, then by name: deterministic for assertions
              counts.entrySet().stream()
                  .sorted(
                      Map.Entry.<WorkflowExecutionStatus, Long>comparingByValue()
                          .reversed()
                          .thenComparing(e -> statusName(e.getKey())))
                  .forEach(
                      e ->
                          b.addGroups(
                              AggregationGroup.newBuilder()
                                  .addGroupValues(statusPayload(e.getKey()))
                                  .setCount(e.getValue())));
            }
            return b.build();
          });
    }

    @Override
    public void describeNamespace(
        DescribeNamespaceRequest request, StreamObserver<DescribeNamespaceResponse> response) {
      answer(
          response,
          () -> {
            String name = request.getNamespace();
            if (name.isEmpty() && !request.getId().isEmpty()) {
              name = nameForId(request.getId());
            }
            if (name.isEmpty()) {
              throw Status.INVALID_ARGUMENT
                  .withDescription("Namespace not set on request.")
                  .asRuntimeException();
            }
            Duration ttl = retention;
            return DescribeNamespaceResponse.newBuilder()
                .setNamespaceInfo(
                    NamespaceInfo.newBuilder()
                        .setName(name)
                        .setId(namespaceId(name))
                        .setState(NamespaceState.NAMESPACE_STATE_REGISTERED)
                        .setCapabilities(namespaceCapabilities)
                        .setSupportsSchedules(systemCapabilities.getSupportsSchedules()))
                .setConfig(
                    NamespaceConfig.newBuilder()
                        .setWorkflowExecutionRetentionTtl(
                            com.google.protobuf.Duration.newBuilder()
                                .setSeconds(ttl.getSeconds())
                                .setNanos(ttl.getNano())))
                .build();
          });
    }

    /** A lookup by id only finds namespaces this backend has heard of, by data or by request. */
    private String nameForId(String id) {
      for (String candidate : data.keySet()) {
        if (namespaceId(candidate).equals(id)) {
          return candidate;
        }
      }
      for (String candidate : tap.namespacesSeen()) {
        if (!candidate.isEmpty() && namespaceId(candidate).equals(id)) {
          return candidate;
        }
      }
      throw Status.NOT_FOUND
          .withDescription("Namespace " + id + " is not found.")
          .asRuntimeException();
    }

    @Override
    public void getSystemInfo(
        GetSystemInfoRequest request, StreamObserver<GetSystemInfoResponse> response) {
      answer(
          response,
          () ->
              GetSystemInfoResponse.newBuilder()
                  .setServerVersion(serverVersion)
                  .setCapabilities(systemCapabilities)
                  .build());
    }

    @Override
    public void getSearchAttributes(
        GetSearchAttributesRequest request, StreamObserver<GetSearchAttributesResponse> response) {
      answer(
          response,
          () -> GetSearchAttributesResponse.newBuilder().putAllKeys(searchAttributes).build());
    }
  }

  /** The id the TestServer (and so these tests) give a namespace: a name-based UUID. */
  static String namespaceId(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }

  private static <T> void answer(StreamObserver<T> response, java.util.function.Supplier<T> body) {
    T message;
    try {
      message = body.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    }
    response.onNext(message);
    response.onCompleted();
  }
}
