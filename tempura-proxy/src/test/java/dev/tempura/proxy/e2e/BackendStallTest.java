package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.store.MappingKey;
import dev.tempura.topology.PhysicalNamespace;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend that stops answering while load runs: health checks take it out of placement within two
 * seconds, every start from then on goes to the other backend and succeeds, and once it answers
 * again it takes new workflows again.
 */
class BackendStallTest {
  private static final String QUEUE = "stall";
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";

  /** A start issued this close to the unstall may be placed after B passes its check again. */
  private static final long UNSTALL_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend faultyB;
  private ProxyFixture tempura;
  private WorkflowClient client;
  private ScheduledExecutorService ticker;
  private ExecutorService starters;
  private final List<Start> starts = java.util.Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger nextId = new AtomicInteger();

  /** One start of the load: when it was issued and how it ended. */
  private record Start(String id, long issuedNanos, CompletableFuture<Void> outcome) {}

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(2);
    faultyB = new FaultyBackend(backends.address(1));
    // a check every 200 ms, out after two unanswered in 500 ms: a stall is seen within 1.4 s at
    // worst, while a healthy backend on a busy test machine still answers in time
    tempura = ProxyFixture.startWithFastHealthChecks(dir, Duration.ofMillis(500));
    tempura.createVirtual();
    tempura.addPhysical(A, backends.address(0));
    tempura.addPhysical(B, faultyB.address());
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.ExecuteActivityImpl.class);
    worker.registerActivitiesImplementations(new TestWorkflows.EchoImpl());
    factory.start();
    ticker = Executors.newSingleThreadScheduledExecutor();
    // a start held by the stalled backend holds its thread, so the load never waits for one
    starters = Executors.newCachedThreadPool();
  }

  @AfterEach
  void tearDown() throws Exception {
    ticker.shutdownNow();
    starters.shutdownNow();
    faultyB.stall(false);
    tempura.close();
    faultyB.close();
    backends.close();
  }

  /**
   * A client starting a short workflow every 50 ms, each start on its own thread; a start counts as
   * issued when its thread sends it.
   */
  private void startLoad() {
    ticker.scheduleAtFixedRate(
        () ->
            starters.execute(
                () -> {
                  String id = "load-" + nextId.getAndIncrement();
                  CompletableFuture<Void> outcome = new CompletableFuture<>();
                  starts.add(new Start(id, System.nanoTime(), outcome));
                  try {
                    WorkflowClient.start(
                        client.newWorkflowStub(
                                TestWorkflows.ExecuteActivity.class,
                                WorkflowOptions.newBuilder()
                                    .setTaskQueue(QUEUE)
                                    .setWorkflowId(id)
                                    .build())
                            ::run,
                        1,
                        id);
                    outcome.complete(null);
                  } catch (RuntimeException e) {
                    outcome.completeExceptionally(e);
                  }
                }),
        0,
        50,
        TimeUnit.MILLISECONDS);
  }

  private List<Start> issuedBetween(long fromNanos, long toNanos) {
    synchronized (starts) {
      return starts.stream()
          .filter(s -> s.issuedNanos() - fromNanos >= 0 && toNanos - s.issuedNanos() > 0)
          .toList();
    }
  }

  /** The physical namespace name a workflow is mapped to, or null without a mapping. */
  private String placement(String id) {
    String mapped = tempura.mappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
    return mapped == null ? null : mapped.substring(0, mapped.indexOf('@'));
  }

  private long succeededOn(List<Start> some, String physical) {
    return some.stream()
        .filter(s -> s.outcome().isDone() && !s.outcome().isCompletedExceptionally())
        .filter(s -> physical.equals(placement(s.id())))
        .count();
  }

  private String healthOfB() {
    PhysicalNamespace b =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(B)
            .get(0);
    return String.valueOf(tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, b).get("health"));
  }

  private static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }

  @Test
  void
      stallingABackendUnderLoad_sendsEveryNewStartToTheOtherWithinTwoSeconds_andUnstallingBringsItBack()
          throws Exception {
    startLoad();
    long loadStarted = System.nanoTime();
    // warm-up: both backends take placements
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                succeededOn(issuedBetween(loadStarted, System.nanoTime()), A) >= 3
                    && succeededOn(issuedBetween(loadStarted, System.nanoTime()), B) >= 3
                    && healthOfB().equals("healthy"));

    long stalled = System.nanoTime();
    faultyB.stall(true);
    Awaitility.await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> healthOfB().startsWith("unhealthy"));
    long detected = System.nanoTime();
    long detectionMillis = TimeUnit.NANOSECONDS.toMillis(detected - stalled);

    // load keeps running for a while past both detection and the two-second mark
    long checkedFrom = Math.min(detected, stalled + TimeUnit.SECONDS.toNanos(2));
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                millisSince(stalled) >= 3_000
                    && issuedBetween(stalled + TimeUnit.SECONDS.toNanos(2), System.nanoTime())
                            .size()
                        >= 20);
    long unstalled = System.nanoTime();
    faultyB.stall(false);
    // unstalled: new workflows map to B again within a few seconds
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> succeededOn(issuedBetween(unstalled, System.nanoTime()), B) >= 1);
    long recoveryMillis = millisSince(unstalled);
    assertThat(healthOfB()).isEqualTo("healthy");

    List<Start> whileOut = issuedBetween(checkedFrom, unstalled - UNSTALL_MARGIN_NANOS);
    assertThat(whileOut).hasSizeGreaterThanOrEqualTo(20);
    List<String> failed = new ArrayList<>();
    List<String> notOnA = new ArrayList<>();
    for (Start s : whileOut) {
      try {
        s.outcome().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        failed.add(s.id() + ": " + e.getCause());
        continue;
      }
      String where = placement(s.id());
      if (!A.equals(where)) {
        notOnA.add(s.id() + " -> " + where);
      }
    }
    assertThat(detectionMillis)
        .as("ms from the stall until B is reported unhealthy")
        .isLessThan(2_000);
    assertThat(failed).as("starts issued after detection that failed").isEmpty();
    assertThat(notOnA).as("starts issued after detection placed elsewhere than A").isEmpty();

    // every workflow that started ran to completion: those started while B was out on A, and
    // even those B held through the stall (starts issued before detection may fail by the
    // issue's terms; they are counted, not asserted)
    ticker.shutdownNow();
    ticker.awaitTermination(5, TimeUnit.SECONDS);
    List<Start> all;
    synchronized (starts) {
      all = List.copyOf(starts);
    }
    List<String> failedOverall = new ArrayList<>();
    Map<String, CompletableFuture<Integer>> results = new LinkedHashMap<>();
    for (Start s : all) {
      try {
        s.outcome().get(15, TimeUnit.SECONDS);
        results.put(s.id(), client.newUntypedWorkflowStub(s.id()).getResultAsync(Integer.class));
      } catch (java.util.concurrent.ExecutionException e) {
        failedOverall.add(s.id() + ": " + e.getCause());
      }
    }
    for (Map.Entry<String, CompletableFuture<Integer>> r : results.entrySet()) {
      assertThat(r.getValue().get(30, TimeUnit.SECONDS)).as(r.getKey()).isEqualTo(1);
    }
    System.out.printf(
        "BackendStallTest: %d starts, detection %d ms after the stall, %d starts checked while B was"
            + " out, B placed again %d ms after the unstall, failed starts (all before detection): %s%n",
        all.size(), detectionMillis, whileOut.size(), recoveryMillis, failedOverall);
  }
}
