package dev.tempura.app.sandbox;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Temporal SDK connections and worker factories of a run, closed together. */
final class SdkConnections implements AutoCloseable {
  private static final long CLOSE_TIMEOUT_SECONDS = 5;

  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();
  private final List<WorkerFactory> factories = new ArrayList<>();

  /** A connection to {@code target} ({@code host:port}). */
  WorkflowServiceStubs stubs(String target) {
    WorkflowServiceStubs s =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    stubs.add(s);
    return s;
  }

  WorkflowClient client(String target, String namespace) {
    return WorkflowClient.newInstance(
        stubs(target), WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  WorkerFactory workerFactory(WorkflowClient client) {
    WorkerFactory f = WorkerFactory.newInstance(client);
    factories.add(f);
    return f;
  }

  /**
   * Stops workers before connections. Workers are stopped at once rather than drained: the load
   * has finished by then, and their long polls would otherwise hold shutdown for a poll's length.
   */
  @Override
  public void close() {
    for (WorkerFactory f : factories) {
      f.shutdownNow();
    }
    for (WorkerFactory f : factories) {
      f.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
    for (WorkflowServiceStubs s : stubs) {
      s.shutdownNow();
    }
    for (WorkflowServiceStubs s : stubs) {
      s.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
