package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.Ports;
import dev.tempura.local.TemporalClusters;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The work a topology change brings (the retention lookup of new backends, polls on them for the
 * client polls parked now) is done per backend: a backend for which it throws, listed before the
 * new one, does not keep it from the new one.
 */
class TopologyListenerIsolationTest {
  private static final String QUEUE = "listeners";
  private static final String FIRST = "namespace-first";
  private static final String BAD = "namespace-bad";
  private static final String OK = "namespace-ok";

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend relay;
  private ProxyFixture tempura;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(1);
    // forwards everything to the real backend, counting the calls by method
    relay = new FaultyBackend(backends.address(0));
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
  }

  @AfterEach
  void tearDown() {
    tempura.close();
    relay.close();
    backends.close();
  }

  private Map<String, Object> details(String name) {
    PhysicalNamespace p =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(name)
            .get(0);
    return tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, p);
  }

  @Test
  void aBackendForWhichTheWorkThrows_doesNotKeepItFromTheNextBackend() {
    tempura.addPhysical(FIRST, backends.address(0));
    // a worker whose polls stay parked: no new client poll comes to start backend polls
    WorkflowClient client = tempura.newClient();
    tempura.startEchoWorker(client, QUEUE, TestWorkflows.ExecuteActivityImpl.class);
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> tempura.proxy().parkedPolls() >= 2);

    // the bad backend: anything Tempura does for it throws, from the moment it is added
    String badAddress = "127.0.0.1:" + Ports.freePort();
    tempura
        .proxy()
        .backendChannels()
        .injectFaultForTests(
            ClusterAddress.parse(badAddress), new IllegalStateException("injected: no channel"));
    tempura.addPhysical(BAD, badAddress);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Boolean.FALSE.equals(details(BAD).get("usable")));

    // a topology change: the listeners go through the bad backend first, then the new one
    tempura.addPhysical(OK, relay.address());

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(relay.calls("DescribeNamespace"))
                  .as("retention lookups of %s", OK)
                  .isPositive();
              assertThat(
                      relay.calls("PollWorkflowTaskQueue") + relay.calls("PollActivityTaskQueue"))
                  .as("polls started on %s for the parked client polls", OK)
                  .isPositive();
            });
    assertThat(details(OK)).containsEntry("usable", true);
    assertThat(details(FIRST)).containsEntry("usable", true);
    assertThat(details(BAD)).containsEntry("usable", false);
    assertThat(String.valueOf(details(BAD).get("problem"))).contains("injected: no channel");
  }
}
