package dev.tempura.loadgen;

/**
 * The type names benchmark-workers registers (cmd/worker/main.go): runners and workers of either
 * tool find each other by these strings alone, so they must never drift.
 */
public final class BenchmarkTypes {
  public static final String EXECUTE_ACTIVITY = "ExecuteActivity";
  public static final String RECEIVE_SIGNAL = "ReceiveSignal";

  /** Registered as {@code DSL}, although benchmark-workers' README calls it DSLWorkflow. */
  public static final String DSL = "DSL";

  public static final String ECHO = "Echo";
  public static final String SLEEP = "Sleep";

  private BenchmarkTypes() {}
}
