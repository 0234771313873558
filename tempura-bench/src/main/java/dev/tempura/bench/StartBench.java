package dev.tempura.bench;

import com.google.protobuf.ByteString;
import dev.tempura.testing.ChildProcess;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (a) StartWorkflowExecution at fixed concurrency, closed loop: {@code threads} client threads,
 * each sending the next start as soon as the last one answered, over one channel per target (one
 * HTTP/2 connection, as an SDK client has). Targets take turns in rounds, the order rotating, so
 * that the machine's noise falls on all of them alike.
 */
final class StartBench {
  private static final Logger log = LoggerFactory.getLogger(StartBench.class);
  private static final Payloads INPUT =
      Payloads.newBuilder()
          .addPayloads(
              Payload.newBuilder()
                  .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                  .setData(
                      ByteString.copyFrom(
                          "{\"Count\":10,\"Activity\":\"Echo\",\"Input\":{\"Message\":\"test\"}}",
                          StandardCharsets.UTF_8)))
          .build();

  /** One way to reach the backend. {@code proxy} is null for the direct path. */
  record Target(
      String label, String endpoint, String namespace, ChildProcess proxy, boolean javaProxy) {}

  /** A window's worth of one target, for the raw-numbers table. */
  record Window(int round, String label, Measured measured) {}

  /**
   * Starts go round this many task queues that nobody polls; the test server gets slower with every
   * pending workflow task on one queue, so one queue would make the backend the bottleneck.
   */
  static int taskQueues = 1000;

  /**
   * 0: closed loop (each thread sends its next start as soon as the last one answered). Otherwise
   * the starts per second of an open schedule the threads share: a thread waits for the next slot
   * before sending, so every target gets the same rate as long as it keeps up (CPU per call then
   * compares at equal load) and falls behind as a closed loop would when it cannot.
   */
  static int ratePerSecond = 0;

  private final ChildProcess backend;
  private final int threads;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final AtomicLong sequence = new AtomicLong();
  final List<Window> windows = new ArrayList<>();

  /** CPU ticks per thread group of each Java proxy over its measured windows. */
  final Map<String, Map<String, Long>> proxyThreads = new LinkedHashMap<>();

  /** How long each target was warmed up. */
  final Map<String, Duration> warmups = new LinkedHashMap<>();

  StartBench(ChildProcess backend, int threads) {
    this.backend = backend;
    this.threads = threads;
  }

  /**
   * Warms every target up, then measures {@code rounds} windows of each.
   *
   * @param warmTargets per label, the same path to a separate warm-up backend: the long warm-up (a
   *     fresh JVM's JIT) goes there, because the test server slows down as it accumulates workflows
   *     (from about 50,000) and the measured backend must not be worn out before the rounds; a
   *     label without one warms up on its real target
   * @param settle a last short warm-up of every path on the measured backend itself
   * @return totals per target label, in the order given
   */
  Map<String, Measured> run(
      List<Target> targets,
      Map<String, Target> warmTargets,
      Duration warmup,
      Duration settle,
      Duration window,
      int rounds) {
    Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    Map<String, Measured> totals = new LinkedHashMap<>();
    try {
      for (Target t : targets) {
        channels.put(t.label(), Grpc.channel(t.endpoint()));
        totals.put(t.label(), new Measured(t.label()));
      }
      for (Target real : targets) {
        Target t = warmTargets.getOrDefault(real.label(), real);
        ManagedChannel ch = t == real ? channels.get(real.label()) : Grpc.channel(t.endpoint());
        try {
          log.info(
              "start: warming up {} for {}{}",
              t.label(),
              warmup,
              t == real ? "" : " on the warm-up backend");
          long begin = System.nanoTime();
          if (!t.javaProxy()) {
            window(t, ch, Duration.ZERO, warmup);
          } else {
            // a JVM still compiling its hot path spends its CPU there and serves slowly: after the
            // warm-up, go on in 2 s steps until the JIT has settled, at most to three times as long
            window(
                t, ch, Duration.ZERO, Duration.ofMillis(Math.max(1000, warmup.toMillis() - 2000)));
            long limit = begin + 3 * warmup.toNanos();
            while (true) {
              Map<String, Long> before = ProcStat.threadTicks(t.proxy().pid());
              window(t, ch, Duration.ZERO, Duration.ofSeconds(2));
              double jit = Jit.share(before, ProcStat.threadTicks(t.proxy().pid()));
              if (jit < Jit.SETTLED || System.nanoTime() > limit) {
                log.info(
                    "start: {} warm after {} s (JIT {} of its CPU in the last 2 s)",
                    t.label(),
                    (System.nanoTime() - begin) / 1_000_000_000,
                    fmt(jit));
                break;
              }
            }
          }
          warmups.put(real.label(), Duration.ofNanos(System.nanoTime() - begin));
        } finally {
          if (t != real) {
            Grpc.close(ch);
          }
        }
      }
      for (Target t : targets) {
        window(t, channels.get(t.label()), Duration.ZERO, settle);
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < targets.size(); i++) {
          Target t = targets.get((i + r) % targets.size());
          Measured m = window(t, channels.get(t.label()), Duration.ofMillis(300), window);
          if (t.javaProxy()) {
            Map<String, Long> sum =
                proxyThreads.computeIfAbsent(t.label(), k -> new java.util.TreeMap<>());
            m.threads.forEach((k, v) -> sum.merge(k, v, Long::sum));
          }
          windows.add(new Window(r + 1, t.label(), m));
          totals.get(t.label()).add(m);
          log.info(
              "start round {} {}: {}/s p50 {} ms p99 {} ms errors {}",
              r + 1,
              t.label(),
              Math.round(m.perSecond()),
              fmt(m.ms(50)),
              fmt(m.ms(99)),
              m.errors);
        }
      }
      return totals;
    } finally {
      channels.values().forEach(Grpc::close);
    }
  }

  /** Load on one target for a ramp, then a measured window; JFR, if asked, runs meanwhile. */
  Measured window(Target t, ManagedChannel channel, Duration ramp, Duration length) {
    Watched watched = new Watched().add("backend", backend).addSelf("client");
    if (t.proxy() != null) {
      watched.add("proxy", t.proxy());
    }
    WorkflowServiceGrpc.WorkflowServiceBlockingStub stub =
        WorkflowServiceGrpc.newBlockingStub(channel);
    Recorder recorder = new Recorder(3);
    AtomicLong ops = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    String[] lastError = {null};
    long interval = ratePerSecond > 0 ? 1_000_000_000L / ratePerSecond : 0;
    AtomicLong schedule = new AtomicLong(System.nanoTime());
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread th =
          new Thread(
              () -> {
                while (!stop.get()) {
                  if (interval > 0) {
                    long due = schedule.getAndAdd(interval);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                      java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                  }
                  StartWorkflowExecutionRequest request = request(t.namespace());
                  long begin = System.nanoTime();
                  try {
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS).startWorkflowExecution(request);
                    recorder.recordValue(System.nanoTime() - begin);
                    ops.incrementAndGet();
                  } catch (StatusRuntimeException e) {
                    errors.incrementAndGet();
                    lastError[0] = e.getStatus().toString();
                  }
                }
              },
              "start-" + t.label() + "-" + i);
      th.setDaemon(true);
      workers.add(th);
    }
    workers.forEach(Thread::start);
    Net.sleep(ramp.toMillis());
    recorder.getIntervalHistogram(); // drops what the ramp recorded
    long ops0 = ops.get();
    long errors0 = errors.get();
    Map<String, Long> before = watched.sample();
    Map<String, Long> threads0 = t.javaProxy() ? ProcStat.threadTicks(t.proxy().pid()) : null;
    Map<String, Long> io0 = t.proxy() != null ? ProcStat.io(t.proxy().pid()) : Map.of();
    long t0 = System.nanoTime();
    Net.sleep(length.toMillis());
    long t1 = System.nanoTime();
    Map<String, Long> after = watched.sample();
    Map<String, Long> threads1 = t.javaProxy() ? ProcStat.threadTicks(t.proxy().pid()) : null;
    Map<String, Long> io1 = t.proxy() != null ? ProcStat.io(t.proxy().pid()) : Map.of();
    long ops1 = ops.get();
    long errors1 = errors.get();
    Measured m = new Measured(t.label());
    m.latencies.add(recorder.getIntervalHistogram());
    stop.set(true);
    for (Thread th : workers) {
      try {
        th.join(TimeUnit.SECONDS.toMillis(35));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    m.ops = ops1 - ops0;
    m.errors = errors1 - errors0;
    m.nanos = t1 - t0;
    m.ticks.putAll(Watched.delta(before, after));
    if (threads1 != null) {
      threads1.forEach((k, v) -> m.threads.put(k, v - threads0.getOrDefault(k, 0L)));
    }
    io1.forEach((k, v) -> m.counts.put("proxy " + k, v - io0.getOrDefault(k, 0L)));
    m.lastError = lastError[0];
    return m;
  }

  private StartWorkflowExecutionRequest request(String namespace) {
    String id = "bench-start-" + runId + "-" + sequence.incrementAndGet();
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setWorkflowId(id)
        .setWorkflowType(WorkflowType.newBuilder().setName("ExecuteActivity"))
        .setTaskQueue(
            TaskQueue.newBuilder().setName("bench-start-unpolled-" + (sequence.get() % taskQueues)))
        .setInput(INPUT)
        .setIdentity("tempura-bench")
        .setRequestId(UUID.randomUUID().toString())
        .build();
  }

  static String fmt(double v) {
    return String.format(java.util.Locale.ROOT, "%.3f", v);
  }
}
