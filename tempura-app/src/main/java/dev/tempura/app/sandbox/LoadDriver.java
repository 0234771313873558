package dev.tempura.app.sandbox;

import dev.tempura.app.sandbox.BenchmarkWorkflows.ExecuteActivity;
import dev.tempura.app.sandbox.BenchmarkWorkflows.ExecuteActivityInput;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Keeps a fixed number of {@code ExecuteActivity} workflows in flight, as the benchmark runner's
 * {@code -c} does: each slot starts a workflow, waits for its result, and starts the next.
 */
final class LoadDriver {
  /**
   * How long a slot waits for one workflow's result before counting it as not completed: longer
   * than a worker's long poll (about 70 s), so that a task found only when the poll is renewed
   * shows as a slow workflow rather than a lost one.
   */
  static final Duration RESULT_TIMEOUT = Duration.ofMinutes(2);

  enum Outcome {
    COMPLETED,
    FAILED,
    TIMED_OUT
  }

  /**
   * One started workflow, as the client saw it.
   *
   * @param phase the phase in force when its start was sent
   * @param startLatencyNanos how long StartWorkflowExecution took, measured around the SDK call
   * @param detail why it did not complete; null when it did
   */
  record Run(String workflowId, int phase, long startLatencyNanos, Outcome outcome, String detail) {}

  record StartFailure(String workflowId, int phase, String message) {}

  private final WorkflowClient client;
  private final ExecuteActivityInput input;
  private final int concurrency;
  private final IntSupplier phase;
  private final ExecutorService slots;
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Queue<Run> runs = new ConcurrentLinkedQueue<>();
  private final Queue<StartFailure> startFailures = new ConcurrentLinkedQueue<>();
  private volatile boolean running;

  LoadDriver(WorkflowClient client, ExecuteActivityInput input, int concurrency, IntSupplier phase) {
    if (concurrency <= 0) {
      throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: > 0)");
    }
    this.client = client;
    this.input = input;
    this.concurrency = concurrency;
    this.phase = phase;
    this.slots =
        Executors.newFixedThreadPool(
            concurrency,
            r -> {
              Thread t = new Thread(r, "sandbox-load");
              t.setDaemon(true);
              return t;
            });
  }

  void start() {
    running = true;
    for (int i = 0; i < concurrency; i++) {
      slots.execute(this::runSlot);
    }
  }

  /**
   * Starts no more workflows and waits for those in flight to finish.
   *
   * @return false when some were still running after {@link #RESULT_TIMEOUT}
   */
  boolean stop() throws InterruptedException {
    running = false;
    slots.shutdown();
    // each slot gives up on its workflow after RESULT_TIMEOUT; the margin covers the last start
    return slots.awaitTermination(RESULT_TIMEOUT.plusSeconds(30).toMillis(), TimeUnit.MILLISECONDS);
  }

  int inFlight() {
    return inFlight.get();
  }

  List<Run> runs() {
    return List.copyOf(runs);
  }

  List<StartFailure> startFailures() {
    return List.copyOf(startFailures);
  }

  private void runSlot() {
    while (running) {
      int currentPhase = phase.getAsInt();
      String id = "benchmark-" + sequence.incrementAndGet();
      ExecuteActivity workflow =
          client.newWorkflowStub(
              ExecuteActivity.class,
              WorkflowOptions.newBuilder()
                  .setTaskQueue(BenchmarkWorkflows.TASK_QUEUE)
                  .setWorkflowId(id)
                  .build());
      long startedAt = System.nanoTime();
      try {
        WorkflowClient.start(workflow::run, input);
      } catch (RuntimeException e) {
        // the run has failed already; a slot that kept retrying would only flood the report
        startFailures.add(new StartFailure(id, currentPhase, oneLine(e)));
        return;
      }
      long latency = System.nanoTime() - startedAt;
      inFlight.incrementAndGet();
      try {
        runs.add(awaitResult(id, currentPhase, latency, workflow));
      } finally {
        inFlight.decrementAndGet();
      }
    }
  }

  private Run awaitResult(String id, int currentPhase, long latency, ExecuteActivity workflow) {
    try {
      int ran =
          WorkflowStub.fromTyped(workflow)
              .getResult(RESULT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS, Integer.class);
      if (ran != input.count()) {
        return new Run(
            id,
            currentPhase,
            latency,
            Outcome.FAILED,
            "ran " + ran + " activities (expected: " + input.count() + ")");
      }
      return new Run(id, currentPhase, latency, Outcome.COMPLETED, null);
    } catch (TimeoutException e) {
      return new Run(
          id, currentPhase, latency, Outcome.TIMED_OUT, "no result within " + RESULT_TIMEOUT);
    } catch (RuntimeException e) {
      return new Run(id, currentPhase, latency, Outcome.FAILED, oneLine(e));
    }
  }

  static String oneLine(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
    return text.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
