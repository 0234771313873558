package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PlacementSettings;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adaptive policy against a backend whose starts are slow: measured through the proxy, B's
 * Start p95 passes the SLO and its share of new workflows falls; once it is fast again its share
 * comes back.
 */
class AdaptivePlacementTest {
  private static final String QUEUE = "adaptive";
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";
  private static final Duration SLO = Duration.ofMillis(150);
  private static final Duration SLOW_START = Duration.ofMillis(600);

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend faultyB;
  private ProxyFixture tempura;
  private WorkflowClient client;
  private ExecutorService starters;
  private final AtomicInteger batches = new AtomicInteger();

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    faultyB = new FaultyBackend(backends.address(1));
    tempura = ProxyFixture.start(dir, b -> b.startLatencySlo(SLO));
    tempura.createVirtual();
    // equal weights
    tempura.addPhysical(A, backends.address(0));
    tempura.addPhysical(B, faultyB.address());
    tempura
        .topology()
        .setPlacement(
            ProxyFixture.VIRTUAL, PlacementSettings.DEFAULT.withPolicy(PlacementSettings.ADAPTIVE))
        .join();
    client = tempura.newClient();
    // no worker: only where the workflows are placed matters here
    starters = Executors.newFixedThreadPool(4);
  }

  @AfterEach
  void tearDown() {
    starters.shutdownNow();
    tempura.close();
    faultyB.close();
    backends.close();
  }

  /** Starts {@code n} workflows through the proxy, 4 at a time; returns B's share of them. */
  private double startBatch(String prefix, int n) {
    List<CompletableFuture<String>> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String id = prefix + "-" + i;
      ids.add(
          CompletableFuture.supplyAsync(
              () -> {
                WorkflowClient.start(
                    client.newWorkflowStub(
                            TestWorkflows.Interactive.class,
                            WorkflowOptions.newBuilder()
                                .setTaskQueue(QUEUE)
                                .setWorkflowId(id)
                                .build())
                        ::run,
                    id);
                return id;
              },
              starters));
    }
    int onB = 0;
    for (CompletableFuture<String> f : ids) {
      String id = f.join();
      String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
      assertThat(mapped).as("mapping of %s", id).isNotNull();
      if (mapped.startsWith(B + "@")) {
        onB++;
      } else {
        assertThat(mapped).startsWith(A + "@");
      }
    }
    return (double) onB / n;
  }

  /** Health, measured Start p95 and adaptive factor of a backend, as the admin API shows them. */
  private Map<String, Object> details(String physical) {
    PhysicalNamespace p =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(physical)
            .get(0);
    return tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, p);
  }

  private double factor(String physical) {
    return (Double) details(physical).get("adaptive_factor");
  }

  @Test
  void
      aBackendWhoseStartsPassTheSlo_getsUnderAFifthOfNewWorkflows_andItsShareRecoversWhenItIsFastAgain() {
    faultyB.delay("StartWorkflowExecution", SLOW_START);

    // warm-up: B's slow starts are measured and the policy scales its weight down; A's first
    // starts (a cold JVM, fresh connections) may pass the SLO too, until enough later ones push
    // them out of its p95
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              startBatch("warm-up-" + batches.getAndIncrement(), 40);
              return factor(A) == 1.0 && factor(B) <= 0.25;
            });
    assertThat((Double) details(B).get("start_latency_p95_ms")).isGreaterThanOrEqualTo(600.0);

    double slowShare = startBatch("slow", 100);
    Map<String, Object> afterSlow = details(B);
    double f = (Double) afterSlow.get("adaptive_factor");
    System.out.printf(
        "AdaptivePlacementTest: while slow, B's p95 %s ms, factor %s (expected share f/(1+f) = %.1f%%),"
            + " share of 100 new starts %.0f%%; A's p95 %s ms, factor %s%n",
        afterSlow.get("start_latency_p95_ms"),
        f,
        100 * f / (1 + f),
        slowShare * 100,
        details(A).get("start_latency_p95_ms"),
        factor(A));
    // soft: the recovery below is checked even when this fails
    SoftAssertions soft = new SoftAssertions();
    soft.assertThat(slowShare)
        .as(
            "B's share of 100 starts while its starts take 600 ms (its factor %s gives it an expected"
                + " share of %.1f%%)",
            f, 100 * f / (1 + f))
        .isLessThan(0.20);

    faultyB.clearDelays();
    long cleared = System.nanoTime();
    AtomicReference<Double> lastShare = new AtomicReference<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              lastShare.set(startBatch("recovering-" + batches.getAndIncrement(), 100));
              return lastShare.get() > 0.35;
            });
    System.out.printf(
        "AdaptivePlacementTest: B's share back to %.0f%% of 100 starts %d ms after the delay was"
            + " cleared (factor %s)%n",
        lastShare.get() * 100,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cleared),
        factor(B));
    soft.assertAll();
  }
}
