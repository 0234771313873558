package dev.tempura.loadgen;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import io.temporal.worker.tuning.PollerBehavior;
import io.temporal.worker.tuning.PollerBehaviorAutoscaling;
import io.temporal.worker.tuning.PollerBehaviorSimpleMaximum;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker serving benchmark-workers' workflows ({@code ExecuteActivity}, {@code ReceiveSignal},
 * {@code DSL}) and activities ({@code Echo}, {@code Sleep}) on one task queue, polling until
 * closed.
 *
 * <pre>{@code
 * try (LoadWorker worker = LoadWorker.start(LoadgenSettings.builder().endpoint(target).build())) {
 *   ... run load ...
 * }
 * }</pre>
 */
public final class LoadWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadWorker.class);

  /** The Go SDK's default, which benchmark-workers keeps unless told otherwise. */
  private static final int GO_DEFAULT_POLLERS = 2;

  /** The Go SDK's initial poller count when autoscaling. */
  private static final int GO_AUTOSCALING_INITIAL_POLLERS = 5;

  /**
   * The Go SDK's default activity slots; Java's 200 would cap {@code Sleep} load below what the Go
   * worker takes.
   */
  private static final int MAX_CONCURRENT_ACTIVITIES = 1000;

  /** Lets running activities finish on shutdown, bounded so that SIGTERM still ends the JVM. */
  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(10);

  private final LoadgenSettings settings;
  private final WorkflowServiceStubs stubs;
  private final WorkerFactory factory;
  private final CountDownLatch closed = new CountDownLatch(1);

  private LoadWorker(LoadgenSettings settings, WorkflowServiceStubs stubs, WorkerFactory factory) {
    this.settings = settings;
    this.stubs = stubs;
    this.factory = factory;
  }

  /**
   * Connects and starts polling.
   *
   * @throws IllegalStateException when the endpoint cannot be reached
   */
  public static LoadWorker start(LoadgenSettings settings) {
    WorkflowServiceStubs stubs = Connections.connect(settings.endpoint(), settings.tls());
    try {
      WorkflowClient client = Connections.client(stubs, settings.namespace());
      WorkerFactory factory = WorkerFactory.newInstance(client);
      Worker worker = factory.newWorker(settings.taskQueue(), workerOptions(settings));
      // benchmark-workers' 0 pollers means "do not poll"; a Java worker polls for exactly the
      // kinds of task it has implementations for
      if (settings.maxWorkflowTaskPollers() != 0) {
        worker.registerWorkflowImplementationTypes(
            ExecuteActivityWorkflowImpl.class,
            ReceiveSignalWorkflowImpl.class,
            DslWorkflowImpl.class);
      }
      if (settings.maxActivityTaskPollers() != 0) {
        worker.registerActivitiesImplementations(new BenchmarkActivitiesImpl());
      }
      factory.start();
      log.info(
          "worker polling {} namespace {} task queue {}",
          settings.endpoint(),
          settings.namespace(),
          settings.taskQueue());
      return new LoadWorker(settings, stubs, factory);
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw e;
    }
  }

  public LoadgenSettings settings() {
    return settings;
  }

  /** Blocks until {@link #close()} has finished, from whichever thread called it. */
  public void awaitClosed() throws InterruptedException {
    closed.await();
  }

  /** Stops polling, lets running tasks finish for a few seconds, then disconnects. */
  @Override
  public synchronized void close() {
    if (closed.getCount() == 0) {
      return;
    }
    try {
      factory.shutdown();
      factory.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      factory.shutdownNow();
      stubs.shutdown();
      stubs.awaitTermination(SHUTDOWN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      stubs.shutdownNow();
      closed.countDown();
    }
  }

  static WorkerOptions workerOptions(LoadgenSettings settings) {
    WorkerOptions.Builder options =
        WorkerOptions.newBuilder().setMaxConcurrentActivityExecutionSize(MAX_CONCURRENT_ACTIVITIES);
    if (settings.maxWorkflowTaskPollers() != 0) {
      options.setWorkflowTaskPollersBehavior(pollers(settings.maxWorkflowTaskPollers()));
    }
    if (settings.maxActivityTaskPollers() != 0) {
      options.setActivityTaskPollersBehavior(pollers(settings.maxActivityTaskPollers()));
    }
    return options.build();
  }

  private static PollerBehavior pollers(int maximum) {
    if (maximum < 0) {
      return new PollerBehaviorSimpleMaximum(GO_DEFAULT_POLLERS);
    }
    return new PollerBehaviorAutoscaling(
        1, maximum, Math.min(maximum, GO_AUTOSCALING_INITIAL_POLLERS));
  }
}
