package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.ForwardingServer;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@link ReplicasBehindBalancer}'s cases on one Redis, plus many pollers per worker and a graceful
 * restart of one replica under load.
 */
class ReplicasBehindBalancerTest extends ReplicasBehindBalancer {
  @Test
  void manyPollersOnBothReplicas_noTaskWaitsASecond_noTimeouts() throws Exception {
    startReplicaB();
    ForwardingServer lb = balancer(replicaA, replicaB);
    String run = "many-pollers";
    WorkflowClient client =
        clientAndWorker(
            lb,
            run,
            WorkerOptions.newBuilder()
                .setMaxConcurrentWorkflowTaskPollers(4)
                .setMaxConcurrentActivityTaskPollers(4)
                .build());
    List<String> ids = ids(run, WORKFLOWS / 2);
    for (CompletableFuture<Integer> r : startAll(client, run, ids)) {
      assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(ACTIVITIES);
    }
    assertNoTimeouts(client, ids);
    logHolds("many pollers", replicaA);
    logHolds("many pollers", replicaB);
    assertNoTaskHeldASecond(replicaA, replicaB);
  }

  @Test
  void nexusTasks_reachTheHandlersPollOnEitherReplica_noTaskWaitsASecond() throws Exception {
    startReplicaB();
    ForwardingServer lb = balancer(replicaA, replicaB);
    NexusAcrossBackendsTest.createEndpoint(lb.address());
    WorkflowClient client =
        clientAndWorker(
            lb,
            NexusAcrossBackendsTest.QUEUE,
            WorkerOptions.newBuilder()
                // one poll per kind at a time: each of the worker's Nexus polls lands on the
                // replica its previous one did not, so tasks keep arriving where none waits
                .setMaxConcurrentWorkflowTaskPollers(2)
                .setMaxConcurrentActivityTaskPollers(1)
                .setMaxConcurrentNexusTaskPollers(1)
                .build(),
            worker -> {
              worker.registerWorkflowImplementationTypes(
                  NexusAcrossBackendsTest.CallerImpl.class,
                  NexusAcrossBackendsTest.HandlerWorkflowImpl.class);
              worker.registerNexusServiceImplementation(new NexusAcrossBackendsTest.GreeterImpl());
            });
    List<String> ids = ids("nexus", 40);
    List<CompletableFuture<String>> results = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      boolean async = i % 4 == 0;
      NexusAcrossBackendsTest.Caller caller =
          client.newWorkflowStub(
              NexusAcrossBackendsTest.Caller.class,
              WorkflowOptions.newBuilder()
                  .setWorkflowId(ids.get(i))
                  .setTaskQueue(NexusAcrossBackendsTest.QUEUE)
                  .build());
      WorkflowClient.start(caller::call, async);
      results.add(WorkflowStub.fromTyped(caller).getResultAsync(String.class));
    }
    for (int i = 0; i < ids.size(); i++) {
      String expected = (i % 4 == 0 ? "later, " : "hello, ") + ids.get(i);
      assertThat(results.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(expected);
    }
    assertNoTimeouts(client, ids);
    logHolds("nexus", replicaA);
    logHolds("nexus", replicaB);
    assertNoTaskHeldASecond(replicaA, replicaB);
    assertThat(
            handedAcross(replicaA, "in", "kind=\"nexus\"")
                + handedAcross(replicaB, "in", "kind=\"nexus\""))
        .as("Nexus tasks one replica held for the handler's poll parked on the other went there")
        .isPositive();
  }

  @Test
  void oneReplicaRestartedGracefullyUnderLoad_nothingLost_noTaskWaitsASecondAfterwards()
      throws Exception {
    startReplicaB();
    ForwardingServer lb = balancer(replicaA, replicaB);
    String run = "restart";
    WorkflowClient client = clientAndWorker(lb, run);
    List<String> ids = ids(run);
    List<CompletableFuture<Integer>> results = startAll(client, run, ids);
    AtomicInteger done = new AtomicInteger();
    results.forEach(r -> r.thenRun(done::incrementAndGet));
    // workflows progress side by side and end together: progress is read off the tasks handed out
    Awaitility.await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                metric(replicaA, "tempura_poll_task_hold_duration_seconds_count")
                        + metric(replicaB, "tempura_poll_task_hold_duration_seconds_count")
                    >= WORKFLOWS * (2 * ACTIVITIES + 1) / 5);

    // as a rolling update does: the replica leaves the balancer's rotation, stops gracefully, and
    // comes back on the same address
    lb.setInRotation(0, false);
    replicaA.stopProxy();
    log.info(
        "replica A stopped: it handed {} tasks to replica B; {} of {} workflows done",
        handedAcross(replicaA, "out"),
        done.get(),
        WORKFLOWS);
    assertThat(replicaA.scrape())
        .as("no task a backend handed out was left without a taker")
        .doesNotContainPattern("tempura_poll_tasks_dropped_total\\{[^}]*\\} [1-9]");
    replicaA.startProxy();
    awaitReplicasSeeEachOther();
    lb.setInRotation(0, true);
    double slowOnBBefore = heldLongerThanASecond(replicaB);
    logHolds("restart done", replicaB);
    log.info("{} of {} workflows done when the restart completed", done.get(), WORKFLOWS);
    // work after the restart whatever the first batch's progress (on a loaded machine it may all
    // have finished on B while A drained): the restarted replica serves these next to B
    List<String> after = ids(run + "-after", WORKFLOWS / 4);
    List<CompletableFuture<Integer>> afterResults = startAll(client, run, after);

    for (CompletableFuture<Integer> r : results) {
      assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(ACTIVITIES);
    }
    for (CompletableFuture<Integer> r : afterResults) {
      assertThat(r.get(120, TimeUnit.SECONDS)).isEqualTo(ACTIVITIES);
    }
    assertNoTimeouts(client, ids);
    assertNoTimeouts(client, after);
    assertThat(metric(replicaA, "tempura_poll_task_hold_duration_seconds_count"))
        .as("the restarted replica handed out tasks")
        .isPositive();
    logHolds("after the restart", replicaA);
    logHolds("after the restart", replicaB);
    assertThat(heldLongerThanASecond(replicaA))
        .as("tasks that waited longer than 1 s on the restarted replica")
        .isZero();
    assertThat(heldLongerThanASecond(replicaB) - slowOnBBefore)
        .as("tasks that waited longer than 1 s on the other replica after the restart")
        .isZero();
  }
}
