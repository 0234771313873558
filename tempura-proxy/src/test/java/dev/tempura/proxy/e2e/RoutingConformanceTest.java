package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.proxy.aggregate.Strategy;
import dev.tempura.proxy.routing.KeyPath;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every WorkflowService method of the API we build against, sent through the proxy to two recording
 * backends: each arrives at the backend its routing rule names, with the physical namespace in its
 * body and header.
 */
class RoutingConformanceTest {
  private static final Metadata.Key<String> NS_HEADER =
      Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path dir;
  private static OnRecordingBackends on;
  private static RecordingBackend a;
  private static RecordingBackend b;
  private static ProxyFixture tempura;
  private static ManagedChannel channel;
  private static PhysicalNamespace pa;
  private static PhysicalNamespace pb;

  @BeforeAll
  static void setUp() {
    on = new OnRecordingBackends(dir);
    a = on.a;
    b = on.b;
    tempura = on.tempura;
    channel = on.channel;
    pa = tempura.physical(0);
    pb = tempura.physical(1);
    for (Keyspace ks : Keyspace.values()) {
      tempura.mappings().putIfAbsent(ks.key(ProxyFixture.VIRTUAL, "on-b"), pb.id()).join();
    }
  }

  @AfterAll
  static void tearDown() throws InterruptedException {
    on.close();
  }

  private static final Metadata.Key<String> MARKER =
      Metadata.Key.of("x-conformance-call", Metadata.ASCII_STRING_MARSHALLER);

  static Stream<MethodRoute> routes() {
    return dev.tempura.proxy.MethodTable.build().routes().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routes")
  void everyMethod_reachesTheBackendItsRuleNames_withPhysicalNames(MethodRoute route)
      throws Exception {
    DynamicMessage.Builder request = DynamicMessage.newBuilder(route.requestType());
    if (route.namespacePath() != null) {
      set(request, "namespace", ProxyFixture.VIRTUAL);
    }
    RecordingBackend expected;
    byte[] expectedToken = null;
    switch (route.kind()) {
      case BY_ID -> {
        set(request, route.keys().get(0).fieldPath(), "on-b");
        expected = b;
      }
      case PLACE_NEW -> {
        set(request, route.keys().get(0).fieldPath(), "new-" + route.bareMethodName());
        expected = null; // decided by placement; checked against the mapping below
      }
      case BY_TASK_TOKEN -> {
        expectedToken = ("inner-" + route.bareMethodName()).getBytes(StandardCharsets.UTF_8);
        set(request, "task_token", ByteString.copyFrom(TaskTokens.wrap(pb.id(), expectedToken)));
        expected = b;
      }
      case NAMESPACE_WIDE, NO_NAMESPACE -> {
        Strategy strategy = (Strategy) route.aggregation();
        if (strategy != null && strategy != Strategy.PRIMARY) {
          namespaceWideReachesItsBackends(route, strategy, request.build().toByteArray());
          return;
        }
        expected = a; // the first active physical namespace
      }
      case POLL -> {
        pollReachesEveryBackend(route, request.build().toByteArray());
        return;
      }
      default -> throw new AssertionError(route.kind());
    }
    // the proxy makes calls of its own (retention lookups, the reconciler, locating), which may
    // land at any time on a loaded machine: count this test's own calls only, by a marker header
    // that the proxy passes through as it passes every client header
    String marker = java.util.UUID.randomUUID().toString();
    java.util.function.Function<RecordingBackend, Integer> mineOn =
        backend ->
            (int)
                backend.received(route.method()).stream()
                    .filter(r -> marker.equals(r.headers().get(MARKER)))
                    .count();
    int beforeA = mineOn.apply(a);
    int beforeB = mineOn.apply(b);
    Metadata headers = new Metadata();
    headers.put(NS_HEADER, ProxyFixture.VIRTUAL);
    headers.put(MARKER, marker);
    byte[] response = call(route, request.build().toByteArray(), headers, Duration.ofSeconds(10));
    assertThat(response).isNotNull();

    if (expected == null) {
      KeyPath key = route.keys().get(0);
      String mapped =
          tempura
              .mappings()
              .get(key.keyspace().key(ProxyFixture.VIRTUAL, "new-" + route.bareMethodName()))
              .join();
      assertThat(mapped).as("placement recorded").isIn(pa.id(), pb.id());
      expected = mapped.equals(pa.id()) ? a : b;
    }
    RecordingBackend other = expected == a ? b : a;
    assertThat(mineOn.apply(other))
        .as("calls on the other backend")
        .isEqualTo(expected == a ? beforeB : beforeA);
    List<RecordingBackend.Received> mine =
        expected.received(route.method()).stream()
            .filter(r -> marker.equals(r.headers().get(MARKER)))
            .toList();
    assertThat(mine).hasSize((expected == a ? beforeA : beforeB) + 1);
    RecordingBackend.Received got = mine.get(mine.size() - 1);
    assertThat(got.method()).isEqualTo(route.fullMethodName());
    String physicalName = expected == a ? "pa" : "pb";
    DynamicMessage seen = DynamicMessage.parseFrom(route.requestType(), got.request());
    if (route.namespacePath() != null) {
      assertThat(seen.getField(route.requestType().findFieldByName("namespace")))
          .isEqualTo(physicalName);
    }
    assertThat(got.headers().get(NS_HEADER)).isEqualTo(physicalName);
    if (expectedToken != null) {
      ByteString token =
          (ByteString) seen.getField(route.requestType().findFieldByName("task_token"));
      assertThat(token.toByteArray()).isEqualTo(expectedToken);
    }
  }

  /**
   * Scatter-gather and broadcast methods reach every backend; refused ones, and Nexus endpoint
   * writes and reads that name nothing, reach none.
   */
  private static void namespaceWideReachesItsBackends(
      MethodRoute route, Strategy strategy, byte[] request) {
    MethodDescriptor<?, ?> sent =
        strategy == Strategy.LIST_NAMESPACES
            ? WorkflowServiceGrpc.getDescribeNamespaceMethod()
            : route.method();
    int beforeA = a.received(sent).size();
    int beforeB = b.received(sent).size();
    Metadata headers = new Metadata();
    headers.put(NS_HEADER, ProxyFixture.VIRTUAL);
    if (strategy.toString().startsWith("NEXUS_ENDPOINT")
        && strategy != Strategy.NEXUS_ENDPOINT_LIST) {
      // an empty request names no endpoint and no target: refused where it enters
      assertThatThrownBy(() -> call(route, request, headers, Duration.ofSeconds(10)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThat(a.received(sent)).hasSize(beforeA);
      assertThat(b.received(sent)).hasSize(beforeB);
      return;
    }
    if (strategy.toString().startsWith("REJECT")) {
      assertThatThrownBy(() -> call(route, request, headers, Duration.ofSeconds(10)))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e ->
                  assertThat(e.getStatus().getCode())
                      .isIn(Status.Code.FAILED_PRECONDITION, Status.Code.UNIMPLEMENTED));
      assertThat(a.received(sent)).hasSize(beforeA);
      assertThat(b.received(sent)).hasSize(beforeB);
      return;
    }
    assertThat(call(route, request, headers, Duration.ofSeconds(10))).isNotNull();
    for (RecordingBackend backend : List.of(a, b)) {
      List<RecordingBackend.Received> got = backend.received(sent);
      assertThat(got)
          .as("%s on %s", sent.getBareMethodName(), backend.address())
          .hasSizeGreaterThan(backend == a ? beforeA : beforeB);
      RecordingBackend.Received last = got.get(got.size() - 1);
      assertThat(last.headers().get(NS_HEADER)).isIn(null, backend == a ? "pa" : "pb");
    }
  }

  private static void pollReachesEveryBackend(MethodRoute route, byte[] request) {
    int beforeA = a.received(route.method()).size();
    int beforeB = b.received(route.method()).size();
    long started = System.nanoTime();
    byte[] response = call(route, request, new Metadata(), Duration.ofSeconds(3));
    // an idle poll is answered empty before the client's deadline, as Temporal's frontend does
    assertThat(response).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    for (RecordingBackend backend : List.of(a, b)) {
      List<RecordingBackend.Received> all = backend.received(route.method());
      List<RecordingBackend.Received> polls =
          all.subList(backend == a ? beforeA : beforeB, all.size());
      assertThat(polls).as("polls on %s", backend.address()).isNotEmpty();
      for (RecordingBackend.Received r : polls) {
        assertThat(r.method()).isEqualTo(route.fullMethodName());
      }
      // no backend poll outlives the client's
      Awaitility.await()
          .atMost(Duration.ofSeconds(2))
          .until(() -> polls.stream().allMatch(RecordingBackend.Received::ended));
    }
  }

  @Test
  void tempurasOwnCalls_carryThePhysicalNamespaceHeader_asAnSdksWould() {
    // a signal for a workflow with no mapping makes the locator ask every backend
    io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest signal =
        io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace(ProxyFixture.VIRTUAL)
            .setWorkflowExecution(
                io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                    .setWorkflowId("unmapped-own-calls"))
            .setSignalName("s")
            .build();
    try {
      io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
          .signalWorkflowExecution(signal);
    } catch (io.grpc.StatusRuntimeException expected) {
      // whatever the recording backends make of it: the calls on the way are what this test reads
    }
    for (RecordingBackend backend : List.of(a, b)) {
      String physical = backend == a ? pa.name() : pb.name();
      List<RecordingBackend.Received> own =
          backend
              .received(
                  io.temporal.api.workflowservice.v1.WorkflowServiceGrpc
                      .getDescribeWorkflowExecutionMethod())
              .stream()
              .filter(
                  r ->
                      new String(r.request(), java.nio.charset.StandardCharsets.ISO_8859_1)
                          .contains("unmapped-own-calls"))
              .toList();
      assertThat(own).as("the locator's calls to %s", physical).isNotEmpty();
      List<RecordingBackend.Received> retention =
          backend.received(
              io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.getDescribeNamespaceMethod());
      assertThat(retention).as("the retention lookups on %s", physical).isNotEmpty();
      for (RecordingBackend.Received r : concat(own, retention)) {
        assertThat(r.headers().get(NS_HEADER))
            .as("%s on %s", r.method(), physical)
            .isEqualTo(physical);
      }
    }
  }

  private static <T> List<T> concat(List<T> x, List<T> y) {
    List<T> all = new java.util.ArrayList<>(x);
    all.addAll(y);
    return all;
  }

  @Test
  void backendFailureDetails_namingThePhysicalNamespace_reachTheClientWithTheVirtualName() {
    com.google.rpc.Status detail =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.NOT_FOUND.value())
            .setMessage("Namespace pb is not found.")
            .addDetails(
                com.google.protobuf.Any.pack(
                    NamespaceNotFoundFailure.newBuilder().setNamespace("pb").build()))
            .build();
    StatusRuntimeException backendError = StatusProto.toStatusRuntimeException(detail);
    b.reply(
        WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(),
        req -> RecordingBackend.Reply.error(backendError.getStatus(), backendError.getTrailers()));
    MethodRoute signal =
        dev.tempura.proxy.MethodTable.build()
            .route(WorkflowServiceGrpc.getSignalWorkflowExecutionMethod().getFullMethodName());
    DynamicMessage.Builder request = DynamicMessage.newBuilder(signal.requestType());
    set(request, "namespace", ProxyFixture.VIRTUAL);
    set(request, "workflow_execution.workflow_id", "on-b");
    assertThatThrownBy(
            () ->
                call(signal, request.build().toByteArray(), new Metadata(), Duration.ofSeconds(5)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("Namespace " + ProxyFixture.VIRTUAL + " is not found.");
              com.google.rpc.Status s = StatusProto.fromThrowable(e);
              assertThat(s).isNotNull();
              try {
                assertThat(s.getDetails(0).unpack(NamespaceNotFoundFailure.class).getNamespace())
                    .isEqualTo(ProxyFixture.VIRTUAL);
              } catch (InvalidProtocolBufferException ex) {
                throw new AssertionError(ex);
              }
            });
  }

  static byte[] call(MethodRoute route, byte[] request, Metadata headers, Duration timeout) {
    io.grpc.Channel intercepted =
        io.grpc.ClientInterceptors.intercept(
            channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers));
    return ClientCalls.blockingUnaryCall(
        intercepted,
        route.method(),
        CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
        request);
  }

  /**
   * Sets a possibly nested field by dotted names, creating messages (and list elements) on the way.
   */
  static void set(DynamicMessage.Builder builder, String dotted, Object value) {
    String[] names = dotted.split("\\.");
    setPath(builder, names, 0, value);
  }

  private static void setPath(DynamicMessage.Builder builder, String[] names, int i, Object value) {
    Descriptor type = builder.getDescriptorForType();
    FieldDescriptor f = type.findFieldByName(names[i]);
    if (i == names.length - 1) {
      builder.setField(f, value);
      return;
    }
    DynamicMessage.Builder child = DynamicMessage.newBuilder(f.getMessageType());
    setPath(child, names, i + 1, value);
    if (f.isRepeated()) {
      builder.addRepeatedField(f, child.build());
    } else {
      builder.setField(f, child.build());
    }
  }
}
