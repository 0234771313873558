package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * One backend for which everything Tempura does throws an unexpected exception (its channel cannot
 * be had, as once for a cluster address with a space in it) must not take the others down: their
 * health checks go on (a frozen backend among them is still found unhealthy in time, a healthy one
 * stays healthy), a worker polling the virtual namespace still gets and completes the workflows of
 * the valid backends, the failing entry is shown unusable with its reason (admin details and
 * metric), is logged once and then only counted, and it is usable again once the fault is gone.
 */
class BackendIsolationTest {
  private static final String QUEUE = "isolation";
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";
  private static final String C = "namespace-c";
  private static final String FAULTS_LOGGER = "dev.tempura.proxy.health.BackendFaults";

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend faultyB;
  private ProxyFixture tempura;
  private WorkflowClient client;
  private ListAppender<ILoggingEvent> logs;

  @BeforeEach
  void setUp() {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(FAULTS_LOGGER)).addAppender(logs);
    backends = TemporalClusters.start(3);
    faultyB = new FaultyBackend(backends.address(1));
    // as in BackendStallTest: a check every 200 ms, out after two unanswered in 500 ms
    tempura = ProxyFixture.startWithFastHealthChecks(dir, Duration.ofMillis(500));
    tempura.createVirtual();
    tempura.addPhysical(A, backends.address(0));
    tempura.addPhysical(B, faultyB.address());
    tempura.addPhysical(C, backends.address(2));
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.ExecuteActivityImpl.class);
    worker.registerActivitiesImplementations(new TestWorkflows.EchoImpl());
    factory.start();
  }

  @AfterEach
  void tearDown() {
    ((Logger) LoggerFactory.getLogger(FAULTS_LOGGER)).detachAppender(logs);
    faultyB.stall(false);
    tempura.close();
    faultyB.close();
    backends.close();
  }

  private PhysicalNamespace physical(String name) {
    return tempura
        .topology()
        .virtualNamespace(ProxyFixture.VIRTUAL)
        .orElseThrow()
        .findByName(name)
        .get(0);
  }

  private Map<String, Object> details(String name) {
    return tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, physical(name));
  }

  private String health(String name) {
    return String.valueOf(details(name).get("health"));
  }

  /** The value of a per-backend series in the Prometheus scrape, or null when it is not there. */
  private Double metric(String metricName, String physicalName) {
    Pattern line = Pattern.compile("^" + metricName + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(tempura.scrape());
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      if (m.group(1).contains("physical_namespace=\"" + physicalName + "\"")) {
        sum += Double.parseDouble(m.group(2));
        found = true;
      }
    }
    return found ? sum : null;
  }

  private String placement(String id) {
    String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
    return mapped == null ? null : mapped.substring(0, mapped.indexOf('@'));
  }

  private TestWorkflows.ExecuteActivity stub(String id) {
    return client.newWorkflowStub(
        TestWorkflows.ExecuteActivity.class,
        WorkflowOptions.newBuilder()
            .setTaskQueue(QUEUE)
            .setWorkflowId(id)
            .setWorkflowRunTimeout(Duration.ofSeconds(30))
            .build());
  }

  private List<ILoggingEvent> faultLogsNaming(String physicalName) {
    synchronized (logs.list) {
      return logs.list.stream()
          .filter(e -> e.getFormattedMessage().contains(physicalName))
          .toList();
    }
  }

  @Test
  void oneBackendThrowing_staysWithThatBackend_othersAreCheckedAndPolled_andItRecovers()
      throws Exception {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                health(A).equals("healthy")
                    && health(B).equals("healthy")
                    && health(C).equals("healthy"));
    assertThat(details(C)).containsEntry("usable", true).doesNotContainKey("problem");

    // C: everything Tempura does for it throws; B: frozen
    ClusterAddress c = ClusterAddress.parse(backends.address(2));
    tempura
        .proxy()
        .backendChannels()
        .injectFaultForTests(c, new IllegalArgumentException("injected: no channel to " + c));
    long stalled = System.nanoTime();
    faultyB.stall(true);

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> health(B).startsWith("unhealthy"));
    long detectionMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled);
    assertThat(detectionMillis)
        .as("ms until the frozen backend is found unhealthy")
        .isLessThan(2_000);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Boolean.FALSE.equals(details(C).get("usable")));
    assertThat(String.valueOf(details(C).get("problem")))
        .contains("IllegalArgumentException")
        .contains("injected")
        .doesNotContain("\n");
    assertThat(details(A)).containsEntry("usable", true).containsEntry("health", "healthy");
    assertThat(details(B)).containsEntry("usable", true);
    assertThat(metric("tempura_backend_usable", C)).isEqualTo(0.0);
    assertThat(metric("tempura_backend_usable", A)).isEqualTo(1.0);
    assertThat(metric("tempura_backend_usable", B)).isEqualTo(1.0);

    // the worker polls the whole virtual namespace; C's polls throw, A's bring the tasks
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = "while-c-fails-" + i;
      WorkflowClient.start(stub(id)::run, 1, id);
      ids.add(id);
    }
    for (String id : ids) {
      assertThat(client.newUntypedWorkflowStub(id).getResult(20, TimeUnit.SECONDS, Integer.class))
          .as(id)
          .isEqualTo(1);
      assertThat(placement(id)).as("where %s was placed", id).isEqualTo(A);
    }
    // A stayed healthy all along, and B is still found out of placement: checks keep running
    assertThat(health(A)).isEqualTo("healthy");
    assertThat(health(B)).startsWith("unhealthy");

    // C's failures go on being counted, but each kind of failure was logged once
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                metric("tempura_backend_faults_total", C) != null
                    && metric("tempura_backend_faults_total", C) >= 10);
    List<ILoggingEvent> withTrace =
        faultLogsNaming(C).stream().filter(e -> e.getThrowableProxy() != null).toList();
    assertThat(withTrace)
        .as("fault log lines with a stack trace")
        .isNotEmpty()
        .hasSizeLessThanOrEqualTo(
            3); // at most once per kind of work: health check, poll, forwarded call
    assertThat(withTrace.stream().filter(e -> e.getFormattedMessage().contains("health check")))
        .hasSize(1);

    // the fault goes away: C is usable again by itself, and B once it answers
    tempura.proxy().backendChannels().injectFaultForTests(c, null);
    faultyB.stall(false);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                Boolean.TRUE.equals(details(C).get("usable"))
                    && health(C).equals("healthy")
                    && health(B).equals("healthy"));
    assertThat(details(C)).doesNotContainKey("problem");
    assertThat(metric("tempura_backend_usable", C)).isEqualTo(1.0);

    // and takes new workflows again, whose tasks its polls bring
    String onC = null;
    for (int i = 0; i < 40 && onC == null; i++) {
      String id = "after-recovery-" + i;
      WorkflowClient.start(stub(id)::run, 1, id);
      if (C.equals(placement(id))) {
        onC = id;
      }
    }
    assertThat(onC).as("a workflow placed on C after it recovered").isNotNull();
    assertThat(client.newUntypedWorkflowStub(onC).getResult(20, TimeUnit.SECONDS, Integer.class))
        .isEqualTo(1);
  }
}
