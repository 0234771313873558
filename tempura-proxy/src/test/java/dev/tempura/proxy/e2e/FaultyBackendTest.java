package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FaultyBackend in front of an in-memory Temporal server, driven by the Java SDK and raw stubs. */
class FaultyBackendTest {
  /** A trivial workflow: collects signalled items until told to finish, then returns them. */
  @WorkflowInterface
  public interface Collector {
    @WorkflowMethod
    String run(String name);

    @SignalMethod
    void add(String item);

    @SignalMethod
    void finish();

    @QueryMethod
    List<String> items();
  }

  public static final class CollectorImpl implements Collector {
    private final List<String> items = new ArrayList<>();
    private boolean finished;

    @Override
    public String run(String name) {
      Workflow.await(() -> finished);
      return name + ":" + String.join(",", items);
    }

    @Override
    public void add(String item) {
      items.add(item);
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public List<String> items() {
      return items;
    }
  }

  private static final String NAMESPACE = "default";
  private static final String TASK_QUEUE = "faulty-backend";
  // nobody polls this one, so raw starts stay put and never disturb the worker
  private static final String IDLE_QUEUE = "faulty-backend-idle";
  private static final Metadata.Key<String> PROBE =
      Metadata.Key.of("x-faulty-probe", Metadata.ASCII_STRING_MARSHALLER);
  private static final String HEALTH_SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

  private static TemporalClusters temporal;
  private static FaultyBackend faulty;
  private static WorkflowServiceStubs stubs;
  private static WorkflowClient client;
  private static WorkerFactory factory;
  private static ManagedChannel raw;

  @BeforeAll
  static void start() {
    temporal = TemporalClusters.start(1);
    faulty = new FaultyBackend(temporal.address(0));
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(faulty.address()).build());
    client =
        WorkflowClient.newInstance(
            stubs, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
    factory = WorkerFactory.newInstance(client);
    factory.newWorker(TASK_QUEUE).registerWorkflowImplementationTypes(CollectorImpl.class);
    factory.start();
    raw = NettyChannelBuilder.forTarget(faulty.address()).usePlaintext().build();
  }

  @AfterEach
  void healFaults() {
    // every test starts from a healthy backend; unstalling also releases the worker's held polls
    faulty.stall(false);
    faulty.clearDelays();
    faulty.clearFailures();
  }

  @AfterAll
  static void stop() {
    if (factory != null) {
      factory.shutdownNow();
      factory.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (raw != null) {
      raw.shutdownNow();
    }
    if (faulty != null) {
      faulty.close();
    }
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  void workflowRunsThroughIt() {
    Collector wf = newCollector();
    WorkflowClient.start(wf::run, "plain");
    wf.add("a");
    wf.finish();

    assertThat(result(wf)).isEqualTo("plain:a");
    assertThat(faulty.calls("StartWorkflowExecution")).isPositive();
    assertThat(faulty.calls("SignalWorkflowExecution")).isGreaterThanOrEqualTo(2);
    assertThat(faulty.calls("PollWorkflowTaskQueue")).isPositive();
    assertThat(faulty.calls("RespondWorkflowTaskCompleted")).isPositive();
  }

  @Test
  void delayedMethodIsForwardedLate() {
    faulty.delay("StartWorkflowExecution", Duration.ofMillis(300));
    Collector wf = newCollector();

    long t0 = System.nanoTime();
    WorkflowClient.start(wf::run, "slow");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    // and the delayed call did reach the server: the workflow runs
    wf.finish();
    assertThat(result(wf)).isEqualTo("slow:");
  }

  @Test
  void delayAllSparesMethodsWithTheirOwnZeroDelay_andDeadlineEndsTheWait() {
    faulty.delayAll(Duration.ofSeconds(30));
    faulty.delay("GetSystemInfo", Duration.ZERO);
    WorkflowServiceGrpc.WorkflowServiceBlockingStub stub = WorkflowServiceGrpc.newBlockingStub(raw);

    // exempt: answered well within a deadline far shorter than the general delay
    assertThat(
            stub.withDeadlineAfter(5, TimeUnit.SECONDS)
                .getSystemInfo(GetSystemInfoRequest.getDefaultInstance()))
        .isNotNull();
    // delayed beyond its deadline: the client gives up first, which also drops the pending forward
    DescribeNamespaceRequest describe =
        DescribeNamespaceRequest.newBuilder().setNamespace(NAMESPACE).build();
    assertThatThrownBy(
            () -> stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).describeNamespace(describe))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
  }

  @Test
  void stallHoldsCallsAndHealthChecksUntilTheirDeadline_thenRecovers() {
    WorkflowServiceGrpc.WorkflowServiceBlockingStub stub = WorkflowServiceGrpc.newBlockingStub(raw);
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(raw);
    HealthCheckRequest check = HealthCheckRequest.newBuilder().setService(HEALTH_SERVICE).build();
    long startsBefore = faulty.calls("StartWorkflowExecution");
    long checksBefore = faulty.calls("Check");

    faulty.stall(true);
    long t0 = System.nanoTime();
    assertThatThrownBy(
            () -> stub.withDeadlineAfter(1, TimeUnit.SECONDS).startWorkflowExecution(rawStart()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // held to the deadline, not refused early
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThatThrownBy(() -> health.withDeadlineAfter(500, TimeUnit.MILLISECONDS).check(check))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    // both arrived and were held, rather than refused
    assertThat(faulty.calls("StartWorkflowExecution")).isEqualTo(startsBefore + 1);
    assertThat(faulty.calls("Check")).isEqualTo(checksBefore + 1);

    faulty.stall(false);
    StartWorkflowExecutionResponse started =
        stub.withDeadlineAfter(5, TimeUnit.SECONDS).startWorkflowExecution(rawStart());
    assertThat(started.getRunId()).isNotEmpty();
    assertThat(health.withDeadlineAfter(5, TimeUnit.SECONDS).check(check).getStatus())
        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    // the worker's polls held during the stall were released: workflows run again
    Collector wf = newCollector();
    WorkflowClient.start(wf::run, "after-stall");
    wf.finish();
    assertThat(result(wf)).isEqualTo("after-stall:");
  }

  @Test
  void callHeldByAStallIsForwardedWhenUnstalledIfItsClientStillWaits() throws Exception {
    faulty.stall(true);
    long before = faulty.calls("StartWorkflowExecution");
    Future<StartWorkflowExecutionResponse> started =
        WorkflowServiceGrpc.newFutureStub(raw)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .startWorkflowExecution(rawStart());
    // wait until it has arrived (and so is held), else unstalling could race its arrival
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> faulty.calls("StartWorkflowExecution") == before + 1);
    assertThat(started).isNotDone();

    faulty.stall(false);
    assertThat(started.get(5, TimeUnit.SECONDS).getRunId()).isNotEmpty();
  }

  @Test
  void failedMethodIsAnsweredWithTheStatusAndNotForwarded() {
    Collector wf = newCollector();
    WorkflowExecution run = WorkflowClient.start(wf::run, "failing");
    faulty.failWith("SignalWorkflowExecution", Status.UNAVAILABLE.withDescription("injected"));

    // raw: exactly the injected status
    SignalWorkflowExecutionRequest signal =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace(NAMESPACE)
            .setWorkflowExecution(run)
            .setSignalName("add")
            .setRequestId(UUID.randomUUID().toString())
            .build();
    assertThatThrownBy(
            () ->
                WorkflowServiceGrpc.newBlockingStub(raw)
                    .withDeadlineAfter(5, TimeUnit.SECONDS)
                    .signalWorkflowExecution(signal))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).isEqualTo("injected");
            });

    // through the SDK, which retries UNAVAILABLE: allow only two attempts to keep this short
    WorkflowServiceStubs impatient =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(faulty.address())
                .setRpcRetryOptions(
                    RpcRetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(50))
                        .setMaximumAttempts(2)
                        .validateBuildWithDefaults())
                .build());
    try {
      WorkflowClient impatientClient =
          WorkflowClient.newInstance(
              impatient, WorkflowClientOptions.newBuilder().setNamespace(NAMESPACE).build());
      Collector same = impatientClient.newWorkflowStub(Collector.class, run.getWorkflowId());
      long before = faulty.calls("SignalWorkflowExecution");
      assertThatThrownBy(() -> same.add("lost"))
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(faulty.calls("SignalWorkflowExecution")).isEqualTo(before + 2);
    } finally {
      impatient.shutdownNow();
    }
    // none reached the workflow
    assertThat(wf.items()).isEmpty();

    faulty.clearFailures();
    wf.add("kept");
    wf.finish();
    assertThat(result(wf)).isEqualTo("failing:kept");
  }

  @Test
  void errorTrailersComeBackIntact() {
    StartWorkflowExecutionRequest start = rawStart();
    WorkflowServiceGrpc.WorkflowServiceBlockingStub stub =
        WorkflowServiceGrpc.newBlockingStub(raw).withDeadlineAfter(5, TimeUnit.SECONDS);
    stub.startWorkflowExecution(start);

    // same id, new request id: the server answers ALREADY_EXISTS with details in the trailers
    StartWorkflowExecutionRequest again =
        start.toBuilder().setRequestId(UUID.randomUUID().toString()).build();
    assertThatThrownBy(() -> stub.startWorkflowExecution(again))
        .satisfies(
            e -> {
              assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS);
              com.google.rpc.Status details = StatusProto.fromThrowable(e);
              assertThat(details).isNotNull();
              assertThat(details.getDetails(0).is(WorkflowExecutionAlreadyStartedFailure.class))
                  .isTrue();
            });
  }

  @Test
  void requestBytesHeadersAndDeadlineReachTheTarget_responseHeadersMessageAndTrailersComeBack() {
    try (ScriptedTarget target = new ScriptedTarget();
        FaultyBackend front = new FaultyBackend(target.address())) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(front.address()).usePlaintext().build();
      try {
        Metadata headers = new Metadata();
        headers.put(PROBE, "from-client");
        SignalWorkflowExecutionRequest signal =
            SignalWorkflowExecutionRequest.newBuilder()
                .setNamespace(NAMESPACE)
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf"))
                .setSignalName("s")
                .setIdentity("probe")
                .build();
        assertThatThrownBy(
                () ->
                    WorkflowServiceGrpc.newBlockingStub(ch)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                        .withDeadlineAfter(7, TimeUnit.SECONDS)
                        .signalWorkflowExecution(signal))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                  assertThat(e.getStatus().getDescription()).isEqualTo("scripted");
                  assertThat(e.getTrailers().get(PROBE)).isEqualTo("trailer-from-target");
                });

        ScriptedTarget.Received got = target.received.get(0);
        assertThat(got.method()).isEqualTo("SignalWorkflowExecution");
        assertThat(got.request()).isEqualTo(signal.toByteArray());
        assertThat(got.headers().get(PROBE)).isEqualTo("from-client");
        // the client's 7 s deadline, less the little time spent on the way
        assertThat(got.deadline()).isNotNull();
        assertThat(got.deadline().timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 7_000L);
        assertThat(front.calls("SignalWorkflowExecution")).isEqualTo(1);

        // an answered call: header, message bytes and trailer come back as the target sent them
        AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        GetSystemInfoResponse info =
            WorkflowServiceGrpc.newBlockingStub(ch)
                .withInterceptors(
                    MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
        assertThat(info.toByteArray()).isEqualTo(ScriptedTarget.SYSTEM_INFO);
        assertThat(responseHeaders.get().get(PROBE)).isEqualTo("header-from-target");
        assertThat(trailers.get().get(PROBE)).isEqualTo("trailer-from-target");
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /**
   * A minimal byte-level target that records what reaches it: it lets this test see the forwarded
   * headers and deadline, which the in-memory Temporal server does not expose.
   */
  private static final class ScriptedTarget implements AutoCloseable {
    record Received(String method, byte[] request, Metadata headers, Deadline deadline) {}

    static final byte[] SYSTEM_INFO =
        GetSystemInfoResponse.newBuilder().setServerVersion("scripted").build().toByteArray();

    final List<Received> received = new CopyOnWriteArrayList<>();
    private final Server server;

    ScriptedTarget() {
      ServerServiceDefinition service =
          ServerServiceDefinition.builder(WorkflowServiceGrpc.SERVICE_NAME)
              .addMethod(bytes(WorkflowServiceGrpc.getSignalWorkflowExecutionMethod()), handler())
              .addMethod(bytes(WorkflowServiceGrpc.getGetSystemInfoMethod()), handler())
              .build();
      try {
        server =
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(service)
                .build()
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }

    /** Signals fail with trailers; GetSystemInfo answers with a header, a message and a trailer. */
    private ServerCallHandler<byte[], byte[]> handler() {
      return (call, headers) -> {
        call.request(1);
        return new ServerCall.Listener<>() {
          private byte[] request;

          @Override
          public void onMessage(byte[] message) {
            request = message;
          }

          @Override
          public void onHalfClose() {
            String method = call.getMethodDescriptor().getBareMethodName();
            received.add(new Received(method, request, headers, Context.current().getDeadline()));
            Metadata trailers = new Metadata();
            trailers.put(PROBE, "trailer-from-target");
            if (method.equals("SignalWorkflowExecution")) {
              call.close(Status.FAILED_PRECONDITION.withDescription("scripted"), trailers);
              return;
            }
            Metadata responseHeaders = new Metadata();
            responseHeaders.put(PROBE, "header-from-target");
            call.sendHeaders(responseHeaders);
            call.sendMessage(SYSTEM_INFO);
            call.close(Status.OK, trailers);
          }
        };
      };
    }

    private static MethodDescriptor<byte[], byte[]> bytes(MethodDescriptor<?, ?> m) {
      return m.toBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE).build();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static Collector newCollector() {
    return client.newWorkflowStub(
        Collector.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(TASK_QUEUE)
            .setWorkflowId("faulty-" + UUID.randomUUID())
            .setWorkflowExecutionTimeout(Duration.ofMinutes(1))
            .build());
  }

  private static StartWorkflowExecutionRequest rawStart() {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(NAMESPACE)
        .setWorkflowId("faulty-raw-" + UUID.randomUUID())
        .setWorkflowType(WorkflowType.newBuilder().setName("Idle"))
        .setTaskQueue(TaskQueue.newBuilder().setName(IDLE_QUEUE))
        .setRequestId(UUID.randomUUID().toString())
        .setIdentity("faulty-backend-test")
        .build();
  }

  private static Status.Code code(Throwable e) {
    return Status.fromThrowable(e).getCode();
  }

  /** The workflow's result, with a bound so that a broken forwarder fails rather than hangs. */
  private static String result(Collector wf) {
    try {
      return WorkflowStub.fromTyped(wf).getResult(15, TimeUnit.SECONDS, String.class);
    } catch (TimeoutException e) {
      throw new AssertionError("workflow did not finish in time", e);
    }
  }
}
