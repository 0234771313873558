package dev.tempura.faults;

import io.temporal.activity.ActivityInterface;

@ActivityInterface
public interface FaultActivities {
  /** Stands for a little work: holds its slot for {@code millis}. */
  String step(int index, int millis);
}
