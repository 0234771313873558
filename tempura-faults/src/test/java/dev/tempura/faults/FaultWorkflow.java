package dev.tempura.faults;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** The suite's workload: a few activities with a timer between them, about a second in all. */
@WorkflowInterface
public interface FaultWorkflow {
  String TYPE = "FaultWorkflow";

  @WorkflowMethod(name = TYPE)
  String run(int steps);
}
