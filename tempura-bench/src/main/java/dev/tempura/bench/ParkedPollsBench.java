package dev.tempura.bench;

import dev.tempura.testing.TestServerProcess;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (e) Memory of parked long polls: a Tempura process of its own in front of one backend, {@code
 * polls} PollActivityTaskQueue calls with long deadlines over {@code channels} channels, each from
 * its own loopback address (127.0.0.2, .3, ...) as if from its own worker host, so that Tempura's
 * per-client limit on parked polls (where it has one) applies as it would in production; spread
 * over {@code queues} task queues that never get a task. The proxy's heap is read from its /metrics
 * after {@code jcmd GC.run}, before the polls and with all of them parked.
 */
final class ParkedPollsBench {
  private static final Logger log = LoggerFactory.getLogger(ParkedPollsBench.class);

  record Result(
      int polls,
      int channels,
      int queues,
      long parked,
      long backendPolls,
      long heapBefore,
      long heapParked,
      long rssBeforeKib,
      long rssParkedKib,
      Duration openTime,
      long failed,
      String lastFailure,
      String jvmFlags) {
    long heapDelta() {
      return heapParked - heapBefore;
    }
  }

  private ParkedPollsBench() {}

  static Result run(
      Path jar, Path work, TestServerProcess backend, int polls, int channelCount, int queues)
      throws Exception {
    try (TempuraProcess t = TempuraProcess.start("tempura-polls", jar, work)) {
      t.virtualNamespace("polls", List.<String[]>of(new String[] {"polls-a", backend.address()}));
      // one poll through the proxy first, so that classes, channels and the hub machinery exist
      // before the baseline: the baseline is Tempura ready to serve, not Tempura never used
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < channelCount; i++) {
        channels.add(Grpc.channelFrom(t.address(), 2 + i));
      }
      try {
        WorkflowServiceGrpc.newBlockingStub(channels.get(0))
            .withDeadlineAfter(3, TimeUnit.SECONDS)
            .pollActivityTaskQueue(request(-1, 0));
      } catch (io.grpc.StatusRuntimeException expected) {
        // an empty answer or DEADLINE_EXCEEDED: either way the path was used
      }
      Net.sleep(1000);
      long heapBefore = t.heapUsedAfterGc();
      long rssBefore = ProcStat.rssKib(t.process().pid());
      log.info("parked polls: heap before {} MiB; opening {} polls", heapBefore >> 20, polls);

      Context.CancellableContext context = Context.current().withCancellation();
      AtomicLong failed = new AtomicLong();
      String[] lastFailure = {null};
      long begin = System.nanoTime();
      try {
        context.run(
            () -> {
              for (int i = 0; i < polls; i++) {
                WorkflowServiceGrpc.newStub(channels.get(i % channelCount))
                    .withDeadlineAfter(10, TimeUnit.MINUTES)
                    .pollActivityTaskQueue(
                        request(i, queues),
                        new StreamObserver<PollActivityTaskQueueResponse>() {
                          @Override
                          public void onNext(PollActivityTaskQueueResponse value) {}

                          @Override
                          public void onError(Throwable e) {
                            if (!context.isCancelled()) {
                              failed.incrementAndGet();
                              lastFailure[0] = io.grpc.Status.fromThrowable(e).toString();
                            }
                          }

                          @Override
                          public void onCompleted() {}
                        });
              }
            });
        long parked = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
          parked = (long) t.metricOrZero("tempura_polls_parked");
          if (parked >= polls || failed.get() > 0) {
            break;
          }
          Thread.sleep(250);
        }
        Duration openTime = Duration.ofNanos(System.nanoTime() - begin);
        // let the backend polls settle too
        Thread.sleep(2000);
        parked = (long) t.metricOrZero("tempura_polls_parked");
        long backendPolls = (long) t.metricOrZero("tempura_backend_polls_outstanding");
        long heapParked = t.heapUsedAfterGc();
        long rssParked = ProcStat.rssKib(t.process().pid());
        parked = Math.min(parked, (long) t.metricOrZero("tempura_polls_parked"));
        log.info(
            "parked polls: {} parked, {} backend polls, heap {} MiB (+{} MiB), {} failed",
            parked,
            backendPolls,
            heapParked >> 20,
            (heapParked - heapBefore) >> 20,
            failed.get());
        return new Result(
            polls,
            channelCount,
            queues,
            parked,
            backendPolls,
            heapBefore,
            heapParked,
            rssBefore,
            rssParked,
            openTime,
            failed.get(),
            lastFailure[0],
            String.join(" ", TempuraProcess.JVM_FLAGS));
      } finally {
        context.cancel(null);
        channels.forEach(Grpc::close);
      }
    }
  }

  private static PollActivityTaskQueueRequest request(int i, int queues) {
    return PollActivityTaskQueueRequest.newBuilder()
        .setNamespace("polls")
        .setTaskQueue(
            TaskQueue.newBuilder().setName(i < 0 ? "parked-warmup" : "parked-" + (i % queues)))
        .setIdentity("bench-poller-" + i + "@tempura-bench")
        .build();
  }
}
