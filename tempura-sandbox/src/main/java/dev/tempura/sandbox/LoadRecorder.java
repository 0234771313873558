package dev.tempura.sandbox;

import dev.tempura.loadgen.LoadListener;
import dev.tempura.loadgen.WorkflowFinished;
import dev.tempura.loadgen.WorkflowStarted;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongUnaryOperator;

/**
 * Records what the load runner reports, with when it happened: every workflow started (and how long
 * its start call took), every workflow finished or failed. Thread-safe; the runner calls it from
 * its slots.
 */
final class LoadRecorder implements LoadListener {
  enum Outcome {
    COMPLETED,
    FAILED,
    /** Still running when the runner's drain timeout ran out. */
    UNFINISHED
  }

  /**
   * One started workflow, as the runner saw it.
   *
   * @param phase the phase in force when its start was sent
   * @param sentNanos when its start call was sent, on {@link System#nanoTime()}'s clock
   * @param startLatencyNanos how long StartWorkflowExecution took, as the runner measured it
   * @param finishedNanos when its result or failure arrived; -1 when it did not
   * @param detail why it did not complete; null when it did
   */
  record Run(
      String workflowId,
      int phase,
      long sentNanos,
      long startLatencyNanos,
      long finishedNanos,
      Outcome outcome,
      String detail) {
    Run(String workflowId, int phase, long startLatencyNanos, Outcome outcome, String detail) {
      this(workflowId, phase, 0, startLatencyNanos, -1, outcome, detail);
    }
  }

  record StartFailure(String workflowId, int phase, String message) {}

  private record Started(String workflowId, long sentNanos, long latencyNanos) {}

  private record Finished(String workflowId, long atNanos, String failure) {}

  private final Queue<Started> started = new ConcurrentLinkedQueue<>();
  private final Queue<Finished> finished = new ConcurrentLinkedQueue<>();
  private final AtomicLong startedCount = new AtomicLong();
  private final AtomicLong completedCount = new AtomicLong();
  private final AtomicLong failedCount = new AtomicLong();
  private final Set<String> open = ConcurrentHashMap.newKeySet();

  @Override
  public void onWorkflowStarted(WorkflowStarted s) {
    long latency = s.startLatency().toNanos();
    started.add(new Started(s.workflowId(), System.nanoTime() - latency, latency));
    open.add(s.workflowId());
    startedCount.incrementAndGet();
  }

  @Override
  public void onWorkflowFinished(WorkflowFinished f) {
    finished.add(new Finished(f.workflowId(), System.nanoTime(), f.failure().orElse(null)));
    open.remove(f.workflowId());
    (f.completed() ? completedCount : failedCount).incrementAndGet();
  }

  long started() {
    return startedCount.get();
  }

  long completed() {
    return completedCount.get();
  }

  long failed() {
    return failedCount.get();
  }

  /** Workflows started and not finished yet. */
  int inFlight() {
    return open.size();
  }

  /**
   * Every started workflow, in the order their starts returned.
   *
   * @param phaseOf the phase a start sent at a given {@link System#nanoTime()} belongs to
   */
  List<Run> runs(LongUnaryOperator phaseOf) {
    Map<String, Finished> ends = new HashMap<>();
    for (Finished f : finished) {
      ends.put(f.workflowId(), f);
    }
    List<Run> runs = new ArrayList<>();
    for (Started s : started) {
      Finished end = ends.get(s.workflowId());
      int phase = (int) phaseOf.applyAsLong(s.sentNanos());
      if (end == null) {
        runs.add(
            new Run(
                s.workflowId(),
                phase,
                s.sentNanos(),
                s.latencyNanos(),
                -1,
                Outcome.UNFINISHED,
                "still running when the runner stopped waiting"));
      } else {
        runs.add(
            new Run(
                s.workflowId(),
                phase,
                s.sentNanos(),
                s.latencyNanos(),
                end.atNanos(),
                end.failure() == null ? Outcome.COMPLETED : Outcome.FAILED,
                end.failure()));
      }
    }
    return runs;
  }

  /** Start calls that failed: workflows reported finished with a failure but never started. */
  List<StartFailure> startFailures(LongUnaryOperator phaseOf) {
    Map<String, Boolean> wasStarted = new HashMap<>();
    for (Started s : started) {
      wasStarted.put(s.workflowId(), true);
    }
    List<StartFailure> failures = new ArrayList<>();
    for (Finished f : finished) {
      if (f.failure() != null && !wasStarted.containsKey(f.workflowId())) {
        failures.add(
            new StartFailure(f.workflowId(), (int) phaseOf.applyAsLong(f.atNanos()), f.failure()));
      }
    }
    return failures;
  }
}
