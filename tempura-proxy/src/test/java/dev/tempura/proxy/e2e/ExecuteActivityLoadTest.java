package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The benchmark-workers workflow shape at volume, across two clusters, through the proxy. */
class ExecuteActivityLoadTest {
  private static final String QUEUE = "load";
  private static final int WORKFLOWS = 200;
  private static final int COUNT = 3;

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  @Test
  void executeActivityWorkflows_twoBackends_allCompleteSpreadAndNoTaskTimesOut(ProxyFixture tempura)
      throws Exception {
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.ExecuteActivityImpl.class);

    List<String> ids = new ArrayList<>();
    List<CompletableFuture<Integer>> results = new ArrayList<>();
    for (int i = 0; i < WORKFLOWS; i++) {
      String id = "load-" + i;
      ids.add(id);
      TestWorkflows.ExecuteActivity wf =
          client.newWorkflowStub(
              TestWorkflows.ExecuteActivity.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build());
      WorkflowClient.start(wf::run, COUNT, "test");
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(Integer.class));
    }
    for (CompletableFuture<Integer> r : results) {
      assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(COUNT);
    }

    Map<String, Integer> perBackend = new HashMap<>();
    for (String id : ids) {
      String physical =
          tempura.mappings().get(new dev.tempura.store.MappingKey(ProxyFixture.VIRTUAL, id)).join();
      perBackend.merge(physical, 1, Integer::sum);
      for (HistoryEvent e : client.fetchHistory(id).getHistory().getEventsList()) {
        assertThat(e.getEventType())
            .as("history of %s", id)
            .isNotIn(
                EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
                EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT);
      }
    }
    assertThat(perBackend).hasSize(2);
    assertThat(perBackend.values())
        .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(WORKFLOWS / 4));
  }
}
