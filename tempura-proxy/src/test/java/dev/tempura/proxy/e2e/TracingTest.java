package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.proxy.e2e.OtlpReceiver.ReceivedSpan;
import dev.tempura.proxy.trace.TracingOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With an OTLP endpoint configured, every call through Tempura is traced: a server span that
 * continues the client's {@code traceparent}, and below it a {@code resolve} span (store lookup or
 * placement) and a {@code forward} span, exported over OTLP/HTTP to a real receiver. The backend
 * gets the forward span's context as its {@code traceparent} (same trace id as the client's), so
 * the backend's own spans hang below Tempura's in the client's trace.
 */
class TracingTest {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final String START =
      "temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution";
  private static final String SIGNAL =
      "temporal.api.workflowservice.v1.WorkflowService/SignalWorkflowExecution";

  @TempDir Path dir;
  private OtlpReceiver collector;
  private RecordingBackend backend;
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    collector = new OtlpReceiver();
    backend = new RecordingBackend();
    tempura =
        ProxyFixture.start(
            dir,
            b ->
                b.tracing(
                    TracingOptions.otlp(collector.endpoint())
                        .withExportDelay(Duration.ofMillis(100))));
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backend.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backend.close();
    collector.close();
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub(Metadata headers) {
    return WorkflowServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static StartWorkflowExecutionRequest start(String namespace, String id) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setWorkflowId(id)
        .setRequestId("r-" + id)
        .setWorkflowType(WorkflowType.newBuilder().setName("T"))
        .setTaskQueue(TaskQueue.newBuilder().setName("q"))
        .build();
  }

  private ReceivedSpan awaitSpan(String name, String traceId) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                collector.spans().stream()
                    .filter(s -> s.name().equals(name) && s.traceId().equals(traceId))
                    .findFirst()
                    .orElse(null),
            s -> s != null);
  }

  private List<ReceivedSpan> childrenOf(ReceivedSpan parent, int expected) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                collector.spans().stream()
                    .filter(s -> s.parentSpanId().equals(parent.spanId()))
                    .toList(),
            l -> l.size() >= expected);
  }

  @Test
  void aCall_continuesTheClientsTrace_withResolveAndForwardSpans_andTheBackendGetsTheForwardSpan() {
    Metadata headers = new Metadata();
    headers.put(key("traceparent"), "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01");
    headers.put(key("tracestate"), "congo=t61rcWkgMzE");

    stub(headers).startWorkflowExecution(start(ProxyFixture.VIRTUAL, "traced"));

    ReceivedSpan call = awaitSpan(START, TRACE_ID);
    assertThat(call.parentSpanId()).as("the client's span is the parent").isEqualTo(CLIENT_SPAN);
    assertThat(call.kind()).isEqualTo(OtlpReceiver.KIND_SERVER);
    assertThat(call.attributes())
        .containsEntry("rpc.system", "grpc")
        .containsEntry("rpc.method", "StartWorkflowExecution")
        .containsEntry("rpc.grpc.status_code", "0");
    assertThat(call.resource()).containsEntry("service.name", "tempura");

    List<ReceivedSpan> stages = childrenOf(call, 2);
    assertThat(stages)
        .extracting(ReceivedSpan::name)
        .containsExactlyInAnyOrder("resolve", "forward");
    assertThat(stages).allSatisfy(s -> assertThat(s.traceId()).isEqualTo(TRACE_ID));
    ReceivedSpan resolve = only(stages, "resolve");
    assertThat(resolve.attributes())
        .containsEntry("tempura.physical_namespace", "namespace-a")
        .containsEntry("tempura.workflow_id", "traced");
    // the placement's store write, inside resolve
    ReceivedSpan store = only(childrenOf(resolve, 1), "store");
    assertThat(store.kind()).isEqualTo(OtlpReceiver.KIND_CLIENT);
    assertThat(store.traceId()).isEqualTo(TRACE_ID);
    assertThat(store.attributes()).containsEntry("db.operation.name", "put_if_absent");
    ReceivedSpan forward = only(stages, "forward");
    assertThat(forward.kind()).isEqualTo(OtlpReceiver.KIND_CLIENT);
    assertThat(forward.attributes())
        .containsEntry("tempura.physical_namespace", "namespace-a")
        .containsEntry("rpc.grpc.status_code", "0");

    // the backend continues from Tempura's forward span, in the client's trace and trace state
    Metadata seen =
        backend.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()).get(0).headers();
    assertThat(seen.getAll(key("traceparent")))
        .containsExactly("00-" + TRACE_ID + "-" + forward.spanId() + "-01");
    assertThat(seen.getAll(key("tracestate"))).containsExactly("congo=t61rcWkgMzE");
    assertThat(collector.paths()).containsOnly("/v1/traces");
  }

  @Test
  void aCallForAKnownWorkflow_isResolvedFromTheStore_inAStoreSpanUnderResolve() {
    Metadata none = new Metadata();
    stub(none).startWorkflowExecution(start(ProxyFixture.VIRTUAL, "signalled"));
    String other = "0af7651916cd43dd8448eb211c80319c";
    Metadata headers = new Metadata();
    headers.put(key("traceparent"), "00-" + other + "-b7ad6b7169203331-01");

    stub(headers)
        .signalWorkflowExecution(
            SignalWorkflowExecutionRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("signalled"))
                .setSignalName("s")
                .setRequestId("s-1")
                .build());

    ReceivedSpan call = awaitSpan(SIGNAL, other);
    ReceivedSpan resolve = only(childrenOf(call, 2), "resolve");
    assertThat(resolve.attributes())
        .containsEntry("tempura.physical_namespace", "namespace-a")
        .containsEntry("tempura.workflow_id", "signalled");
    ReceivedSpan store = only(childrenOf(resolve, 1), "store");
    assertThat(store.attributes()).containsEntry("db.operation.name", "get");
  }

  @Test
  void aClientWithoutTraceContext_getsANewTrace_thatTheBackendContinues() {
    stub(new Metadata()).startWorkflowExecution(start(ProxyFixture.VIRTUAL, "untraced"));

    Metadata seen =
        backend.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()).get(0).headers();
    String traceparent = seen.get(key("traceparent"));
    // sampled (bit 0), and the SDK's trace ids are random (bit 1, W3C trace context level 2)
    assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[13]");
    String traceId = traceparent.split("-")[1];
    ReceivedSpan call = awaitSpan(START, traceId);
    assertThat(call.parentSpanId()).as("a root span").isEmpty();
    ReceivedSpan forward = only(childrenOf(call, 2), "forward");
    assertThat(traceparent.split("-")[2]).isEqualTo(forward.spanId());
  }

  @Test
  void aCallTempuraRefuses_isOneSpan_withItsStatus() {
    Metadata headers = new Metadata();
    headers.put(key("traceparent"), "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01");

    Assertions.assertThatThrownBy(
            () -> stub(headers).startWorkflowExecution(start("no-such-namespace", "x")))
        .isInstanceOf(StatusRuntimeException.class);

    ReceivedSpan call = awaitSpan(START, TRACE_ID);
    assertThat(call.attributes()).containsEntry("rpc.grpc.status_code", "5");
    assertThat(collector.spans()).noneMatch(s -> s.parentSpanId().equals(call.spanId()));
    assertThat(backend.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod())).isEmpty();
  }

  private static ReceivedSpan only(List<ReceivedSpan> spans, String name) {
    List<ReceivedSpan> named = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertThat(named).as(name).hasSize(1);
    return named.get(0);
  }
}
