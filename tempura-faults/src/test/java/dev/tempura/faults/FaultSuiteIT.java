package dev.tempura.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.store.redis.RedisServerFixture;
import dev.tempura.testing.TempuraProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The fault suite: each test runs real processes (two backends, the proxy jar, Redis where the
 * fault needs it), puts a steady start load through the proxy, strikes mid-load, and then counts
 * from the backends what completed, what failed and what was lost. Each test appends its row to the
 * results; when the suite ends it renders the table into {@code tempura.reliability.doc}
 * (target/RELIABILITY.md unless asked for docs/RELIABILITY.md, see {@link ReliabilityReport}).
 *
 * <p>The target for every fault: nothing lost, and every workflow whose start the client saw
 * acknowledged completes once the fault clears. A killed in-memory backend takes its own workflows
 * with it; that row checks everything else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = java.util.concurrent.TimeUnit.MINUTES)
class FaultSuiteIT {
  private static final Duration ACTION_LIMIT = Duration.ofSeconds(120);

  @BeforeAll
  static void freshResults() throws Exception {
    Files.deleteIfExists(FaultResult.resultsFile());
  }

  @AfterAll
  static void renderTable() {
    Path results = FaultResult.resultsFile();
    if (Files.exists(results)) {
      Path doc = Path.of(System.getProperty("tempura.reliability.doc", "target/RELIABILITY.md"));
      ReliabilityReport.write(FaultResult.read(results), doc);
      System.out.println("reliability table written to " + doc.toAbsolutePath().normalize());
    }
  }

  @Test
  @Order(1)
  void backendPausedMidLoad_thenResumed() throws Exception {
    try (Scenario s = new Scenario("backend-paused")) {
      TempuraProcess proxy = s.underLoadThroughOneProxy(null);
      Duration pause = Duration.ofSeconds(5);
      ScheduledFuture<?> stop =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                s.backend(0).process().pause();
                s.faultStarts();
              });
      ScheduledFuture<?> resume =
          s.at(
              Scenario.FAULT_AT.plus(pause),
              () -> {
                s.backend(0).process().resume();
                s.faultEnds();
              });
      Scenario.join(stop, ACTION_LIMIT);
      Scenario.join(resume, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              1,
              "Backend paused 5 s (SIGSTOP, then SIGCONT)",
              "2 backends, 1 proxy, embedded store",
              "backend-a was frozen for 5 s mid-load.");
      assertNothingLost(r);
    }
  }

  @Test
  @Order(2)
  void backendKilledMidLoad() throws Exception {
    try (Scenario s = new Scenario("backend-killed")) {
      TempuraProcess proxy = s.underLoadThroughOneProxy(null);
      ScheduledFuture<?> kill =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                s.faultStarts();
                s.backend(0).process().kill9();
                s.backendDied(s.backend(0));
                s.faultEnds();
              });
      Scenario.join(kill, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              2,
              "Backend killed (SIGKILL)",
              "2 backends, 1 proxy, embedded store",
              "backend-a was killed mid-load and not restarted; its workflows died with its in-memory state.",
              "A start never acknowledged was placed on backend-a in the moment between the kill and the"
                  + " proxy taking backend-a out of placement (5 failed calls, or 2 failed health checks):"
                  + " the mapping written for it names backend-a, so every retry of that workflow id follows"
                  + " the mapping there and fails with UNAVAILABLE until backend-a comes back. The client knows"
                  + " the start did not happen; a new workflow id would be placed on the live backend.");
      assertThat(r.lost()).as("workflows lost beyond the killed backend's own").isZero();
      assertThat(r.workflowFailures()).isZero();
      assertThat(r.placedOnLiveBackendsAfterFault())
          .as("new workflows placed on the live backend after the kill")
          .isPositive();
    }
  }

  @Test
  @Order(3)
  void proxyKilledMidLoad_andRestarted_embeddedStore() throws Exception {
    try (Scenario s = new Scenario("proxy-killed-embedded")) {
      TempuraProcess proxy = s.underLoadThroughOneProxy(null);
      ScheduledFuture<?> kill =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                s.faultStarts();
                proxy.kill9();
                proxy.restart();
                s.faultEnds();
              });
      Scenario.join(kill, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              3,
              "Proxy killed (-9) and restarted, embedded store",
              "2 backends, 1 proxy, embedded store",
              "The proxy was killed mid-load and started again at once on the same ports and data directory;"
                  + " it was down "
                  + ReliabilityReport.seconds(s.faultEndedAt - s.faultStartedAt)
                  + " (kill to ready, mostly the new JVM starting on a loaded machine).");
      assertNothingLost(r);
    }
  }

  @Test
  @Order(4)
  void proxyKilledMidLoad_andRestarted_redisStore() throws Exception {
    try (Scenario s = new Scenario("proxy-killed-redis")) {
      RedisServerFixture redis = s.closeLater(RedisServerFixture.start());
      TempuraProcess proxy = s.underLoadThroughOneProxy(redis.uri());
      ScheduledFuture<?> kill =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                s.faultStarts();
                proxy.kill9();
                proxy.restart();
                s.faultEnds();
              });
      Scenario.join(kill, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              4,
              "Proxy killed (-9) and restarted, Redis store",
              "2 backends, 1 proxy, Redis",
              "The proxy was killed mid-load and started again at once on the same ports and Redis;"
                  + " it was down "
                  + ReliabilityReport.seconds(s.faultEndedAt - s.faultStartedAt)
                  + " (kill to ready, mostly the new JVM starting on a loaded machine).");
      assertNothingLost(r);
    }
  }

  @Test
  @Order(5)
  void redisKilledAndRestarted_withAofPersistence() throws Exception {
    try (Scenario s = new Scenario("redis-restarted")) {
      Files.createDirectories(s.dir.resolve("redis-data"));
      AofRedis redis = s.closeLater(new AofRedis(s.dir.resolve("redis-data"), s.dir)).start();
      TempuraProcess proxy = s.underLoadThroughOneProxy(redis.uri());
      long[] keys = new long[2];
      Duration down = Duration.ofSeconds(3);
      ScheduledFuture<?> kill =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                keys[0] = redis.keys();
                s.faultStarts();
                redis.kill9();
              });
      ScheduledFuture<?> restart =
          s.at(
              Scenario.FAULT_AT.plus(down),
              () -> {
                redis.start();
                s.faultEnds();
                keys[1] = redis.keys();
              });
      Scenario.join(kill, ACTION_LIMIT);
      Scenario.join(restart, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              5,
              "Redis killed (-9) and restarted 3 s later, AOF on",
              "2 backends, 1 proxy, Redis with appendonly",
              "Redis was killed mid-load and answered again "
                  + ReliabilityReport.seconds(s.faultEndedAt - s.faultStartedAt)
                  + " later, on the same port and directory; it had "
                  + keys[0]
                  + " keys when killed and "
                  + keys[1]
                  + " after the restart (AOF replayed).");
      assertNothingLost(r);
    }
  }

  @Test
  @Order(6)
  void twoProxies_clientAlternates_oneKilled() throws Exception {
    try (Scenario s = new Scenario("two-proxies-one-killed")) {
      RedisServerFixture redis = s.closeLater(RedisServerFixture.start());
      s.startBackends();
      TempuraProcess first = s.startProxy("tempura-1", redis.uri());
      TempuraProcess second = s.startProxy("tempura-2", redis.uri());
      s.topology(first);
      org.awaitility.Awaitility.await("second proxy sees the topology")
          .atMost(Duration.ofSeconds(30))
          .until(() -> second.sees(Scenario.VIRTUAL, 2));
      s.workers(first, second);
      s.beginLoad(List.of(first.target(), second.target()));
      ScheduledFuture<?> kill =
          s.at(
              Scenario.FAULT_AT,
              () -> {
                s.faultStarts();
                second.kill9();
                s.faultEnds();
              });
      Scenario.join(kill, ACTION_LIMIT);
      FaultResult r =
          s.settle(
              6,
              "Two proxies, one killed (-9)",
              "2 backends, 2 proxies sharing Redis, a worker on each",
              "The client alternated its starts between the proxies, failing over to the other on a failed"
                  + " attempt; tempura-2 was killed mid-load and not restarted, its worker's polls failing from then on.");
      assertNothingLost(r);
    }
  }

  private static void assertNothingLost(FaultResult r) {
    assertThat(r.lost()).as("acknowledged workflows lost: " + r.notes()).isZero();
    assertThat(r.workflowFailures()).as("acknowledged workflows that failed").isZero();
    assertThat(r.completed()).as("completed").isEqualTo(r.acknowledged());
  }
}
