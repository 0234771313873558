package dev.tempura.sandbox;

import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The direct connections to the clusters the census uses, closed together. */
final class SdkConnections implements AutoCloseable {
  private static final long CLOSE_TIMEOUT_SECONDS = 5;

  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();

  /** A connection to {@code target} ({@code host:port}). */
  WorkflowServiceStubs stubs(String target) {
    WorkflowServiceStubs s =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    stubs.add(s);
    return s;
  }

  @Override
  public void close() {
    for (WorkflowServiceStubs s : stubs) {
      s.shutdownNow();
    }
    for (WorkflowServiceStubs s : stubs) {
      s.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
