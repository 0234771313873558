package dev.tempura.app.sandbox;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.ActivityStub;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;

/**
 * The {@code ExecuteActivity} workflow and {@code Echo} activity of Temporal's benchmark-workers,
 * which the scenario's load runner starts as {@code ExecuteActivity '{"Count": 10, "Activity":
 * "Echo", "Input": {"Message": "test"}}'}. Type names and JSON field names are theirs.
 */
final class BenchmarkWorkflows {
  static final String TASK_QUEUE = "benchmark";

  private BenchmarkWorkflows() {}

  /** The runner's workflow argument. */
  record ExecuteActivityInput(
      @JsonProperty("Count") int count,
      @JsonProperty("Activity") String activity,
      @JsonProperty("Input") EchoInput input) {}

  record EchoInput(@JsonProperty("Message") String message) {}

  /** Runs {@code Count} activities of type {@code Activity} one after another. */
  @WorkflowInterface
  public interface ExecuteActivity {
    /** Answers how many activities ran. */
    @WorkflowMethod(name = "ExecuteActivity")
    int run(ExecuteActivityInput input);
  }

  public static final class ExecuteActivityImpl implements ExecuteActivity {
    private final ActivityStub activities =
        Workflow.newUntypedActivityStub(
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public int run(ExecuteActivityInput input) {
      for (int i = 0; i < input.count(); i++) {
        // the type comes from the input, as in benchmark-workers, not from a typed stub
        activities.execute(input.activity(), String.class, input.input());
      }
      return input.count();
    }
  }

  @ActivityInterface
  public interface Echo {
    /** Registered as activity type {@code Echo}. */
    String echo(EchoInput input);
  }

  static final class EchoImpl implements Echo {
    @Override
    public String echo(EchoInput input) {
      return input.message();
    }
  }
}
