package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker with the fewest pollers the SDK allows, over two backends: a task on either backend is
 * picked up at once, not after a 60 s long poll elsewhere times out.
 */
class SinglePollerTest {
  private static final String QUEUE = "single";

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  @Test
  void onePollerPerQueue_twoBackends_everyWorkflowRunsPromptlyWithoutTimeouts(ProxyFixture tempura)
      throws Exception {
    WorkflowClient client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker =
        factory.newWorker(
            QUEUE,
            WorkerOptions.newBuilder()
                .setMaxConcurrentWorkflowTaskPollers(2) // the SDK's minimum: one normal, one sticky
                .setMaxConcurrentActivityTaskPollers(1)
                .build());
    worker.registerWorkflowImplementationTypes(TestWorkflows.ExecuteActivityImpl.class);
    worker.registerActivitiesImplementations(new TestWorkflows.EchoImpl());
    factory.start();

    Set<String> backendsUsed = new HashSet<>();
    for (int i = 0; i < 16; i++) {
      String id = "single-" + i;
      TestWorkflows.ExecuteActivity wf =
          client.newWorkflowStub(
              TestWorkflows.ExecuteActivity.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
      long started = System.nanoTime();
      WorkflowClient.start(wf::run, 2, "m");
      // one at a time: each must be served by the single poller, wherever it landed
      assertThat(WorkflowStub.fromTyped(wf).getResultAsync(Integer.class).get(20, TimeUnit.SECONDS))
          .isEqualTo(2);
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
      for (HistoryEvent e : client.fetchHistory(id).getHistory().getEventsList()) {
        assertThat(e.getEventType())
            .isNotIn(
                EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      }
      backendsUsed.add(
          tempura
              .mappings()
              .get(new dev.tempura.store.MappingKey(ProxyFixture.VIRTUAL, id))
              .join());
    }
    assertThat(backendsUsed).hasSize(2);
  }
}
