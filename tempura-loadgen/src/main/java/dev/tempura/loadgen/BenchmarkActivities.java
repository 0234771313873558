package dev.tempura.loadgen;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** benchmark-workers' activities, under their registered type names. */
@ActivityInterface
public interface BenchmarkActivities {
  /** Answers the message, so that a workflow pays for a round trip and nothing else. */
  @ActivityMethod(name = BenchmarkTypes.ECHO)
  String echo(EchoInput input);

  /** Holds an activity slot for a while, to model slow work. */
  @ActivityMethod(name = BenchmarkTypes.SLEEP)
  void sleep(SleepInput input);
}
