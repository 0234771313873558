package dev.tempura.loadgen;

/**
 * Hears about a run as it goes. Called from the runner's threads, concurrently for workflow events:
 * keep it quick and thread-safe; what it throws is logged and otherwise ignored.
 */
public interface LoadListener {
  LoadListener NONE = new LoadListener() {};

  /** After each report interval, and once more for the partial interval at the end. */
  default void onInterval(IntervalStats stats) {}

  default void onWorkflowStarted(WorkflowStarted started) {}

  /** Only for workflows the runner waits on, and for failed starts. */
  default void onWorkflowFinished(WorkflowFinished finished) {}
}
