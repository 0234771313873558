package dev.tempura.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.temporal.workflow.ActivityStub;
import io.temporal.workflow.Workflow;
import java.util.List;

public final class DslWorkflowImpl implements DslWorkflow {
  /** Public, as is the class: the SDK instantiates workflow implementations reflectively. */
  public DslWorkflowImpl() {}

  @Override
  public void run(List<DslStep> steps) {
    if (steps == null) {
      return;
    }
    ActivityStub activities =
        Workflow.newUntypedActivityStub(ExecuteActivityWorkflowImpl.ACTIVITY_OPTIONS);
    for (DslStep step : steps) {
      int repeat = Math.max(1, step.repeat());
      for (int i = 0; i < repeat; i++) {
        if (step.activity() != null && !step.activity().isEmpty()) {
          activities.execute(step.activity(), JsonNode.class, padded(step));
        }
        if (!step.child().isEmpty()) {
          Workflow.newChildWorkflowStub(DslWorkflow.class).run(step.child());
        }
      }
    }
  }

  /**
   * The step's input with {@code Padding} bytes added when it asks for them; Jackson writes bytes
   * as standard base64, as Go's encoding/json does. Only object inputs can carry the field, as in
   * benchmark-workers.
   */
  private static JsonNode padded(DslStep step) {
    if (step.paddingSize() <= 0 || !(step.input() instanceof ObjectNode)) {
      return step.input();
    }
    byte[] padding = new byte[step.paddingSize()];
    for (int i = 0; i < padding.length; i++) {
      padding[i] = (byte) i;
    }
    ObjectNode copy = ((ObjectNode) step.input()).deepCopy();
    copy.put("Padding", padding);
    return copy;
  }
}
