package dev.tempura.loadgen;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Runs {@code Count} activities of type {@code Activity}, one after another, each with {@code
 * Input}; fails with the first activity failure. Returns nothing, like benchmark-workers'.
 */
@WorkflowInterface
public interface ExecuteActivityWorkflow {
  @WorkflowMethod(name = BenchmarkTypes.EXECUTE_ACTIVITY)
  void run(ExecuteActivityInput input);
}
