package dev.tempura.bench.jmh;

import com.google.protobuf.ByteString;
import dev.tempura.proxy.placement.RendezvousPlacement;
import dev.tempura.proxy.routing.KeyPath;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.translate.Translation;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.ActivityTaskCompletedEventAttributes;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.ActivityTaskStartedEventAttributes;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.SignalExternalWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.StartChildWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskCompletedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskScheduledEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskStartedEventAttributes;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-call work on Tempura's hot path, on realistic messages: what the pipeline reads to route
 * a call, the rewrites between virtual and physical names, the task-token envelope, and a placement
 * decision. Run by the bench suite ({@code mvn -B -DskipTests -Pbench -pl tempura-bench -am
 * verify}); the build only runs each once to prove it still works.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmarks {
  static final String VIRTUAL = "orders";
  static final String CLUSTER = "temporal-a.example.internal:7233";
  static final String START =
      "temporal.api.workflowservice.v1.WorkflowService/StartWorkflowExecution";
  static final String SIGNAL =
      "temporal.api.workflowservice.v1.WorkflowService/SignalWorkflowExecution";
  static final String POLL_WORKFLOW_TASK =
      "temporal.api.workflowservice.v1.WorkflowService/PollWorkflowTaskQueue";

  private Translations translations;
  private Translation translation;
  private MethodRoute startRoute;
  private MethodRoute signalRoute;
  private MethodRoute pollRoute;
  private int[] startNamespacePath;
  private int[] startWorkflowIdPath;
  private int[] signalNamespacePath;
  private int[] signalWorkflowIdPath;

  private byte[] startVirtual;
  private byte[] signalVirtual;
  private byte[] pollResponsePhysical;
  private String pollWorkflowId;
  private byte[] backendToken;
  private byte[] wrappedToken;
  private String physicalId;

  private final RendezvousPlacement placement = new RendezvousPlacement();
  private List<PhysicalNamespace> candidates;
  private String[] workflowIds;
  private int next;

  @Setup
  public void setUp() {
    RoutingTable routes = dev.tempura.proxy.MethodTable.build();
    translations = new Translations(routes.schema());
    PhysicalNamespace physical =
        new PhysicalNamespace(
            "orders-a", ClusterAddress.parse(CLUSTER), PhysicalNamespaceStatus.ACTIVE, 1);
    physicalId = physical.id();
    translation = translations.of(VIRTUAL, physical);
    startRoute = routes.route(START);
    signalRoute = routes.route(SIGNAL);
    pollRoute = routes.route(POLL_WORKFLOW_TASK);
    startNamespacePath = startRoute.namespacePath();
    startWorkflowIdPath = firstKey(startRoute);
    signalNamespacePath = signalRoute.namespacePath();
    signalWorkflowIdPath = firstKey(signalRoute);

    startVirtual = start(VIRTUAL).toByteArray();
    signalVirtual =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace(VIRTUAL)
            .setWorkflowExecution(
                WorkflowExecution.newBuilder()
                    .setWorkflowId("order-7f3c2a9e-5b1d-4e8f-9a6c-1d2e3f4a5b6c")
                    .setRunId("0193f4b2-8c5d-7e6f-a1b2-c3d4e5f6a7b8"))
            .setSignalName("payment-received")
            .setInput(input("{\"amount\":4200,\"currency\":\"EUR\"}"))
            .setIdentity("12345@worker-host-1")
            .setRequestId("5f0c6f0e-0c4a-4c39-9d0c-3b8f1f2c9e11")
            .build()
            .toByteArray();

    Random random = new Random(42);
    backendToken = new byte[160];
    random.nextBytes(backendToken);
    pollWorkflowId = "order-7f3c2a9e-5b1d-4e8f-9a6c-1d2e3f4a5b6c";
    pollResponsePhysical =
        pollResponse("orders-a", pollWorkflowId, backendToken, 100).toByteArray();
    wrappedToken = TaskTokens.wrap(physicalId, pollWorkflowId, backendToken);

    candidates =
        List.of(
            new PhysicalNamespace(
                "orders-a",
                ClusterAddress.parse("temporal-a:7233"),
                PhysicalNamespaceStatus.ACTIVE,
                1),
            new PhysicalNamespace(
                "orders-b",
                ClusterAddress.parse("temporal-b:7233"),
                PhysicalNamespaceStatus.ACTIVE,
                1),
            new PhysicalNamespace(
                "orders-c",
                ClusterAddress.parse("temporal-c:7233"),
                PhysicalNamespaceStatus.ACTIVE,
                2));
    workflowIds = new String[4096];
    for (int i = 0; i < workflowIds.length; i++) {
      workflowIds[i] = "order-" + new java.util.UUID(random.nextLong(), random.nextLong());
    }
  }

  /** Routing key of a start: its namespace and workflow id, read from the wire bytes. */
  @Benchmark
  public void routingKeyStart(Blackhole bh) {
    bh.consume(WireFields.string(startVirtual, startNamespacePath));
    bh.consume(WireFields.string(startVirtual, startWorkflowIdPath));
  }

  /** Routing key of a signal: namespace and workflow_execution.workflow_id. */
  @Benchmark
  public void routingKeySignal(Blackhole bh) {
    bh.consume(WireFields.string(signalVirtual, signalNamespacePath));
    bh.consume(WireFields.string(signalVirtual, signalWorkflowIdPath));
  }

  /**
   * What the pipeline reads of a signal before routing it, in one pass ({@code MethodRoute.read}):
   * top-level check, namespace and workflow id. Compare with {@link
   * #routingFieldsSignalSeparately}.
   */
  @Benchmark
  public void routingFieldsSignal(Blackhole bh) {
    dev.tempura.proxy.routing.RequestFields f = signalRoute.read(signalVirtual);
    bh.consume(f.namespace());
    bh.consume(f.key());
  }

  /**
   * The same reads as separate passes (top-level check, namespace, key), as before the one pass.
   */
  @Benchmark
  public void routingFieldsSignalSeparately(Blackhole bh) {
    WireFields.validateTopLevel(signalVirtual);
    bh.consume(WireFields.string(signalVirtual, signalNamespacePath));
    bh.consume(WireFields.string(signalVirtual, signalWorkflowIdPath));
  }

  /** A start on its way to the backend: the virtual namespace becomes the physical one. */
  @Benchmark
  public byte[] translateStartRequest() {
    return translations.request(startRoute, startVirtual, translation);
  }

  /**
   * A workflow task with a 100-event history on its way to the worker: every namespace field made
   * virtual, the task token wrapped, as a poll answer is.
   */
  @Benchmark
  public byte[] translatePollResponse100Events() {
    return translations.response(pollRoute, pollResponsePhysical, translation, pollWorkflowId);
  }

  @Benchmark
  public byte[] tokenWrap() {
    return TaskTokens.wrap(physicalId, pollWorkflowId, backendToken);
  }

  @Benchmark
  public TaskTokens.Unwrapped tokenUnwrap() {
    return TaskTokens.unwrap(wrappedToken);
  }

  /** Weighted rendezvous over three candidates, for a different id each time. */
  @Benchmark
  public PhysicalNamespace placementRendezvous3() {
    String id = workflowIds[next++ & (workflowIds.length - 1)];
    return placement.choose(id, candidates);
  }

  // ---- the messages ----

  private static int[] firstKey(MethodRoute route) {
    KeyPath k = route.keys().get(0);
    return k.path();
  }

  static StartWorkflowExecutionRequest start(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setWorkflowId("order-7f3c2a9e-5b1d-4e8f-9a6c-1d2e3f4a5b6c")
        .setWorkflowType(WorkflowType.newBuilder().setName("OrderWorkflow"))
        .setTaskQueue(TaskQueue.newBuilder().setName("orders"))
        .setInput(input("{\"orderId\":\"7f3c2a9e\",\"items\":3,\"total\":4200}"))
        .setIdentity("12345@client-host-1")
        .setRequestId("0c8e3f6a-2b1d-4f5e-8a9b-7c6d5e4f3a2b")
        .build();
  }

  private static Payloads input(String json) {
    return Payloads.newBuilder()
        .addPayloads(
            Payload.newBuilder()
                .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8)))
        .build();
  }

  /**
   * A workflow task as a backend answers a poll: started event, then workflow tasks and activities;
   * every tenth activity step is a child workflow start or an external signal, whose events name
   * the namespace.
   */
  static PollWorkflowTaskQueueResponse pollResponse(
      String namespace, String workflowId, byte[] token, int events) {
    History.Builder history = History.newBuilder();
    history.addEvents(
        event(1, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
            .setWorkflowExecutionStartedEventAttributes(
                WorkflowExecutionStartedEventAttributes.newBuilder()
                    .setWorkflowType(WorkflowType.newBuilder().setName("OrderWorkflow"))
                    .setTaskQueue(TaskQueue.newBuilder().setName("orders"))
                    .setInput(input("{\"orderId\":\"7f3c2a9e\",\"items\":3,\"total\":4200}"))
                    .setIdentity("12345@client-host-1")
                    .setOriginalExecutionRunId("0193f4b2-8c5d-7e6f-a1b2-c3d4e5f6a7b8")
                    .setFirstExecutionRunId("0193f4b2-8c5d-7e6f-a1b2-c3d4e5f6a7b8")
                    .setAttempt(1)));
    long id = 2;
    int step = 0;
    while (id <= events) {
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
              .setWorkflowTaskScheduledEventAttributes(
                  WorkflowTaskScheduledEventAttributes.newBuilder()
                      .setTaskQueue(TaskQueue.newBuilder().setName("orders"))
                      .setAttempt(1)));
      if (id > events) {
        break;
      }
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
              .setWorkflowTaskStartedEventAttributes(
                  WorkflowTaskStartedEventAttributes.newBuilder()
                      .setScheduledEventId(id - 2)
                      .setIdentity("12345@worker-host-1")
                      .setRequestId("req-" + id)));
      if (id > events) {
        break;
      }
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
              .setWorkflowTaskCompletedEventAttributes(
                  WorkflowTaskCompletedEventAttributes.newBuilder()
                      .setScheduledEventId(id - 3)
                      .setStartedEventId(id - 2)
                      .setIdentity("12345@worker-host-1")));
      if (id > events) {
        break;
      }
      step++;
      if (step % 10 == 5) {
        history.addEvents(
            event(id++, EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
                .setStartChildWorkflowExecutionInitiatedEventAttributes(
                    StartChildWorkflowExecutionInitiatedEventAttributes.newBuilder()
                        .setNamespace(namespace)
                        .setWorkflowId(workflowId + "-child-" + step)
                        .setWorkflowType(WorkflowType.newBuilder().setName("ShipmentWorkflow"))
                        .setTaskQueue(TaskQueue.newBuilder().setName("orders"))
                        .setWorkflowTaskCompletedEventId(id - 2)));
        continue;
      }
      if (step % 10 == 0) {
        history.addEvents(
            event(id++, EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED)
                .setSignalExternalWorkflowExecutionInitiatedEventAttributes(
                    SignalExternalWorkflowExecutionInitiatedEventAttributes.newBuilder()
                        .setNamespace(namespace)
                        .setWorkflowExecution(
                            WorkflowExecution.newBuilder().setWorkflowId("inventory-" + step))
                        .setSignalName("reserve")
                        .setWorkflowTaskCompletedEventId(id - 2)));
        continue;
      }
      long scheduled = id;
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
              .setActivityTaskScheduledEventAttributes(
                  ActivityTaskScheduledEventAttributes.newBuilder()
                      .setActivityId(Integer.toString(step))
                      .setActivityType(
                          io.temporal.api.common.v1.ActivityType.newBuilder().setName("Echo"))
                      .setTaskQueue(TaskQueue.newBuilder().setName("orders"))
                      .setInput(input("{\"Message\":\"test\"}"))
                      .setWorkflowTaskCompletedEventId(id - 2)));
      if (id > events) {
        break;
      }
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
              .setActivityTaskStartedEventAttributes(
                  ActivityTaskStartedEventAttributes.newBuilder()
                      .setScheduledEventId(scheduled)
                      .setIdentity("12345@worker-host-1")
                      .setAttempt(1)));
      if (id > events) {
        break;
      }
      history.addEvents(
          event(id++, EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
              .setActivityTaskCompletedEventAttributes(
                  ActivityTaskCompletedEventAttributes.newBuilder()
                      .setScheduledEventId(scheduled)
                      .setStartedEventId(scheduled + 1)
                      .setResult(input("{\"Message\":\"test\"}"))
                      .setIdentity("12345@worker-host-1")));
    }
    return PollWorkflowTaskQueueResponse.newBuilder()
        .setTaskToken(ByteString.copyFrom(token))
        .setWorkflowExecution(
            WorkflowExecution.newBuilder()
                .setWorkflowId(workflowId)
                .setRunId("0193f4b2-8c5d-7e6f-a1b2-c3d4e5f6a7b8"))
        .setWorkflowType(WorkflowType.newBuilder().setName("OrderWorkflow"))
        .setPreviousStartedEventId(id - 4)
        .setStartedEventId(id - 1)
        .setAttempt(1)
        .setHistory(history)
        .setWorkflowExecutionTaskQueue(TaskQueue.newBuilder().setName("orders"))
        .build();
  }

  private static HistoryEvent.Builder event(long id, EventType type) {
    return HistoryEvent.newBuilder()
        .setEventId(id)
        .setEventType(type)
        .setEventTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_760_000_000L + id))
        .setTaskId(1_048_576L + id);
  }

  /** For tests: the sizes of the messages the benchmarks work on. */
  int[] messageSizes() {
    return new int[] {startVirtual.length, signalVirtual.length, pollResponsePhysical.length};
  }

  int historyEvents() {
    try {
      return PollWorkflowTaskQueueResponse.parseFrom(pollResponsePhysical)
          .getHistory()
          .getEventsCount();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
