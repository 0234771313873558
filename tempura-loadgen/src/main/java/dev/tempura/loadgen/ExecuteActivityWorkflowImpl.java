package dev.tempura.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.ActivityStub;
import io.temporal.workflow.Workflow;
import java.time.Duration;

public final class ExecuteActivityWorkflowImpl implements ExecuteActivityWorkflow {
  /** Public, as is the class: the SDK instantiates workflow implementations reflectively. */
  public ExecuteActivityWorkflowImpl() {}

  /** benchmark-workers' StartToCloseTimeout, with the server's default retry policy. */
  static final ActivityOptions ACTIVITY_OPTIONS =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build();

  @Override
  public void run(ExecuteActivityInput input) {
    if (input == null) {
      return;
    }
    // untyped, because the activity type is data: any type a worker on this queue serves will do
    ActivityStub activities = Workflow.newUntypedActivityStub(ACTIVITY_OPTIONS);
    for (int i = 0; i < input.count(); i++) {
      // JsonNode accepts whatever JSON an activity answers; the result itself is dropped
      activities.execute(input.activity(), JsonNode.class, input.input());
    }
  }
}
