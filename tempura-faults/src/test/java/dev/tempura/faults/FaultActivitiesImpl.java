package dev.tempura.faults;

public final class FaultActivitiesImpl implements FaultActivities {
  @Override
  public String step(int index, int millis) {
    try {
      // simulated work, not a wait for anything
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Integer.toString(index);
  }
}
