package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.testing.TemporalClustersExtension;
import io.grpc.ManagedChannel;
import io.nexusrpc.Operation;
import io.nexusrpc.Service;
import io.nexusrpc.handler.OperationHandler;
import io.nexusrpc.handler.OperationImpl;
import io.nexusrpc.handler.ServiceImpl;
import io.temporal.api.common.v1.Link;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.nexus.Nexus;
import io.temporal.nexus.WorkflowRunOperation;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.NexusOperationOptions;
import io.temporal.workflow.NexusServiceOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nexus end to end with the Java SDK through Tempura over two in-memory clusters: the endpoint is
 * created through Tempura (one copy per cluster), one worker serves the caller workflows, the Nexus
 * service and its handler workflows, and callers run on each backend. A sync operation answers in
 * the Nexus task; an async one starts a handler workflow whose completion callback the in-memory
 * server delivers inside its own cluster only, so the result reaches the caller only if Tempura put
 * the handler beside it. Links carry the virtual name through Tempura and physical names on the
 * clusters.
 */
class NexusAcrossBackendsTest {
  static final String QUEUE = "nexus-e2e";
  private static final String ENDPOINT = "greeter-endpoint";
  private static final String V = ProxyFixture.VIRTUAL;

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  private ProxyFixture tempura;
  private WorkflowClient client;
  private final List<WorkflowServiceStubs> direct = new ArrayList<>();

  @Service
  public interface Greeter {
    @Operation
    String hello(String name);

    @Operation
    String helloLater(String name);
  }

  @WorkflowInterface
  public interface HandlerWorkflow {
    @WorkflowMethod
    String greet(String name);
  }

  public static final class HandlerWorkflowImpl implements HandlerWorkflow {
    @Override
    public String greet(String name) {
      // long enough that the operation is started (async) before it completes
      Workflow.sleep(Duration.ofMillis(200));
      return "later, " + name;
    }
  }

  @ServiceImpl(service = Greeter.class)
  public static final class GreeterImpl {
    @OperationImpl
    public OperationHandler<String, String> hello() {
      return OperationHandler.sync((ctx, details, name) -> "hello, " + name);
    }

    @OperationImpl
    public OperationHandler<String, String> helloLater() {
      return WorkflowRunOperation.fromWorkflowMethod(
          (ctx, details, name) ->
              Nexus.getOperationContext()
                      .getWorkflowClient()
                      .newWorkflowStub(
                          HandlerWorkflow.class,
                          WorkflowOptions.newBuilder().setWorkflowId(handlerId(name)).build())
                  ::greet);
    }
  }

  /** The handler workflow of the caller named {@code callerId}. */
  static String handlerId(String callerId) {
    return "handler-of-" + callerId;
  }

  @WorkflowInterface
  public interface Caller {
    @WorkflowMethod
    String call(boolean async);
  }

  public static final class CallerImpl implements Caller {
    @Override
    public String call(boolean async) {
      Greeter greeter =
          Workflow.newNexusServiceStub(
              Greeter.class,
              NexusServiceOptions.newBuilder()
                  .setEndpoint(ENDPOINT)
                  .setOperationOptions(
                      NexusOperationOptions.newBuilder()
                          .setScheduleToCloseTimeout(Duration.ofSeconds(60))
                          .build())
                  .build());
      String me = Workflow.getInfo().getWorkflowId();
      return async ? greeter.helloLater(me) : greeter.hello(me);
    }
  }

  @BeforeEach
  void setUp() {
    tempura = env.front();
    createEndpoint(tempura.target());
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(CallerImpl.class, HandlerWorkflowImpl.class);
    worker.registerNexusServiceImplementation(new GreeterImpl());
    factory.start();
  }

  /** The callers' endpoint, created through Tempura at {@code target} (one copy per cluster). */
  static void createEndpoint(String target) {
    ManagedChannel channel =
        io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forTarget(target)
            .usePlaintext()
            .build();
    try {
      OperatorServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .createNexusEndpoint(
              CreateNexusEndpointRequest.newBuilder()
                  .setSpec(
                      EndpointSpec.newBuilder()
                          .setName(ENDPOINT)
                          .setTarget(
                              EndpointTarget.newBuilder()
                                  .setWorker(
                                      EndpointTarget.Worker.newBuilder()
                                          .setNamespace(V)
                                          .setTaskQueue(QUEUE))))
                  .build());
    } finally {
      channel.shutdownNow();
    }
  }

  @AfterEach
  void tearDown() {
    direct.forEach(WorkflowServiceStubs::shutdownNow);
  }

  private WorkflowServiceStubs directTo(int cluster) {
    WorkflowServiceStubs s =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget(env.clusters().address(cluster))
                .build());
    direct.add(s);
    return s;
  }

  /** Runs a caller placed on backend {@code index} (0: namespace-a, 1: namespace-b). */
  private String runCaller(String id, int index, boolean async) {
    // placed in advance: the start follows the mapping, as for any id Tempura has seen
    tempura
        .mappings()
        .putIfAbsent(Keyspace.WORKFLOW.key(V, id), tempura.physical(index).id())
        .join();
    return client
        .newWorkflowStub(
            Caller.class,
            WorkflowOptions.newBuilder()
                .setWorkflowId(id)
                .setTaskQueue(QUEUE)
                .setWorkflowExecutionTimeout(Duration.ofSeconds(60))
                .build())
        .call(async);
  }

  @Test
  void syncOperation_answersCallersOnEitherBackend() {
    assertThat(runCaller("sync-caller-a", 0, false)).isEqualTo("hello, sync-caller-a");
    assertThat(runCaller("sync-caller-b", 1, false)).isEqualTo("hello, sync-caller-b");
  }

  @Test
  void asyncOperation_handlerRunsBesideItsCaller_soTheCallbackCompletesIt_onEitherBackend() {
    for (int index = 0; index < 2; index++) {
      String callerId = callerWhoseHandlerHashesAwayFrom(index);
      String physicalName = tempura.physical(index).name();

      assertThat(runCaller(callerId, index, true)).isEqualTo("later, " + callerId);

      String handler = handlerId(callerId);
      assertThat(tempura.mappings().get(Keyspace.WORKFLOW.key(V, handler)).join())
          .isEqualTo(tempura.physical(index).id());
      // on the caller's cluster itself, not only as Tempura says
      assertThat(
              directTo(index)
                  .blockingStub()
                  .describeWorkflowExecution(ProxyFixture.describeRequest(physicalName, handler))
                  .getWorkflowExecutionInfo()
                  .getExecution()
                  .getWorkflowId())
          .isEqualTo(handler);

      // the caller's history links to the handler: the virtual name through Tempura, the
      // physical one on the cluster
      Link throughTempura = startedLink(tempura.newStubs(), V, callerId);
      assertThat(throughTempura.getWorkflowEvent().getNamespace()).isEqualTo(V);
      assertThat(throughTempura.getWorkflowEvent().getWorkflowId()).isEqualTo(handler);
      Link onCluster = startedLink(directTo(index), physicalName, callerId);
      assertThat(onCluster.getWorkflowEvent().getNamespace()).isEqualTo(physicalName);
    }
  }

  /**
   * A caller id whose handler's id the default placement (rendezvous hashing) would put on the
   * other backend: the handler lands beside its caller only because Tempura placed it there.
   */
  private String callerWhoseHandlerHashesAwayFrom(int index) {
    List<dev.tempura.topology.PhysicalNamespace> both =
        List.of(tempura.physical(0), tempura.physical(1));
    for (int n = 0; ; n++) {
      String callerId = "async-caller-" + index + "-" + n;
      if (!new dev.tempura.proxy.placement.RendezvousPlacement()
          .choose(handlerId(callerId), both)
          .equals(both.get(index))) {
        return callerId;
      }
    }
  }

  /** The link of the caller's NexusOperationStarted event, read in {@code namespace}. */
  private static Link startedLink(WorkflowServiceStubs stubs, String namespace, String callerId) {
    List<HistoryEvent> events =
        stubs
            .blockingStub()
            .getWorkflowExecutionHistory(
                GetWorkflowExecutionHistoryRequest.newBuilder()
                    .setNamespace(namespace)
                    .setExecution(
                        io.temporal.api.common.v1.WorkflowExecution.newBuilder()
                            .setWorkflowId(callerId))
                    .build())
            .getHistory()
            .getEventsList();
    HistoryEvent started =
        events.stream()
            .filter(e -> e.getEventType() == EventType.EVENT_TYPE_NEXUS_OPERATION_STARTED)
            .findFirst()
            .orElseThrow(() -> new AssertionError("no NexusOperationStarted in " + events));
    return started.getLinksList().stream()
        .filter(Link::hasWorkflowEvent)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no workflow link in " + started));
  }
}
