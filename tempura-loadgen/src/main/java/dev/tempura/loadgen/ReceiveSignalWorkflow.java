package dev.tempura.loadgen;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** Completes once it has received {@code Count} signals named {@code Name}. */
@WorkflowInterface
public interface ReceiveSignalWorkflow {
  @WorkflowMethod(name = BenchmarkTypes.RECEIVE_SIGNAL)
  void run(ReceiveSignalInput input);
}
