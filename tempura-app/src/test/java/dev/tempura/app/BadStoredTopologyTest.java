package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.local.TemporalClusters;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Bad entries written straight into the stored topology (by an older version, or by hand), past
 * every check of the admin API: a cluster address with a space in it and a URL. The server starts
 * anyway, reports them (kept aside in the topology's rejected entries, and named in a WARN line),
 * serves the valid backend beside them (a worker completes a workflow started through Tempura, and
 * its health checks run), and starts again on the same data directory.
 */
class BadStoredTopologyTest {
  private static final String VIRTUAL = "my-app-namespace";
  private static final String QUEUE = "bad-stored-topology";
  private static final String SPACE = "cluster b:7233";
  private static final String URL = "http://evil:80/x";
  private static final String TOPOLOGY_LOGGER = "dev.tempura.topology.TopologyService";

  @TempDir Path dataDir;
  private TemporalClusters temporal;
  private String temporalAddress;
  private ListAppender<ILoggingEvent> logs;
  private TempuraServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  @WorkflowInterface
  public interface Greeting {
    @WorkflowMethod
    String greet(String name);
  }

  public static class GreetingImpl implements Greeting {
    @Override
    public String greet(String name) {
      return "hello " + name;
    }
  }

  @BeforeEach
  void setUp() throws IOException {
    temporal = TemporalClusters.start(1);
    temporalAddress = temporal.address(0);
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(TOPOLOGY_LOGGER)).addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    ((Logger) LoggerFactory.getLogger(TOPOLOGY_LOGGER)).detachAppender(logs);
    if (server != null) {
      server.close();
    }
    temporal.close();
  }

  @Test
  void badEntriesForcedIntoTheStore_areReportedAndNotServed_theValidBackendServes_andARestartWorks()
      throws Exception {
    // the store's file, laid out by the store itself, then its topology overwritten by hand
    RawTopology.write(
        dataDir,
        """
        {"version": 7,
         "virtualNamespaces": [
           {"name": "%s",
            "physicalNamespaces": [
              {"name": "namespace-a", "clusterAddress": "%s", "status": "ACTIVE", "weight": 1},
              {"name": "namespace-b", "clusterAddress": "%s", "status": "ACTIVE", "weight": 1},
              {"name": "namespace-c", "clusterAddress": "%s", "status": "ACTIVE", "weight": 1}]}]}
        """
            .formatted(VIRTUAL, temporalAddress, SPACE, URL));

    server = TempuraServer.start(settings());
    assertServesTheValidBackendAndReportsTheRest("first");

    server.close();
    server = null;
    logs.list.clear();
    server = TempuraServer.start(settings());
    assertServesTheValidBackendAndReportsTheRest("after-restart");
  }

  private void assertServesTheValidBackendAndReportsTheRest(String run) throws Exception {
    Topology t = server.topology().current();
    assertThat(t.virtualNamespace(VIRTUAL).orElseThrow().physicalNamespaces())
        .extracting(PhysicalNamespace::name)
        .containsExactly("namespace-a");
    assertThat(t.rejected()).hasSize(2);
    assertThat(t.rejected()).anySatisfy(r -> assertThat(r.entry()).contains(SPACE));
    assertThat(t.rejected()).anySatisfy(r -> assertThat(r.entry()).contains(URL));
    assertThat(t.rejected()).allSatisfy(r -> assertThat(r.virtualNamespace()).isEqualTo(VIRTUAL));
    List<String> warnings;
    synchronized (logs.list) {
      warnings =
          logs.list.stream()
              .filter(e -> e.getLevel() == Level.WARN)
              .map(ILoggingEvent::getFormattedMessage)
              .toList();
    }
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains(SPACE));
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains(URL));

    // health checks run for the valid backend: healthy once its first check answered
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              JsonNode a = physical("namespace-a");
              assertThat(a.path("health").asText()).isEqualTo("healthy");
              assertThat(a.path("usable").asBoolean(false)).isTrue();
            });

    // a workflow started through Tempura completes with a real SDK worker
    WorkflowServiceStubs stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + server.grpcPort())
                .build());
    WorkerFactory factory = null;
    try {
      WorkflowClient client =
          WorkflowClient.newInstance(
              stubs, WorkflowClientOptions.newBuilder().setNamespace(VIRTUAL).build());
      factory = WorkerFactory.newInstance(client);
      Worker worker = factory.newWorker(QUEUE);
      worker.registerWorkflowImplementationTypes(GreetingImpl.class);
      factory.start();
      Greeting greeting =
          client.newWorkflowStub(
              Greeting.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(QUEUE)
                  .setWorkflowId("greeting-" + run)
                  .setWorkflowRunTimeout(Duration.ofSeconds(30))
                  .build());
      WorkflowClient.start(greeting::greet, run);
      assertThat(
              client
                  .newUntypedWorkflowStub("greeting-" + run)
                  .getResult(30, TimeUnit.SECONDS, String.class))
          .isEqualTo("hello " + run);
    } finally {
      if (factory != null) {
        factory.shutdownNow();
        factory.awaitTermination(5, TimeUnit.SECONDS);
      }
      stubs.shutdownNow();
    }
  }

  /** The physical namespace as the admin API's get shows it. */
  private JsonNode physical(String name) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + server.adminPort()
                            + "/namespace/virtual/get?name="
                            + VIRTUAL))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    for (JsonNode p : new ObjectMapper().readTree(r.body()).path("physical_namespaces")) {
      if (p.path("name").asText().equals(name)) {
        return p;
      }
    }
    throw new AssertionError(name + " not in " + r.body());
  }

  private ServeSettings settings() {
    return new ServeSettings("127.0.0.1", 0, "127.0.0.1", 0, dataDir, "embedded");
  }

  /**
   * Writes {@code json} as the stored topology, as the embedded store keeps it, past every check.
   */
}
