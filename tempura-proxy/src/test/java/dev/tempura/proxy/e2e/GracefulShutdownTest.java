package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.testing.TemporalClustersExtension;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A proxy stopping gracefully under load hands every task its backends gave out to a worker,
 * answers parked polls empty, so workers poll again (here: a new instance on the same address)
 * instead of erroring, and every workflow completes with no task timed out.
 */
class GracefulShutdownTest {
  private static final String QUEUE = "graceful";

  /**
   * Per workflow, one after the other: enough that tasks flow before, during and after the stop.
   */
  private static final int ACTIVITIES = 100;

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  @Test
  void shutdownUnderLoad_parkedPollGetsEmpty_workersMoveToTheNewInstance_everyWorkflowCompletes(
      ProxyFixture tempura) throws Exception {
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.ExecuteActivityImpl.class);

    // a poll of our own on an idle queue, to watch how it is answered
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    MethodRoute poll =
        dev.tempura.proxy.MethodTable.build()
            .route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod().getFullMethodName());
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
      WorkflowClient.start(wf::run, ACTIVITIES, "m");
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(Integer.class));
    }
    Awaitility.await()
        .until(() -> tempura.scrape().contains("tempura_poll_tasks_delivered_total{"));

    long stopping = System.nanoTime();
    var stopped = tempura.proxy();
    tempura.stopProxy();
    assertThat(stopped.tasksDeliveredWhileStopping())
        .as("tasks that backends handed out during the stop reached workers")
        .isPositive();
    assertThat(parked.get(5, TimeUnit.SECONDS)).as("the parked poll is answered, empty").isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - stopping)).isLessThan(Duration.ofSeconds(30));
    channel.shutdownNow();
    assertThat(tempura.scrape())
        .as("no task a backend handed out was left without a taker")
        .doesNotContainPattern("tempura_poll_tasks_dropped_total\\{[^}]*\\} [1-9]");

    assertThat(results.stream().filter(CompletableFuture::isDone).count())
        .as("workflows still running after the stop, to go on through the new instance")
        .isLessThan(results.size());

    tempura.startProxy();
    for (CompletableFuture<Integer> r : results) {
      assertThat(r.get(180, TimeUnit.SECONDS)).isEqualTo(ACTIVITIES);
    }
    // a task lost at the stop would have been handed to nobody until its timeout: the history shows
    // it
    for (String id : ids) {
      for (HistoryEvent e : client.fetchHistory(id).getHistory().getEventsList()) {
        assertThat(e.getEventType())
            .as("event %d of %s", e.getEventId(), id)
            .isNotIn(
                EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      }
    }
  }
}
