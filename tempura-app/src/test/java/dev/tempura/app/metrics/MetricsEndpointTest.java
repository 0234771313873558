package dev.tempura.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import dev.tempura.local.AdminClient;
import dev.tempura.local.TemporalClusters;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of a running Tempura after traffic to two clusters whose namespaces are both
 * called {@code default}: each backend is its own series, labels are Temporal's, and the dashboard
 * queries only series that exist.
 */
class MetricsEndpointTest {
  private static final String VIRTUAL = "my-app-namespace";
  private static final String QUEUE = "metrics-q";

  @TempDir static Path dataDir;
  private static TemporalClusters clusters;
  private static TempuraServer tempura;
  private static WorkflowServiceStubs stubs;
  private static String scrape;

  @BeforeAll
  static void traffic() throws Exception {
    clusters = TemporalClusters.start(2);
    tempura = TempuraServer.start(ServeSettings.loopback(dataDir));
    AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:" + tempura.adminPort()));
    admin.createVirtualNamespace(VIRTUAL);
    admin.addPhysicalNamespace(VIRTUAL, "default", clusters.address(0));
    admin.addPhysicalNamespace(VIRTUAL, "default", clusters.address(1));
    // restarted on its stored topology: the reconciler's first walk then sees both backends
    tempura.close();
    tempura = TempuraServer.start(ServeSettings.loopback(dataDir));
    AdminClient restarted = new AdminClient(URI.create("http://127.0.0.1:" + tempura.adminPort()));
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + tempura.grpcPort())
                .build());
    for (int i = 0; i < 24; i++) {
      stubs
          .blockingStub()
          .startWorkflowExecution(
              StartWorkflowExecutionRequest.newBuilder()
                  .setNamespace(VIRTUAL)
                  .setWorkflowId("metrics-" + i)
                  .setRequestId("req-" + i)
                  .setWorkflowType(WorkflowType.newBuilder().setName("Anything"))
                  .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                  .build());
    }
    // a worker poll: parked polls, backend polls, tasks handed over
    stubs
        .blockingStub()
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .pollWorkflowTaskQueue(
            PollWorkflowTaskQueueRequest.newBuilder()
                .setNamespace(VIRTUAL)
                .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))
                .build());
    // a client waiting for a workflow's end, as the SDK's getResult does: a long poll
    try {
      stubs
          .blockingStub()
          .withDeadlineAfter(1, TimeUnit.SECONDS)
          .getWorkflowExecutionHistory(
              GetWorkflowExecutionHistoryRequest.newBuilder()
                  .setNamespace(VIRTUAL)
                  .setExecution(WorkflowExecution.newBuilder().setWorkflowId("metrics-0"))
                  .setWaitNewEvent(true)
                  .build());
    } catch (StatusRuntimeException deadline) {
      // expected: nothing happens to the workflow within the second
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> restarted.get("/metrics").contains("tempura_open_mappings{"));
    scrape = restarted.get("/metrics");
  }

  @AfterAll
  static void stop() {
    if (stubs != null) {
      stubs.shutdownNow();
    }
    if (tempura != null) {
      tempura.close();
    }
    if (clusters != null) {
      clusters.close();
    }
  }

  /** The cluster_address of every series of {@code name} whose physical namespace is default. */
  private static Set<String> clustersOf(String name) {
    Matcher m =
        Pattern.compile("(?m)^" + name + "\\{([^}]*physical_namespace=\"default\"[^}]*)\\}")
            .matcher(scrape);
    Pattern address = Pattern.compile("cluster_address=\"([^\"]*)\"");
    java.util.TreeSet<String> out = new java.util.TreeSet<>();
    while (m.find()) {
      Matcher a = address.matcher(m.group(1));
      if (a.find()) {
        out.add(a.group(1));
      }
    }
    return out;
  }

  @Test
  void twoClusters_bothNamingTheirNamespaceDefault_areTwoSeries() {
    Set<String> both = Set.copyOf(clusters.addresses());
    assertThat(clustersOf("tempura_placements_total")).isEqualTo(both);
    assertThat(clustersOf("tempura_requests_total")).isEqualTo(both);
    assertThat(clustersOf("tempura_backend_request_duration_seconds_count")).isEqualTo(both);
    assertThat(clustersOf("tempura_backend_healthy")).isEqualTo(both);
    assertThat(clustersOf("tempura_backend_polls_outstanding")).isEqualTo(both);
    assertThat(clustersOf("tempura_poll_tasks_delivered_total")).isEqualTo(both);
  }

  @Test
  void labels_areTemporals_andNoneIsAJavaClass() {
    assertThat(scrape)
        .contains("operation=\"StartWorkflowExecution\"")
        .contains("namespace=\"" + VIRTUAL + "\"")
        .doesNotContain("virtual_namespace=")
        .doesNotContain("method=")
        .contains("store=\"embedded\"");
    // label values that look like Java class names (EmbeddedStore, RedisStore, ...)
    assertThat(scrape).doesNotContainPattern("=\"[A-Z][a-z]+[A-Z][A-Za-z]*(Store|Impl|Service)\"");
    // the history wait is a long poll: its own series, under the name Temporal gives it
    assertThat(scrape)
        .containsPattern(
            "tempura_backend_long_request_duration_seconds_count\\{[^}]*"
                + "operation=\"PollWorkflowExecutionHistory\"")
        .doesNotContainPattern(
            "tempura_backend_request_duration_seconds_count\\{[^}]*"
                + "operation=\"(PollWorkflowExecutionHistory|GetWorkflowExecutionHistory)\"");
  }

  @Test
  void buildInfo_andCpuInSeconds() {
    assertThat(scrape)
        .containsPattern("tempura_build_info\\{[^}]*commit=\"[^\"]+\"[^}]*version=\"[^\"]+\"\\} 1")
        .contains("process_cpu_seconds_total ")
        .doesNotContain("process_cpu_time_ns_total");
  }

  @Test
  void dashboard_queriesOnlySeriesThatExist() throws Exception {
    Path dir = repoRoot().resolve("deploy/grafana/dashboards");
    List<Path> dashboards;
    try (var files = Files.list(dir)) {
      dashboards = files.filter(f -> f.toString().endsWith(".json")).toList();
    }
    assertThat(dashboards).isNotEmpty();
    Set<String> exported = DashboardMetrics.exported(scrape);
    for (Path d : dashboards) {
      Set<String> queried = DashboardMetrics.queried(d);
      assertThat(queried).as("%s queries something", d).isNotEmpty();
      assertThat(DashboardMetrics.unknown(queried, exported))
          .as("metric names %s queries that nothing exports", d.getFileName())
          .isEmpty();
    }
  }

  @Test
  void dashboardCheck_failsOnAnUnknownName() throws Exception {
    var dashboard =
        new ObjectMapper()
            .readTree(
                "{\"panels\": [{\"targets\": [{\"expr\": \"sum by (physical_namespace)"
                    + " (rate(tempura_placements_total{namespace=~\\\"$namespace\\\"}[1m]))"
                    + " / rate(tempura_no_such_series_total[1m])\"}]}]}");
    assertThat(
            DashboardMetrics.unknown(
                DashboardMetrics.queried(dashboard), DashboardMetrics.exported(scrape)))
        .containsExactly("tempura_no_such_series_total");
  }

  private static Path repoRoot() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("deploy"))) {
      p = p.getParent();
    }
    return java.util.Objects.requireNonNull(p, "deploy/ above the working directory");
  }
}
