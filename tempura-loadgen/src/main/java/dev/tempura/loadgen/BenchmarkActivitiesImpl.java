package dev.tempura.loadgen;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

final class BenchmarkActivitiesImpl implements BenchmarkActivities {
  @Override
  public String echo(EchoInput input) {
    // Go decodes a null argument into an empty struct and answers "", not null
    return input == null || input.message() == null ? "" : input.message();
  }

  @Override
  public void sleep(SleepInput input) {
    long remaining = TimeUnit.SECONDS.toNanos(input == null ? 0 : input.sleepTimeInSeconds());
    ActivityExecutionContext context = Activity.getExecutionContext();
    Duration heartbeatTimeout = context.getInfo().getHeartbeatTimeout();
    // heartbeat only when the caller asked for it, at 80% of its timeout as benchmark-workers does
    long tick = heartbeatTimeout.isZero() ? remaining : heartbeatTimeout.toNanos() * 4 / 5;
    long deadline = System.nanoTime() + remaining;
    try {
      while (remaining > 0) {
        TimeUnit.NANOSECONDS.sleep(Math.min(remaining, tick));
        remaining = deadline - System.nanoTime();
        if (remaining > 0) {
          context.heartbeat(null);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw Activity.wrap(e);
    }
  }
}
