package dev.tempura.faults;

import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.RpcRetryOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of a fault: starts workflows at a steady rate, each under an id of its own, and
 * remembers for each whether and when its start was acknowledged.
 *
 * <p>What a client does when a start fails: the SDK retries the call itself for up to {@link
 * #SDK_RETRY} (its RPC retry policy); if it still fails, the client starts the same workflow id
 * again, on the next proxy when there are several, until {@link #CLIENT_RETRY} has passed. {@code
 * REJECT_DUPLICATE} makes that safe: if an attempt the client saw fail had in fact started the
 * workflow, the retry answers "already started", and the start counts as acknowledged then.
 */
final class Workload implements AutoCloseable {
  static final int STEPS = 2;

  /** How long the client keeps retrying one start before it gives up on it. */
  static final Duration CLIENT_RETRY = Duration.ofSeconds(30);

  static final Duration SDK_RETRY = Duration.ofSeconds(4);

  /** One workflow the client meant to start. Times are epoch milliseconds; -1 when not yet. */
  static final class Tracked {
    final String id;
    final int index;
    volatile long issuedAt = -1;
    volatile long ackedAt = -1;
    volatile int failedAttempts;

    /** The start had landed although the client saw it fail: a retry answered "already started". */
    volatile boolean ackedAsAlreadyStarted;

    volatile String lastError;

    Tracked(String id, int index) {
      this.id = id;
      this.index = index;
    }

    boolean acknowledged() {
      return ackedAt >= 0;
    }
  }

  private final String namespace;
  private final String taskQueue;
  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();
  private final List<WorkflowClient> clients = new ArrayList<>();
  private final List<Tracked> tracked = Collections.synchronizedList(new ArrayList<>());
  private final AtomicInteger next = new AtomicInteger();
  private final String prefix;
  private final ExecutorService starters = Executors.newFixedThreadPool(48, daemon("starter"));
  private final ScheduledExecutorService clock =
      Executors.newSingleThreadScheduledExecutor(daemon("clock"));

  /** A client of each target; a start goes to {@code targets[index % n]}, a retry to the next. */
  Workload(List<String> targets, String namespace, String taskQueue, String prefix) {
    this.namespace = namespace;
    this.taskQueue = taskQueue;
    this.prefix = prefix;
    for (String target : targets) {
      WorkflowServiceStubs s =
          WorkflowServiceStubs.newServiceStubs(
              WorkflowServiceStubsOptions.newBuilder()
                  .setTarget(target)
                  .setRpcTimeout(Duration.ofSeconds(5))
                  .setRpcRetryOptions(
                      RpcRetryOptions.newBuilder()
                          .setInitialInterval(Duration.ofMillis(200))
                          .setMaximumInterval(Duration.ofSeconds(1))
                          .setExpiration(SDK_RETRY)
                          .build())
                  .build());
      stubs.add(s);
      clients.add(
          WorkflowClient.newInstance(
              s, WorkflowClientOptions.newBuilder().setNamespace(namespace).build()));
    }
  }

  /**
   * Runs one workflow to its end through each target before the load, so that the load begins with
   * warm JVMs and working workers, and the fault strikes a load already flowing.
   */
  void warmUp() throws Exception {
    for (int i = 0; i < clients.size(); i++) {
      WorkflowClient client = clients.get(i);
      String id = prefix + "-warmup-" + i;
      // a cold proxy on a loaded machine may miss the first calls' deadlines: retry until it serves
      org.awaitility.Awaitility.await("warm-up start through " + i)
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(io.temporal.client.WorkflowServiceException.class)
          .until(
              () -> {
                try {
                  client.newUntypedWorkflowStub(FaultWorkflow.TYPE, options(id)).start(1);
                } catch (WorkflowExecutionAlreadyStarted landed) {
                  // an earlier attempt got through
                }
                return true;
              });
      client.newUntypedWorkflowStub(id).getResult(90, TimeUnit.SECONDS, String.class);
    }
  }

  private WorkflowOptions options(String workflowId) {
    return WorkflowOptions.newBuilder()
        .setWorkflowId(workflowId)
        .setTaskQueue(taskQueue)
        .setWorkflowTaskTimeout(Duration.ofSeconds(3))
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
        .build();
  }

  /** Issues {@code perSecond} starts a second for {@code duration}; returns at once. */
  void begin(int perSecond, Duration duration) {
    long period = 1_000_000_000L / perSecond;
    long ticks = duration.toNanos() / period;
    AtomicInteger issued = new AtomicInteger();
    clock.scheduleAtFixedRate(
        () -> {
          if (issued.getAndIncrement() >= ticks) {
            clock.shutdown();
            return;
          }
          int index = next.getAndIncrement();
          Tracked t = new Tracked(prefix + "-" + index, index);
          t.issuedAt = System.currentTimeMillis();
          tracked.add(t);
          starters.execute(() -> start(t));
        },
        0,
        period,
        TimeUnit.NANOSECONDS);
  }

  /** Blocks until every planned start has been issued and has ended, acknowledged or given up. */
  void awaitStarts(Duration max) throws InterruptedException {
    if (!clock.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("the load did not end in " + max);
    }
    starters.shutdown();
    if (!starters.awaitTermination(max.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("starts still running after " + max);
    }
  }

  private void start(Tracked t) {
    long giveUpAt = System.nanoTime() + CLIENT_RETRY.toNanos();
    for (int attempt = 0; attempt == 0 || System.nanoTime() < giveUpAt; attempt++) {
      WorkflowClient client = clients.get((t.index + attempt) % clients.size());
      WorkflowOptions options = options(t.id);
      try {
        client.newUntypedWorkflowStub(FaultWorkflow.TYPE, options).start(STEPS);
        t.ackedAt = System.currentTimeMillis();
        return;
      } catch (WorkflowExecutionAlreadyStarted e) {
        if (attempt == 0) {
          t.lastError = "already started on the first attempt: " + e.getMessage();
          return;
        }
        t.ackedAt = System.currentTimeMillis();
        t.ackedAsAlreadyStarted = true;
        return;
      } catch (RuntimeException e) {
        t.failedAttempts++;
        t.lastError = oneLine(e);
      }
    }
  }

  List<Tracked> tracked() {
    synchronized (tracked) {
      return List.copyOf(tracked);
    }
  }

  /** The client of the first target, for reading workflows back through a proxy. */
  WorkflowServiceStubs stubs(int i) {
    return stubs.get(i);
  }

  String namespace() {
    return namespace;
  }

  static String oneLine(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null && b.length() < 300; t = t.getCause()) {
      if (b.length() > 0) {
        b.append(": ");
      }
      b.append(t.getClass().getSimpleName()).append(' ').append(t.getMessage());
    }
    return b.toString().replaceAll("\\s+", " ");
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, "workload-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    clock.shutdownNow();
    starters.shutdownNow();
    stubs.forEach(WorkflowServiceStubs::shutdownNow);
  }
}
