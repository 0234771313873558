package dev.tempura.loadgen;

import com.fasterxml.jackson.databind.JsonNode;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code concurrency} workflows in flight, as benchmark-workers' runner does: each slot
 * starts a workflow, optionally signals it, waits for its result when asked to, then starts the
 * next. Measures every start call and, when waiting, every workflow from start call to result.
 *
 * <p>A run ends when {@link #stop()} is called, its duration passes, or its maximum number of
 * workflows has been attempted; it then starts nothing more and waits up to the drain timeout for
 * the workflows in flight.
 *
 * <pre>{@code
 * RunSummary summary = LoadRunner.run(settings, new LoadListener() {
 *   public void onInterval(IntervalStats stats) { chart.add(stats); }
 * });
 * }</pre>
 */
public final class LoadRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadRunner.class);

  /** After the drain timeout, how long interrupted slots get to notice. */
  private static final Duration ABANDON_GRACE = Duration.ofSeconds(10);

  private static final int SIGNIFICANT_DIGITS = 3;

  private final RunnerSettings settings;
  private final LoadListener listener;
  private final WorkflowServiceStubs stubs;
  private final WorkflowClient client;
  private final Object[] arguments;
  private final RunnerMetrics metrics;
  private final MetricsServer metricsServer;
  private final ExecutorService slots;
  private final ScheduledExecutorService clock;
  private final CompletableFuture<Void> stopRequested = new CompletableFuture<>();
  private final CompletableFuture<RunSummary> summary = new CompletableFuture<>();
  private final long startNanos = System.nanoTime();

  private final AtomicLong attempts = new AtomicLong();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong startFailures = new AtomicLong();
  private final AtomicLong abandoned = new AtomicLong();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong backoffSeconds = new AtomicLong(1);
  private final Recorder startLatencies = new Recorder(SIGNIFICANT_DIGITS);
  private final Recorder workflowLatencies = new Recorder(SIGNIFICANT_DIGITS);
  private volatile boolean stopping;
  private volatile String lastFailure;

  // the report side, guarded by this
  private final Histogram totalStartLatencies = new Histogram(SIGNIFICANT_DIGITS);
  private final Histogram totalWorkflowLatencies = new Histogram(SIGNIFICANT_DIGITS);
  private Histogram intervalStartLatencies;
  private Histogram intervalWorkflowLatencies;
  private long reportedNanos = startNanos;
  private long reportedStarted;
  private long reportedCompleted;
  private long reportedFailed;

  private LoadRunner(RunnerSettings settings, LoadListener listener, WorkflowServiceStubs stubs) {
    this.settings = settings;
    this.listener = listener;
    this.stubs = stubs;
    this.client = Connections.client(stubs, settings.namespace());
    this.arguments = settings.arguments();
    this.metrics = new RunnerMetrics(settings, inFlight::get);
    this.metricsServer =
        settings.metricsPort() == 0
            ? null
            : MetricsServer.start(settings.metricsPort(), metrics::scrape);
    this.slots = Executors.newFixedThreadPool(settings.concurrency(), daemon("loadgen-slot-"));
    this.clock = Executors.newSingleThreadScheduledExecutor(daemon("loadgen-clock-"));
  }

  /**
   * Runs until the settings' duration or maximum ends it, and answers its summary.
   *
   * @throws InterruptedException when interrupted; the run is stopped and drained first
   */
  public static RunSummary run(RunnerSettings settings, LoadListener listener)
      throws InterruptedException {
    try (LoadRunner runner = start(settings, listener)) {
      return runner.awaitSummary();
    }
  }

  /**
   * Connects and starts the slots; the run goes on in the background until stopped.
   *
   * @throws IllegalStateException when the endpoint cannot be reached
   */
  public static LoadRunner start(RunnerSettings settings, LoadListener listener) {
    WorkflowServiceStubs stubs = Connections.connect(settings.endpoint(), settings.tls());
    LoadRunner runner;
    try {
      runner = new LoadRunner(settings, listener, stubs);
    } catch (RuntimeException e) {
      stubs.shutdownNow();
      throw e;
    }
    runner.begin();
    return runner;
  }

  public RunnerSettings settings() {
    return settings;
  }

  /** Starts no more workflows; the run ends once those in flight finish or the drain times out. */
  public void stop() {
    stopping = true;
    stopRequested.complete(null);
  }

  /** Blocks until the run has ended. */
  public RunSummary awaitSummary() throws InterruptedException {
    try {
      return summary.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("the run failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  public boolean isFinished() {
    return summary.isDone();
  }

  /** The Prometheus text that {@code /metrics} serves, whether or not a port is open. */
  public String scrapeMetrics() {
    return metrics.scrape();
  }

  /**
   * Stops the run if needed, waits for its end (the drain), then closes the metrics port and
   * connection. Interrupted, it abandons the workflows in flight at once.
   */
  @Override
  public void close() {
    stop();
    try {
      awaitSummary();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) {
      log.warn("{}", e.getMessage());
    } finally {
      if (metricsServer != null) {
        metricsServer.close();
      }
      slots.shutdownNow();
      clock.shutdownNow();
      // every slot has ended, so what is left on the channel are the result long polls of
      // abandoned workflows, which a graceful shutdown would wait out
      stubs.shutdownNow();
      stubs.awaitTermination(5, TimeUnit.SECONDS);
      metrics.close();
    }
  }

  private void begin() {
    CompletableFuture<?>[] running = new CompletableFuture<?>[settings.concurrency()];
    for (int i = 0; i < running.length; i++) {
      running[i] = CompletableFuture.runAsync(this::runSlot, slots);
    }
    CompletableFuture<Void> allSlots = CompletableFuture.allOf(running);
    long interval = settings.reportInterval().toNanos();
    clock.scheduleAtFixedRate(this::report, interval, interval, TimeUnit.NANOSECONDS);
    settings
        .duration()
        .ifPresent(d -> clock.schedule(this::stop, d.toNanos(), TimeUnit.NANOSECONDS));
    Thread finisher = new Thread(() -> finish(allSlots), "loadgen-runner");
    finisher.setDaemon(true);
    finisher.start();
  }

  private void finish(CompletableFuture<Void> allSlots) {
    try {
      CompletableFuture.anyOf(allSlots, stopRequested).join();
      try {
        allSlots.get(settings.drainTimeout().toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        log.warn(
            "{} workflows still running after {}; abandoning them",
            inFlight.get(),
            settings.drainTimeout());
        slots.shutdownNow();
        try {
          allSlots.get(ABANDON_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException stuck) {
          log.warn("some slots did not stop within {}", ABANDON_GRACE);
        }
      }
      clock.shutdownNow();
      clock.awaitTermination(ABANDON_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      report();
      summary.complete(summarize());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      summary.completeExceptionally(e);
    } catch (Throwable e) {
      summary.completeExceptionally(e);
    }
  }

  private void runSlot() {
    while (!stopping) {
      if (settings.maxWorkflows() > 0 && attempts.incrementAndGet() > settings.maxWorkflows()) {
        return;
      }
      if (!runOne()) {
        return;
      }
    }
  }

  /** Answers false when the slot must end: it was interrupted. */
  private boolean runOne() {
    String workflowId = UUID.randomUUID().toString();
    WorkflowStub stub =
        client.newUntypedWorkflowStub(
            settings.workflowType(),
            WorkflowOptions.newBuilder()
                .setWorkflowId(workflowId)
                .setTaskQueue(settings.taskQueue())
                .build());
    long begin = System.nanoTime();
    WorkflowExecution execution;
    try {
      execution = startWorkflow(stub);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        return false;
      }
      startFailures.incrementAndGet();
      fail(workflowId, begin, "start: " + Connections.oneLine(e));
      return pause();
    }
    long startLatency = System.nanoTime() - begin;
    startLatencies.recordValue(startLatency);
    metrics.started(startLatency);
    started.incrementAndGet();
    notify(
        l ->
            l.onWorkflowStarted(
                new WorkflowStarted(
                    workflowId, execution.getRunId(), Duration.ofNanos(startLatency))));

    inFlight.incrementAndGet();
    try {
      if (settings.signalAfterStart()) {
        // a null argument, as benchmark-workers' SignalWithStart sends
        stub.signal(settings.signalType().orElseThrow(), (Object) null);
      }
      if (settings.waitForCompletion()) {
        // the result is decoded only to have it; Go's runner ignores it too
        stub.getResultAsync(JsonNode.class).get();
      }
    } catch (InterruptedException e) {
      abandoned.incrementAndGet();
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        abandoned.incrementAndGet();
        return false;
      }
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      fail(workflowId, begin, Connections.oneLine(cause));
      return pause();
    } finally {
      inFlight.decrementAndGet();
    }
    if (settings.waitForCompletion()) {
      long latency = System.nanoTime() - begin;
      workflowLatencies.recordValue(latency);
      metrics.completed(latency);
      completed.incrementAndGet();
      notify(
          l ->
              l.onWorkflowFinished(
                  new WorkflowFinished(workflowId, Duration.ofNanos(latency), Optional.empty())));
    }
    backoffSeconds.set(1);
    return true;
  }

  private WorkflowExecution startWorkflow(WorkflowStub stub) {
    if (settings.signalType().isPresent() && !settings.signalAfterStart()) {
      return stub.signalWithStart(settings.signalType().get(), new Object[] {null}, arguments);
    }
    return stub.start(arguments);
  }

  private void fail(String workflowId, long begin, String message) {
    Duration latency = Duration.ofNanos(System.nanoTime() - begin);
    failed.incrementAndGet();
    metrics.failed();
    lastFailure = message;
    notify(
        l -> l.onWorkflowFinished(new WorkflowFinished(workflowId, latency, Optional.of(message))));
  }

  /**
   * After a failure, waits before the slot's next start so that an overloaded server is not
   * hammered: benchmark-workers' backoff, from one second, multiplied by the factor while the
   * product stays below the maximum, back to one second after a success.
   *
   * @return false when interrupted
   */
  private boolean pause() {
    if (settings.disableBackoff() || stopping) {
      return true;
    }
    long seconds = backoffSeconds.get();
    log.warn("waiting {} s before starting the next workflow", seconds);
    try {
      stopRequested.get(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // the pause is over, or the run is stopping: either way, on to the loop's check
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    long next = seconds * settings.backoffFactor();
    if (next < settings.backoffMaxInterval().toSeconds()) {
      backoffSeconds.compareAndSet(seconds, next);
    }
    return true;
  }

  private void report() {
    IntervalStats stats = takeInterval();
    notify(l -> l.onInterval(stats));
  }

  private synchronized IntervalStats takeInterval() {
    long now = System.nanoTime();
    intervalStartLatencies = startLatencies.getIntervalHistogram(intervalStartLatencies);
    intervalWorkflowLatencies = workflowLatencies.getIntervalHistogram(intervalWorkflowLatencies);
    totalStartLatencies.add(intervalStartLatencies);
    totalWorkflowLatencies.add(intervalWorkflowLatencies);
    long totalStarted = started.get();
    long totalCompleted = completed.get();
    long totalFailed = failed.get();
    long length = now - reportedNanos;
    IntervalStats stats =
        new IntervalStats(
            Instant.now(),
            Duration.ofNanos(now - startNanos),
            Duration.ofNanos(length),
            totalStarted - reportedStarted,
            totalCompleted - reportedCompleted,
            totalFailed - reportedFailed,
            perSecond(totalStarted - reportedStarted, length),
            perSecond(totalCompleted - reportedCompleted, length),
            inFlight.get(),
            LatencyPercentiles.of(intervalStartLatencies),
            LatencyPercentiles.of(intervalWorkflowLatencies),
            totalStarted,
            totalCompleted,
            totalFailed);
    reportedNanos = now;
    reportedStarted = totalStarted;
    reportedCompleted = totalCompleted;
    reportedFailed = totalFailed;
    return stats;
  }

  private synchronized RunSummary summarize() {
    long elapsed = System.nanoTime() - startNanos;
    return new RunSummary(
        Duration.ofNanos(elapsed),
        started.get(),
        completed.get(),
        failed.get(),
        startFailures.get(),
        abandoned.get(),
        perSecond(started.get(), elapsed),
        perSecond(completed.get(), elapsed),
        LatencyPercentiles.of(totalStartLatencies),
        LatencyPercentiles.of(totalWorkflowLatencies),
        Optional.ofNullable(lastFailure));
  }

  private void notify(Consumer<LoadListener> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      log.warn("load listener failed", e);
    }
  }

  private static double perSecond(long count, long nanos) {
    return nanos <= 0 ? 0 : count * 1e9 / nanos;
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger sequence = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + sequence.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
