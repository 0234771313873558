package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A proxy stopping gracefully answers parked polls empty, so workers poll again (here: a new
 * instance on the same address) instead of erroring, and every workflow completes.
 */
class GracefulShutdownTest {
  private static final String QUEUE = "graceful";

  @TempDir Path dir;
  private TemporalBackends backends;
  private ProxyFixture tempura;

  @BeforeEach
  void setUp() {
    backends = TemporalBackends.start(2);
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backends.address(0));
    tempura.addPhysical("namespace-b", backends.address(1));
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  @Test
  void shutdownUnderLoad_parkedPollGetsEmpty_workersMoveToTheNewInstance_everyWorkflowCompletes() throws Exception {
    WorkflowClient client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.ExecuteActivityImpl.class);
    worker.registerActivitiesImplementations(new TestWorkflows.EchoImpl());
    factory.start();

    // a poll of our own on an idle queue, to watch how it is answered
    ManagedChannel channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    MethodRoute poll =
        RoutingTable.build().route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod().getFullMethodName());
    CompletableFuture<byte[]> parked =
        CompletableFuture.supplyAsync(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel,
                    poll.method(),
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                    PollActivityTaskQueueRequest.newBuilder()
                        .setNamespace(ProxyFixture.VIRTUAL)
                        .setTaskQueue(TaskQueue.newBuilder().setName("idle"))
                        .build()
                        .toByteArray()));

    List<String> ids = new ArrayList<>();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      String id = "graceful-" + i;
      ids.add(id);
      TestWorkflows.ExecuteActivity wf =
          client.newWorkflowStub(
              TestWorkflows.ExecuteActivity.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(QUEUE)
                  .setWorkflowId(id)
                  // long enough that a crowded machine cannot time a task out by slowness alone;
                  // a task the stop lost would still time out, and show in the history
                  .setWorkflowTaskTimeout(Duration.ofSeconds(60))
                  .build());
      WorkflowClient.start(wf::run, 5, "m");
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(Integer.class));
    }
    Awaitility.await().until(() -> tempura.proxy().parkedPolls() > 0);

    long stopping = System.nanoTime();
    tempura.stopProxy();
    assertThat(parked.get(5, TimeUnit.SECONDS)).as("the parked poll is answered, empty").isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(30));
    channel.shutdownNow();

    tempura.startProxy();
    for (CompletableFuture<Integer> r : results) {
      assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(5);
    }
    // Not asserted yet: that no workflow task timed out across the stop. On a crowded machine one
    // task in a few runs is still lost at the stop and times out (see the issue note); every
    // workflow nevertheless completes, which is what is asserted above.
  }
}
