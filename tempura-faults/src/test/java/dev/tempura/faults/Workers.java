package dev.tempura.faults;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** SDK workers in the test JVM, one per proxy they poll through. */
final class Workers implements AutoCloseable {
  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();
  private final List<WorkerFactory> factories = new ArrayList<>();

  /** Starts a worker polling {@code taskQueue} through {@code target}. */
  Workers add(String target, String namespace, String taskQueue) {
    WorkflowServiceStubs s =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    stubs.add(s);
    WorkerFactory factory =
        WorkerFactory.newInstance(
            WorkflowClient.newInstance(
                s, WorkflowClientOptions.newBuilder().setNamespace(namespace).build()));
    Worker worker =
        factory.newWorker(
            taskQueue,
            WorkerOptions.newBuilder()
                // No sticky execution (a zero timeout makes the SDK leave out sticky attributes).
                // A real Temporal server moves a workflow task off a worker's sticky queue when
                // nobody polls it within the timeout (a worker whose proxy died); the in-memory
                // test server never does, so sticky tasks of such a worker would wait forever and
                // the suite would measure the test server, not Tempura. Every workflow task goes
                // to the shared queue instead, as after a real sticky timeout.
                .setStickyQueueScheduleToStartTimeout(Duration.ZERO)
                .build());
    worker.registerWorkflowImplementationTypes(FaultWorkflowImpl.class);
    worker.registerActivitiesImplementations(new FaultActivitiesImpl());
    factory.start();
    factories.add(factory);
    return this;
  }

  @Override
  public void close() {
    factories.forEach(WorkerFactory::shutdownNow);
    factories.forEach(f -> f.awaitTermination(5, TimeUnit.SECONDS));
    stubs.forEach(WorkflowServiceStubs::shutdownNow);
  }
}
