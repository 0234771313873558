package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The proxy stops mid-run and comes back on the same embedded store: every workflow completes. */
class ProxyRestartTest {
  private static final String QUEUE = "restart";

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  @Test
  void restartMidRun_withEmbeddedStore_everyWorkflowCompletes(ProxyFixture tempura)
      throws Exception {
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(
        client,
        QUEUE,
        TestWorkflows.InteractiveImpl.class,
        TestWorkflows.ExecuteActivityImpl.class);

    List<TestWorkflows.Interactive> waiting = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      TestWorkflows.Interactive wf =
          client.newWorkflowStub(
              TestWorkflows.Interactive.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(QUEUE)
                  .setWorkflowId("restart-" + i)
                  .build());
      WorkflowClient.start(wf::run, "r" + i);
      waiting.add(wf);
    }
    List<CompletableFuture<Integer>> busy = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      TestWorkflows.ExecuteActivity wf =
          client.newWorkflowStub(
              TestWorkflows.ExecuteActivity.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("busy-" + i).build());
      WorkflowClient.start(wf::run, 5, "m");
      busy.add(WorkflowStub.fromTyped(wf).getResultAsync(Integer.class));
    }

    tempura.stopProxy();
    tempura.startProxy();

    // the restarted proxy knows every mapping from the store: signals reach the right clusters
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (TestWorkflows.Interactive wf : waiting) {
      wf.add("after-restart");
      wf.finish();
      results.add(WorkflowStub.fromTyped(wf).getResultAsync(String.class));
    }
    for (CompletableFuture<String> r : results) {
      assertThat(r.get(90, TimeUnit.SECONDS)).endsWith(":after-restart");
    }
    for (CompletableFuture<Integer> r : busy) {
      assertThat(r.get(90, TimeUnit.SECONDS)).isEqualTo(5);
    }
  }
}
