package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** After traffic, the metrics endpoint's text exposes every series operators rely on. */
class MetricsTest {
  private static final String QUEUE = "metrics";

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  @Test
  void afterTraffic_everySeriesIsExposed_withNamespaceLabels(ProxyFixture tempura) {
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(
        client,
        QUEUE,
        TestWorkflows.ExecuteActivityImpl.class,
        TestWorkflows.InteractiveImpl.class);
    for (int i = 0; i < 10; i++) {
      TestWorkflows.ExecuteActivity wf =
          client.newWorkflowStub(
              TestWorkflows.ExecuteActivity.class,
              WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("m-" + i).build());
      WorkflowClient.start(wf::run, 2, "x");
      WorkflowStub.fromTyped(wf).getResult(Integer.class);
    }
    // one open workflow, so that the reconciler counts an open mapping
    TestWorkflows.Interactive open =
        client.newWorkflowStub(
            TestWorkflows.Interactive.class,
            WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId("still-open").build());
    WorkflowClient.start(open::run, "o");
    open.add("x");

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(tempura.scrape()).contains("tempura_open_mappings{"));
    String text = tempura.scrape();
    assertThat(text)
        .contains("tempura_requests_total{")
        .contains("operation=\"StartWorkflowExecution\"")
        .contains("namespace=\"my-app-namespace\"")
        .contains("cluster_address=\"")
        .contains("physical_namespace=\"namespace-a\"")
        .contains("physical_namespace=\"namespace-b\"")
        .contains("status=\"OK\"")
        .contains("tempura_backend_request_duration_seconds_bucket{")
        .contains("le=\"0.15\"")
        .contains("tempura_placements_total{")
        .contains("tempura_open_mappings{")
        .contains("tempura_store_operation_duration_seconds_bucket{")
        .contains("operation=\"put_if_absent\"")
        .contains("tempura_mapping_cache_hits_total")
        .contains("tempura_mapping_cache_misses_total")
        .contains("tempura_polls_parked{")
        .contains("task_queue=\"metrics\"")
        .contains("tempura_backend_polls_outstanding{")
        .contains("tempura_poll_tasks_delivered_total{")
        .contains("tempura_poll_tasks_buffered_total{")
        .contains("tempura_poll_tasks_dropped_total{")
        .contains("tempura_reconciler_mappings_checked_total")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage")
        .contains("process_cpu_seconds_total")
        .contains("system_cpu_count");
    assertThat(text)
        .doesNotContain("physical_namespace=\"unknown\"")
        .doesNotContain("virtual_namespace=")
        .doesNotContain("method=");
    // getResult waits on the history (a long poll): out of request latency, under Temporal's name
    assertThat(text)
        .containsPattern(
            "tempura_backend_long_request_duration_seconds_count\\{[^}]*"
                + "operation=\"PollWorkflowExecutionHistory\"")
        .doesNotContainPattern(
            "tempura_backend_request_duration_seconds_count\\{[^}]*"
                + "operation=\"PollWorkflowExecutionHistory\"");
    open.finish();
  }
}
