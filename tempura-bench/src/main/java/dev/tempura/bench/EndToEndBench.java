package dev.tempura.bench;

import dev.tempura.loadgen.LoadListener;
import dev.tempura.loadgen.LoadRunner;
import dev.tempura.loadgen.LoadWorker;
import dev.tempura.loadgen.LoadgenSettings;
import dev.tempura.loadgen.RunnerSettings;
import dev.tempura.loadgen.WorkflowFinished;
import dev.tempura.testing.ChildProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (b) End to end: benchmark-workers' {@code ExecuteActivity} workflow with ten {@code Echo}
 * activities, {@link LoadRunner} keeping {@code concurrency} workflows in flight and waiting for
 * each result, one {@link LoadWorker} per target polling all along. Completions are counted only
 * inside the measured window; targets take turns in rounds.
 */
final class EndToEndBench {
  private static final Logger log = LoggerFactory.getLogger(EndToEndBench.class);
  static final String INPUT =
      "{\"Count\": 10, \"Activity\": \"Echo\", \"Input\": {\"Message\": \"test\"}}";

  /**
   * One way to run the workflows.
   *
   * @param proxies none for the direct path; several replicas (behind a balancer at {@code
   *     endpoint}) count as one proxy
   * @param backends the backends it uses, whose CPU time is counted
   */
  record Target(
      String label,
      String endpoint,
      String namespace,
      List<TempuraProcess> proxies,
      List<ChildProcess> backends) {
    Target(
        String label,
        String endpoint,
        String namespace,
        TempuraProcess proxy,
        List<ChildProcess> backends) {
      this(label, endpoint, namespace, proxy == null ? List.of() : List.of(proxy), backends);
    }

    TempuraProcess proxy() {
      return proxies.isEmpty() ? null : proxies.get(0);
    }
  }

  record Window(int round, String label, Measured measured) {}

  private final int concurrency;
  private final String taskQueue =
      "bench-e2e-" + java.util.UUID.randomUUID().toString().substring(0, 8);
  final List<Window> windows = new ArrayList<>();

  /** How long each target was warmed up. */
  final Map<String, Duration> warmups = new LinkedHashMap<>();

  EndToEndBench(int concurrency) {
    this.concurrency = concurrency;
  }

  Map<String, Measured> run(List<Target> targets, Duration warmup, Duration window, int rounds) {
    Map<String, LoadWorker> workers = new LinkedHashMap<>();
    Map<String, Measured> totals = new LinkedHashMap<>();
    try {
      for (Target t : targets) {
        workers.put(
            t.label(),
            LoadWorker.start(
                LoadgenSettings.builder()
                    .endpoint(t.endpoint())
                    .namespace(t.namespace())
                    .taskQueue(taskQueue)
                    .build()));
        totals.put(t.label(), new Measured(t.label()));
      }
      for (Target t : targets) {
        log.info("e2e: warming up {} for {}", t.label(), warmup);
        long begin = System.nanoTime();
        if (t.proxies().isEmpty()) {
          window(t, Duration.ZERO, warmup);
        } else {
          // as (a) does: a proxy still compiling serves slowly, and two replicas each see half the
          // calls, so their JIT takes longer to settle; go on in 5 s steps until the compiler
          // threads take less than Jit.SETTLED of the replicas' CPU, at most three times as long
          Duration step = Duration.ofSeconds(5);
          window(t, Duration.ZERO, warmup.minus(step).isNegative() ? warmup : warmup.minus(step));
          long limit = begin + 3 * warmup.toNanos();
          while (true) {
            Map<String, Long> before = threadTicks(t);
            window(t, Duration.ZERO, step);
            double jit = Jit.share(before, threadTicks(t));
            if (jit < Jit.SETTLED || System.nanoTime() > limit) {
              log.info(
                  "e2e: {} warm after {} s (JIT {} of its CPU in the last 5 s)",
                  t.label(),
                  (System.nanoTime() - begin) / 1_000_000_000,
                  StartBench.fmt(jit));
              break;
            }
          }
        }
        warmups.put(t.label(), Duration.ofNanos(System.nanoTime() - begin));
      }
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < targets.size(); i++) {
          Target t = targets.get((i + r) % targets.size());
          Measured m = window(t, Duration.ofSeconds(2), window);
          windows.add(new Window(r + 1, t.label(), m));
          totals.get(t.label()).add(m);
          log.info(
              "e2e round {} {}: {} workflows/s p50 {} ms p99 {} ms failures {}",
              r + 1,
              t.label(),
              String.format("%.1f", m.perSecond()),
              StartBench.fmt(m.ms(50)),
              StartBench.fmt(m.ms(99)),
              m.errors);
        }
      }
      return totals;
    } finally {
      workers.values().forEach(LoadWorker::close);
    }
  }

  private Measured window(Target t, Duration ramp, Duration length) {
    Watched watched = new Watched().addSelf("client");
    for (int i = 0; i < t.backends().size(); i++) {
      watched.add("backend" + (i == 0 ? "" : " " + (i + 1)), t.backends().get(i));
    }
    if (t.proxy() != null) {
      watched.add("proxy", t.proxies().stream().map(TempuraProcess::process).toList());
    }
    Recorder recorder = new Recorder(3);
    AtomicLong completed = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    String[] lastFailure = {null};
    LoadListener listener =
        new LoadListener() {
          @Override
          public void onWorkflowFinished(WorkflowFinished f) {
            if (f.completed()) {
              completed.incrementAndGet();
              recorder.recordValue(f.latency().toNanos());
            } else {
              failed.incrementAndGet();
              lastFailure[0] = f.failure().orElse("?");
            }
          }
        };
    RunnerSettings settings =
        RunnerSettings.builder()
            .endpoint(t.endpoint())
            .namespace(t.namespace())
            .taskQueue(taskQueue)
            .concurrency(concurrency)
            .input(INPUT)
            .waitForCompletion(true)
            .reportInterval(Duration.ofMinutes(10))
            .disableBackoff(true)
            .drainTimeout(Duration.ofSeconds(20))
            .build();
    Measured m = new Measured(t.label());
    try (LoadRunner runner = LoadRunner.start(settings, listener)) {
      Net.sleep(ramp.toMillis());
      recorder.getIntervalHistogram();
      long c0 = completed.get();
      long f0 = failed.get();
      double rpc0 = proxyRpcs(t);
      Map<String, Long> before = watched.sample();
      Map<String, Long> threads0 = t.proxy() == null ? null : threadTicks(t);
      long t0 = System.nanoTime();
      Net.sleep(length.toMillis());
      long t1 = System.nanoTime();
      Map<String, Long> after = watched.sample();
      Map<String, Long> threads1 = t.proxy() == null ? null : threadTicks(t);
      if (threads1 != null) {
        threads1.forEach((k, v) -> m.threads.put(k, v - threads0.getOrDefault(k, 0L)));
      }
      double rpc1 = proxyRpcs(t);
      m.ops = completed.get() - c0;
      m.errors = failed.get() - f0;
      m.nanos = t1 - t0;
      m.latencies.add(recorder.getIntervalHistogram());
      m.ticks.putAll(Watched.delta(before, after));
      m.lastError = lastFailure[0];
      if (t.proxy() != null) {
        m.counts.put("proxy rpcs", Math.round(rpc1 - rpc0));
      }
      runner.stop();
    }
    return m;
  }

  /**
   * Calls the proxy has served so far, as its own metrics count them: every non-poll call, plus the
   * tasks its polls delivered (about one client poll each; empty polls are not counted).
   */
  private static double proxyRpcs(Target t) {
    double sum = 0;
    for (TempuraProcess p : t.proxies()) {
      try {
        sum +=
            p.metricOrZero("tempura_requests_total")
                + p.metricOrZero("tempura_poll_tasks_delivered_total");
      } catch (Exception e) {
        log.warn("cannot read {}'s metrics: {}", t.label(), e.toString());
      }
    }
    return sum;
  }

  /** CPU ticks by thread name, summed over the replicas. */
  private static Map<String, Long> threadTicks(Target t) {
    Map<String, Long> sum = new LinkedHashMap<>();
    for (TempuraProcess p : t.proxies()) {
      ProcStat.threadTicks(p.process().pid()).forEach((k, v) -> sum.merge(k, v, Long::sum));
    }
    return sum;
  }
}
