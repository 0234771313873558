package dev.tempura.faults;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * Activities with short timeouts, so that a task lost with a killed proxy is retried within seconds
 * rather than a minute: the suite measures how long recovery takes, not how long a timeout is.
 */
public final class FaultWorkflowImpl implements FaultWorkflow {
  static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);

  private final FaultActivities activities =
      Workflow.newActivityStub(
          FaultActivities.class,
          ActivityOptions.newBuilder()
              .setStartToCloseTimeout(STEP_TIMEOUT)
              .setRetryOptions(
                  RetryOptions.newBuilder()
                      .setInitialInterval(Duration.ofMillis(500))
                      .setBackoffCoefficient(1.5)
                      .setMaximumInterval(Duration.ofSeconds(2))
                      .build())
              .build());

  public FaultWorkflowImpl() {}

  @Override
  public String run(int steps) {
    StringBuilder done = new StringBuilder();
    for (int i = 0; i < steps; i++) {
      done.append(activities.step(i, 150));
      Workflow.sleep(Duration.ofMillis(200));
    }
    return done.toString();
  }
}
