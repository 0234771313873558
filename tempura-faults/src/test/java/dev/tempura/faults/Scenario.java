package dev.tempura.faults;

import static org.awaitility.Awaitility.await;

import dev.tempura.testing.ChildProcess;
import dev.tempura.testing.TempuraProcess;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One fault's run: the processes, the workers and the client load, a timeline of fault actions, and
 * the accounting afterwards, asked of the backends themselves. Closing it kills every process it
 * started.
 */
final class Scenario implements AutoCloseable {
  static final String VIRTUAL = "faults";
  static final String TASK_QUEUE = "faults";
  static final int RATE = 15;
  static final Duration LOAD = Duration.ofSeconds(10);
  static final Duration FAULT_AT = Duration.ofSeconds(3);

  /** How long the suite waits, after the load, for acknowledged workflows to finish. */
  static final Duration DRAIN = Duration.ofSeconds(90);

  /** How a workflow ended, as its backend says. */
  record Final(String backend, WorkflowExecutionStatus status, long closedAt) {}

  final String name;
  final Path dir;
  final List<TemporalBackend> backends = new ArrayList<>();
  final List<TempuraProcess> proxies = new ArrayList<>();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final Set<TemporalBackend> dead = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService timeline =
      Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "fault-timeline"));
  private final long startedAt = System.currentTimeMillis();
  Workload workload;
  volatile long loadStartedAt;
  volatile long faultStartedAt = -1;
  volatile long faultEndedAt = -1;

  Scenario(String name) {
    this.name = name;
    this.dir = Path.of(System.getProperty("tempura.faults.out", "target/faults")).resolve(name);
    try {
      if (Files.exists(dir)) {
        try (var paths = Files.walk(dir)) {
          paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  <T extends AutoCloseable> T closeLater(T resource) {
    resources.push(resource);
    return resource;
  }

  /** Two backends, {@code ns-a} and {@code ns-b}, their JVMs started side by side. */
  void startBackends() {
    TemporalBackend a = closeLater(TemporalBackend.launch("backend-a", "ns-a", dir));
    TemporalBackend b = closeLater(TemporalBackend.launch("backend-b", "ns-b", dir));
    backends.add(a.awaitReady());
    backends.add(b.awaitReady());
  }

  TemporalBackend backend(int i) {
    return backends.get(i);
  }

  /** A proxy on the embedded store (null) or Redis. */
  TempuraProcess startProxy(String name, String store) {
    TempuraProcess p =
        closeLater(
            new TempuraProcess(
                name,
                TempuraProcess.jar(),
                dir.resolve(name + "-data"),
                store,
                dir,
                ChildProcess.smallJvmOptions()));
    proxies.add(p);
    return p.start();
  }

  /** Creates the virtual namespace over both backends through {@code proxy}'s admin API. */
  void topology(TempuraProcess proxy) {
    proxy.createVirtual(VIRTUAL);
    for (TemporalBackend b : backends) {
      proxy.addPhysical(VIRTUAL, b.namespace(), b.address());
    }
  }

  void workers(TempuraProcess... through) {
    Workers w = closeLater(new Workers());
    for (TempuraProcess p : through) {
      w.add(p.target(), VIRTUAL, TASK_QUEUE);
    }
  }

  /** Starts the client load through {@code targets}, alternating, after a warm-up workflow each. */
  void beginLoad(List<String> targets) throws Exception {
    workload = closeLater(new Workload(targets, VIRTUAL, TASK_QUEUE, name));
    workload.warmUp();
    loadStartedAt = System.currentTimeMillis();
    workload.begin(RATE, LOAD);
  }

  /** Runs {@code action} {@code at} after now, on the timeline thread. */
  ScheduledFuture<?> at(Duration at, Runnable action) {
    return timeline.schedule(action, at.toMillis(), TimeUnit.MILLISECONDS);
  }

  void faultStarts() {
    faultStartedAt = System.currentTimeMillis();
  }

  void faultEnds() {
    faultEndedAt = System.currentTimeMillis();
  }

  /** Marks a backend as killed: its workflows are gone with it. */
  void backendDied(TemporalBackend b) {
    dead.add(b);
  }

  /** Waits for a timeline action, failing the test with its failure. */
  static void join(ScheduledFuture<?> action, Duration max) throws InterruptedException {
    try {
      action.get(max.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("fault action failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("fault action still running after " + max, e);
    }
  }

  /**
   * The usual start of a scenario: both backends, one proxy (embedded store, or {@code redisUri}),
   * the topology, workers and load through that proxy.
   */
  TempuraProcess underLoadThroughOneProxy(String redisUri) throws Exception {
    startBackends();
    TempuraProcess proxy = startProxy("tempura", redisUri);
    topology(proxy);
    workers(proxy);
    beginLoad(List.of(proxy.target()));
    return proxy;
  }

  /**
   * After the load: waits until every acknowledged workflow has finished on a live backend (or the
   * drain limit passes), then counts.
   */
  FaultResult settle(int order, String fault, String setup, String notes)
      throws InterruptedException {
    return settle(order, fault, setup, notes, "");
  }

  /**
   * As the other, with {@code neverAcknowledgedWhy} added to the notes when some starts were never
   * acknowledged.
   */
  FaultResult settle(
      int order, String fault, String setup, String notes, String neverAcknowledgedWhy)
      throws InterruptedException {
    workload.awaitStarts(Duration.ofSeconds(120));
    List<Workload.Tracked> all = workload.tracked();
    List<Workload.Tracked> acked = all.stream().filter(Workload.Tracked::acknowledged).toList();
    List<TemporalBackend> live = backends.stream().filter(b -> !dead.contains(b)).toList();

    // acknowledged by the time the kill was done, and on no live backend: it lived on the dead one
    // (its answer may reach the client a moment after the kill was sent, so the kill's end is the
    // boundary, not its start; only a backend that created a workflow acknowledges it)
    Set<String> lostWithBackend = new HashSet<>();
    if (!dead.isEmpty()) {
      for (Workload.Tracked t : acked) {
        if (t.ackedAt <= faultEndedAt && find(live, t.id).isEmpty()) {
          lostWithBackend.add(t.id);
        }
      }
    }
    Map<String, Final> finals = new ConcurrentHashMap<>();
    List<Workload.Tracked> awaited =
        acked.stream().filter(t -> !lostWithBackend.contains(t.id)).toList();
    try {
      await(name + ": acknowledged workflows finished")
          .atMost(DRAIN)
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                for (Workload.Tracked t : awaited) {
                  if (!finals.containsKey(t.id)) {
                    closed(live, t.id).ifPresent(f -> finals.put(t.id, f));
                  }
                }
                return finals.size() == awaited.size();
              });
    } catch (ConditionTimeoutException e) {
      // counted as lost below
    }
    Map<String, String> unfinished = new LinkedHashMap<>();
    for (Workload.Tracked t : awaited) {
      if (!finals.containsKey(t.id)) {
        unfinished.put(t.id, describeState(live, t.id));
      }
    }

    int completed =
        (int)
            finals.values().stream()
                .filter(
                    f -> f.status() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
                .count();
    int failedWorkflows = finals.size() - completed;
    int attemptsFailed = all.stream().mapToInt(t -> t.failedAttempts).sum();
    int retriedThenAcked = (int) acked.stream().filter(t -> t.failedAttempts > 0).count();
    int landed = (int) acked.stream().filter(t -> t.ackedAsAlreadyStarted).count();
    int neverAcked = all.size() - acked.size();
    int placedAfter =
        faultStartedAt < 0
            ? 0
            : (int)
                acked.stream()
                    .filter(t -> t.ackedAt > faultStartedAt && finals.containsKey(t.id))
                    .count();

    // the proxy still finds what finished: mappings kept, or located again
    int checked = 0;
    int reachable = 0;
    int liveProxy = livingProxyIndex();
    if (liveProxy >= 0) {
      for (Map.Entry<String, Final> e : finals.entrySet()) {
        checked++;
        if (throughProxy(liveProxy, e.getKey(), e.getValue().status())) {
          reachable++;
        }
      }
    }

    long recovery = -1;
    if (unfinished.isEmpty()) {
      long end = faultEndedAt;
      recovery =
          Math.max(
              0,
              acked.stream()
                      .filter(t -> t.ackedAt <= end && finals.containsKey(t.id))
                      .mapToLong(t -> finals.get(t.id).closedAt())
                      .max()
                      .orElse(end)
                  - end);
    }

    StringBuilder text = new StringBuilder(notes);
    if (!unfinished.isEmpty()) {
      text.append(" Lost: ")
          .append(unfinished.size())
          .append(", e.g. ")
          .append(
              unfinished.entrySet().stream()
                  .limit(5)
                  .map(e -> e.getKey() + " " + e.getValue())
                  .toList())
          .append('.');
    }
    if (neverAcked > 0) {
      text.append(' ')
          .append(neverAcknowledgedWhy)
          .append(" Never acknowledged, e.g. ")
          .append(
              all.stream()
                  .filter(t -> !t.acknowledged())
                  .limit(2)
                  .map(t -> t.id + ": " + t.lastError)
                  .toList())
          .append('.');
    }
    FaultResult r =
        new FaultResult(
            order,
            fault,
            setup,
            all.size(),
            acked.size(),
            completed,
            failedWorkflows,
            attemptsFailed,
            retriedThenAcked,
            landed,
            neverAcked,
            unfinished.size(),
            lostWithBackend.size(),
            placedAfter,
            reachable,
            checked,
            longestGap(acked),
            recovery,
            System.currentTimeMillis() - startedAt,
            text.toString().trim());
    r.append(FaultResult.resultsFile());
    return r;
  }

  private int livingProxyIndex() {
    // the workload's clients are in proxy order; use the first proxy still running
    for (int i = 0; i < proxies.size(); i++) {
      if (proxies.get(i).process().isAlive()) {
        return i;
      }
    }
    return -1;
  }

  private boolean throughProxy(
      int proxyIndex, String workflowId, WorkflowExecutionStatus expected) {
    try {
      DescribeWorkflowExecutionResponse r =
          workload
              .stubs(Math.min(proxyIndex, proxies.size() - 1))
              .blockingStub()
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(VIRTUAL)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build());
      return r.getWorkflowExecutionInfo().getStatus() == expected;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  private static Optional<Final> closed(List<TemporalBackend> live, String id) {
    for (TemporalBackend b : live) {
      Optional<DescribeWorkflowExecutionResponse> r;
      try {
        r = b.describe(id);
      } catch (StatusRuntimeException e) {
        continue;
      }
      if (r.isPresent()) {
        var info = r.get().getWorkflowExecutionInfo();
        if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
          return Optional.empty();
        }
        long closedAt =
            info.getCloseTime().getSeconds() * 1000 + info.getCloseTime().getNanos() / 1_000_000;
        return Optional.of(new Final(b.name(), info.getStatus(), closedAt));
      }
    }
    return Optional.empty();
  }

  private static Optional<TemporalBackend> find(List<TemporalBackend> live, String id) {
    for (TemporalBackend b : live) {
      try {
        if (b.describe(id).isPresent()) {
          return Optional.of(b);
        }
      } catch (StatusRuntimeException e) {
        // unknown; treat as not there
      }
    }
    return Optional.empty();
  }

  private static String describeState(List<TemporalBackend> live, String id) {
    for (TemporalBackend b : live) {
      try {
        Optional<DescribeWorkflowExecutionResponse> r = b.describe(id);
        if (r.isPresent()) {
          return "still "
              + r.get()
                  .getWorkflowExecutionInfo()
                  .getStatus()
                  .name()
                  .replace("WORKFLOW_EXECUTION_STATUS_", "")
                  .toLowerCase(java.util.Locale.ROOT)
              + " on "
              + b.name()
              + " ("
              + r.get().getPendingActivitiesCount()
              + " pending activities)";
        }
      } catch (StatusRuntimeException e) {
        return "unknown: " + b.name() + " answered " + e.getStatus().getCode();
      }
    }
    return "on no backend";
  }

  /** The longest time without an acknowledged start, from the load's start to its last ack. */
  private long longestGap(List<Workload.Tracked> acked) {
    long[] times = acked.stream().mapToLong(t -> t.ackedAt).sorted().toArray();
    long gap = 0;
    long previous = loadStartedAt;
    for (long t : times) {
      gap = Math.max(gap, t - previous);
      previous = t;
    }
    return gap;
  }

  @Override
  public void close() {
    timeline.shutdownNow();
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        // everything else must still be closed
      }
    }
  }
}
