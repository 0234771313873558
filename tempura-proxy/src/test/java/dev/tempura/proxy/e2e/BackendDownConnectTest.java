package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.Ports;
import dev.tempura.local.TemporalClusters;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One physical namespace whose cluster cannot answer (nothing listens at its address) must not keep
 * clients of the virtual namespace from connecting: the calls every SDK client makes first
 * (GetSystemInfo, DescribeNamespace) are answered by the backends that can answer, and work goes on
 * on them.
 */
@Timeout(120)
class BackendDownConnectTest {
  private static final String QUEUE = "backend-down";

  @TempDir Path dir;
  private TemporalClusters backends;
  private ProxyFixture tempura;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(1);
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    // the dead one first: it is the "primary" whose answer merges would otherwise start from
    tempura.addPhysical("namespace-dead", "127.0.0.1:" + Ports.freePort());
    tempura.addPhysical("namespace-a", backends.address(0));
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    backends.close();
  }

  @Test
  void aNewClientConnects_andWorkflowsRun_whileOneBackendCannotAnswer() throws Exception {
    WorkflowServiceStubs stubs = tempura.newStubs();

    assertThat(
            stubs
                .blockingStub()
                .getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                .hasCapabilities())
        .isTrue();
    DescribeNamespaceResponse described =
        stubs
            .blockingStub()
            .describeNamespace(
                DescribeNamespaceRequest.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build());
    assertThat(described.getNamespaceInfo().getName()).isEqualTo(ProxyFixture.VIRTUAL);

    // a start placed on the dead backend before its health checks fail stays mapped there (see
    // RELIABILITY.md); this test is about connecting, so it starts once the checks have failed
    dev.tempura.topology.PhysicalNamespace dead =
        tempura
            .topology()
            .current()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName("namespace-dead")
            .get(0);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                String.valueOf(
                        tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, dead).get("health"))
                    .startsWith("unhealthy"));

    WorkflowClient client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.InteractiveImpl.class);
    factory.start();
    TestWorkflows.Interactive wf =
        client.newWorkflowStub(
            TestWorkflows.Interactive.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(QUEUE)
                .setWorkflowId("while-one-is-down")
                .setWorkflowRunTimeout(Duration.ofMinutes(1))
                .build());
    WorkflowClient.start(wf::run, "x");
    wf.finish();
    assertThat(client.newUntypedWorkflowStub("while-one-is-down").getResult(String.class))
        .isNotNull();
  }
}
