package dev.tempura.loadgen;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/** Runs a list of {@link DslStep}s: activities and nested child {@code DSL} workflows. */
@WorkflowInterface
public interface DslWorkflow {
  @WorkflowMethod(name = BenchmarkTypes.DSL)
  void run(List<DslStep> steps);
}
