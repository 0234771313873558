package dev.tempura.sandbox;

import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import dev.tempura.loadgen.LoadListener;
import dev.tempura.loadgen.LoadRunner;
import dev.tempura.loadgen.LoadWorker;
import dev.tempura.loadgen.LoadgenSettings;
import dev.tempura.loadgen.RunSummary;
import dev.tempura.loadgen.RunnerSettings;
import dev.tempura.local.AdminClient;
import dev.tempura.local.AdminClient.Exchange;
import dev.tempura.sandbox.LoadRecorder.Run;
import dev.tempura.sandbox.StartLatencyHistograms.Buckets;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The scale-out scenario, in-process: two in-memory Temporal servers behind emulated fixed
 * capacities stand in for clusters A and B, Tempura (embedded store) in front of them, the
 * benchmark worker and runner on virtual namespace {@code my-app-namespace}. Phase 1 runs on A
 * alone for its duration, watching A's Start p95 as Tempura measures it against the SLO; then B is
 * added through the admin API under load, and phase 2 runs on both. Ends with a census of where
 * every workflow ran, a table, the steady-state lines, the verdict and an HTML report.
 *
 * <p>Over 500 lines because it is the scenario's script, step by step in the order it prints; the
 * parts that stand alone (capacity, census, tally, throughput, report) are classes of their own.
 */
final class ScenarioRunner {
  static final String VIRTUAL_NAMESPACE = "my-app-namespace";
  static final String NAMESPACE_A = "namespace-a";
  static final String NAMESPACE_B = "namespace-b";
  static final List<String> NAMESPACES = List.of(NAMESPACE_A, NAMESPACE_B);
  static final String TASK_QUEUE = "benchmark";
  static final String WORKFLOW_TYPE = "ExecuteActivity";

  /** The scenario's runner argument. */
  static final String INPUT =
      "{\"Count\": 10, \"Activity\": \"Echo\", \"Input\": {\"Message\": \"test\"}}";

  /** Start, 11 workflow task completions and 10 activity completions. */
  static final int TRANSITIONS_PER_WORKFLOW = 22;

  static final List<String> PHASES = List.of("namespace-a only", "namespace-b added");
  // the scenario's TEMPORAL_WORKFLOW_TASK_POLLERS and TEMPORAL_ACTIVITY_TASK_POLLERS
  private static final int WORKFLOW_TASK_POLLERS = 16;
  private static final int ACTIVITY_TASK_POLLERS = 8;

  /** How long the runner waits for the workflows in flight when the load stops. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

  private static final int WARMUP_CONCURRENCY = 4;

  /** What a virtual namespace places by when none is set. */
  private static final String TEMPURA_DEFAULT_PLACEMENT = "rendezvous";

  /** The port of {@code tempura namespace}'s default {@code --admin} URL. */
  private static final int CLI_ADMIN_PORT = 8089;

  /** Warm-up workflows stalled by a slow first workflow task are abandoned after this. */
  private static final Duration WARMUP_DRAIN_TIMEOUT = Duration.ofSeconds(15);

  /** What a run produced: the tally that decides the exit code, and the report written. */
  record Outcome(ScenarioResult result, Path report) {}

  private final PrintWriter out;
  private final SandboxSettings settings;
  private final List<String> transcript = new ArrayList<>();
  private final List<String> findings = new ArrayList<>();
  private final List<Sample> samples = new ArrayList<>();

  ScenarioRunner(PrintWriter out, SandboxSettings settings) {
    this.out = out;
    this.settings = settings;
  }

  Outcome run() throws IOException, InterruptedException {
    Path dataDir = Files.createTempDirectory("tempura-sandbox-");
    try {
      return runWith(dataDir);
    } finally {
      deleteTree(dataDir);
    }
  }

  private Outcome runWith(Path dataDir) throws IOException, InterruptedException {
    Instant startedAt = Instant.now();
    long began = System.nanoTime();
    try (SandboxClusters clusters =
            SandboxClusters.start(
                2, settings.shards(), settings.serviceTime(), settings.startServiceTime());
        TempuraServer tempura = startTempura(dataDir);
        SdkConnections direct = new SdkConnections()) {
      String tempuraAddress = "127.0.0.1:" + tempura.grpcPort();
      AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:" + tempura.adminPort()));
      double capacity = settings.capacityPerSecond();
      say("Tempura sandbox: the scale-out scenario in one process, no Docker");
      for (int i = 0; i < 2; i++) {
        say(
            "Cluster %s: in-memory Temporal server %s, behind an emulated capacity at %s: %d"
                + " shards, a start holding one for %s and any other state-changing call for %s"
                + " = %.0f state transitions/s, about %.1f workflows/s",
            i == 0 ? "A" : "B",
            clusters.serverAddress(i),
            clusters.address(i),
            settings.shards(),
            millis(settings.startServiceTime()),
            millis(settings.serviceTime()),
            capacity,
            settings.workflowsPerSecond());
      }
      say("Tempura:   gRPC %s, admin API %s, embedded store", tempuraAddress, admin.base());
      say(
          "Watch it live from another terminal: ./tempura namespace get %s%s",
          VIRTUAL_NAMESPACE,
          settings.adminPort() == CLI_ADMIN_PORT
              ? ""
              : " --admin " + admin.base().toString().replaceAll("/$", ""));

      say(
          "%nStep 1: create virtual namespace %s and route it to cluster A only",
          VIRTUAL_NAMESPACE);
      show(admin, admin.createVirtualNamespace(VIRTUAL_NAMESPACE));
      if (!settings.placement().equals(TEMPURA_DEFAULT_PLACEMENT)) {
        show(admin, admin.setPlacement(VIRTUAL_NAMESPACE, settings.placement()));
      }
      show(admin, admin.addPhysicalNamespace(VIRTUAL_NAMESPACE, NAMESPACE_A, clusters.address(0)));

      Sampler sampler = new Sampler(admin, clusters);
      LoadRecorder recorder = new LoadRecorder();
      say("%nStep 2: apply load through Tempura (%s):", tempuraAddress);

      Phases phases;
      StartLatencyHistograms beforeLoad;
      StartLatencyHistograms atSwitch;
      RunSummary summary;
      long t0;
      try (LoadWorker worker = LoadWorker.start(workerSettings(tempuraAddress))) {
        say(
            "  worker: task queue %s, %d workflow task / %d activity task pollers",
            worker.settings().taskQueue(),
            worker.settings().maxWorkflowTaskPollers(),
            worker.settings().maxActivityTaskPollers());
        warmUp(tempuraAddress);
        say("  runner -c %d -t %s '%s'", settings.concurrency(), WORKFLOW_TYPE, INPUT);
        say(
            "%nStep 3: watch %s's Start p95 as Tempura measures it (%s{operation=\"%s\"} at %s),"
                + " every %s; the SLO is %s",
            NAMESPACE_A,
            StartLatencyHistograms.METRIC,
            StartLatencyHistograms.METHOD,
            admin.base().resolve("/metrics"),
            seconds(settings.interval()),
            millis(settings.slo()));
        say(
            "  (\"-\": no start in that interval. The runner starts a workflow only when one of its"
                + " %d ends, and on a saturated cluster they end in waves.)",
            settings.concurrency());
        beforeLoad = sampler.scrape();
        t0 = System.nanoTime();
        sampler.begin(t0, beforeLoad);
        try (LoadRunner runner = LoadRunner.start(runnerSettings(tempuraAddress), recorder)) {
          printProgressHeader();
          long[] lastTotals = {0, 0};
          int tick = 0;
          int over = 0;
          List<String> overValues = new ArrayList<>();
          String overloaded = null;
          long phase1End = t0 + settings.phase1Duration().toNanos();
          while (true) {
            Sample s = sleepAndSample(sampler, t0, ++tick, 1, recorder, lastTotals);
            OptionalDouble p95 = s.p95(NAMESPACE_A);
            // an interval with no start says nothing either way: every slot is still waiting for
            // a workflow it started earlier
            if (p95.isPresent() && p95.getAsDouble() > settings.sloMillis()) {
              over++;
              overValues.add(String.format(Locale.ROOT, "%.0f ms", p95.getAsDouble()));
            } else if (p95.isPresent()) {
              over = 0;
              overValues.clear();
            }
            if (overloaded == null && over >= SandboxSettings.INTERVALS_OVER_SLO) {
              overloaded =
                  String.format(
                      Locale.ROOT,
                      "%s's Start p95 passed the SLO (%s) in %d intervals in a row (%s) after %s of"
                          + " load: cluster A is overloaded. Phase 1 goes on to %s, so that A's"
                          + " steady throughput shows.",
                      NAMESPACE_A,
                      millis(settings.slo()),
                      SandboxSettings.INTERVALS_OVER_SLO,
                      String.join(", ", overValues),
                      seconds(Duration.ofNanos(s.endNanos() - t0)),
                      seconds(settings.phase1Duration()));
            }
            if (s.endNanos() >= phase1End) {
              break;
            }
          }
          if (overloaded != null) {
            finding("%s", overloaded);
          } else {
            explainSloNotReached();
          }

          say("%nStep 4: scale out under load: add %s on cluster B", NAMESPACE_B);
          atSwitch = sampler.scrape();
          long switchNanos = System.nanoTime();
          show(
              admin,
              admin.addPhysicalNamespace(VIRTUAL_NAMESPACE, NAMESPACE_B, clusters.address(1)));
          long addedNanos = System.nanoTime();

          say(
              "%nStep 5: keep the load on for %s and watch the load spread",
              seconds(settings.phase2Duration()));
          printProgressHeader();
          long phase2End = switchNanos + settings.phase2Duration().toNanos();
          while (true) {
            Sample s = sleepAndSample(sampler, t0, ++tick, 2, recorder, lastTotals);
            if (s.endNanos() >= phase2End) {
              break;
            }
          }
          long loadEnd = System.nanoTime();
          runner.stop();
          say(
              "%nLoad stopped at %s; waiting for the %d workflows in flight",
              seconds(Duration.ofNanos(loadEnd - t0)), recorder.inFlight());
          summary = runner.awaitSummary();
          Sample drain = sampler.sample(System.nanoTime(), 2);
          samples.add(drain);
          say(
              "They finished within %s (%d completed, %d failed, %d abandoned in all)",
              seconds(Duration.ofNanos(drain.endNanos() - loadEnd)),
              summary.completed(),
              summary.failed(),
              summary.abandoned());
          phases = new Phases(t0, switchNanos, addedNanos, loadEnd, drain.endNanos());
        }
      }
      StartLatencyHistograms afterLoad = sampler.scrape();

      List<Run> runs = recorder.runs(phases::phaseOf);
      say(
          "%nWhere the %d workflows ran: DescribeWorkflowExecution on %s at cluster A and %s at"
              + " cluster B, bypassing Tempura. Start p50/p95: as the runner measured each start;"
              + " Tempura p95: its %s histogram.%n",
          runs.size(), NAMESPACE_A, NAMESPACE_B, StartLatencyHistograms.METRIC);
      Map<String, List<Census.Found>> where =
          Census.locate(
              runs.stream().map(Run::workflowId).toList(),
              List.of(
                  new Census.Target(NAMESPACE_A, direct.stubs(clusters.serverAddress(0))),
                  new Census.Target(NAMESPACE_B, direct.stubs(clusters.serverAddress(1)))));
      Map<Integer, Map<String, OptionalDouble>> tempuraP95 = new HashMap<>();
      tempuraP95.put(1, phaseP95(atSwitch, beforeLoad));
      tempuraP95.put(2, phaseP95(afterLoad, atSwitch));
      Throughput steady = Throughput.of(runs, samples, phases);
      ScenarioResult result =
          ScenarioResult.tally(
              PHASES,
              NAMESPACES,
              runs,
              recorder.startFailures(phases::phaseOf),
              where,
              NAMESPACES,
              tempuraP95,
              new ScenarioResult.SloCheck(
                  settings.sloMillis(), steady.phase1StartP95(), steady.phase2StartP95()));
      TextReport.print(result, steady.lines(phases, result, settings.slo()), out);

      Path report =
          HtmlReport.write(
              settings.reportDir(),
              new HtmlReport.Data(
                  settings,
                  startedAt,
                  Duration.ofNanos(System.nanoTime() - began),
                  List.copyOf(transcript),
                  List.copyOf(findings),
                  phases,
                  List.copyOf(samples),
                  runs,
                  where,
                  result));
      say("%nHTML report: %s", report.toAbsolutePath().normalize());
      return new Outcome(result, report);
    }
  }

  /** Tempura on loopback, on the ports asked for; a port in use is named in the error. */
  private TempuraServer startTempura(Path dataDir) throws IOException {
    try {
      return TempuraServer.start(
          ServeSettings.loopback(dataDir, settings.grpcPort(), settings.adminPort()));
    } catch (IOException e) {
      throw new IOException(
          String.format(
              Locale.ROOT,
              "cannot start Tempura on 127.0.0.1 (--grpc-port %s, --admin-port %s): %s",
              portText(settings.grpcPort()),
              portText(settings.adminPort()),
              e.getMessage()),
          e);
    }
  }

  private static String portText(int port) {
    return port == 0 ? "free" : Integer.toString(port);
  }

  /**
   * A few seconds of light load, on the scenario's namespace and worker, before the measured load
   * starts: the first workflows of a JVM run slowly while their code is loaded and compiled, and on
   * a small machine that alone can pass the SLO. Its workflows are left out of every count.
   */
  private void warmUp(String tempuraAddress) throws InterruptedException {
    if (settings.warmup().isZero()) {
      return;
    }
    int concurrency = Math.min(WARMUP_CONCURRENCY, settings.concurrency());
    say(
        "  warm-up: %s at -c %d first, not counted, so that JIT compilation is not mistaken for"
            + " overload",
        seconds(settings.warmup()), concurrency);
    RunnerSettings warmup =
        runnerSettings(tempuraAddress).toBuilder()
            .concurrency(concurrency)
            .duration(settings.warmup())
            .drainTimeout(WARMUP_DRAIN_TIMEOUT)
            .build();
    try (LoadRunner runner = LoadRunner.start(warmup, LoadListener.NONE)) {
      runner.awaitSummary();
    }
  }

  private LoadgenSettings workerSettings(String tempuraAddress) {
    return LoadgenSettings.builder()
        .endpoint(tempuraAddress)
        .namespace(VIRTUAL_NAMESPACE)
        .taskQueue(TASK_QUEUE)
        .maxWorkflowTaskPollers(WORKFLOW_TASK_POLLERS)
        .maxActivityTaskPollers(ACTIVITY_TASK_POLLERS)
        .build();
  }

  private RunnerSettings runnerSettings(String tempuraAddress) {
    return RunnerSettings.builder()
        .endpoint(tempuraAddress)
        .namespace(VIRTUAL_NAMESPACE)
        .taskQueue(TASK_QUEUE)
        .concurrency(settings.concurrency())
        .workflowType(WORKFLOW_TYPE)
        .input(INPUT)
        .reportInterval(settings.interval())
        .drainTimeout(DRAIN_TIMEOUT)
        .build();
  }

  /** Sleeps until tick {@code tick} of the run's clock, samples, prints a progress line. */
  private Sample sleepAndSample(
      Sampler sampler, long t0, int tick, int phase, LoadRecorder recorder, long[] lastTotals)
      throws IOException, InterruptedException {
    long due = t0 + tick * settings.interval().toNanos();
    long wait = due - System.nanoTime();
    if (wait > 0) {
      TimeUnit.NANOSECONDS.sleep(wait);
    }
    Sample s = sampler.sample(System.nanoTime(), phase);
    samples.add(s);
    long started = recorder.started();
    long completed = recorder.completed();
    say(
        "%7s  %15s  %15s  %9.1f  %11.1f  %9.0f  %9.0f",
        seconds(Duration.ofNanos(s.endNanos() - t0)),
        p95Text(s.p95(NAMESPACE_A)),
        p95Text(s.p95(NAMESPACE_B)),
        (started - lastTotals[0]) / s.seconds(),
        (completed - lastTotals[1]) / s.seconds(),
        s.transitionsPerSecond(NAMESPACE_A),
        s.transitionsPerSecond(NAMESPACE_B));
    lastTotals[0] = started;
    lastTotals[1] = completed;
    return s;
  }

  private void printProgressHeader() {
    say(
        "%7s  %15s  %15s  %9s  %11s  %9s  %9s",
        "t",
        NAMESPACE_A + " p95",
        NAMESPACE_B + " p95",
        "started/s",
        "completed/s",
        "A trans/s",
        "B trans/s");
  }

  private void explainSloNotReached() {
    double slo = settings.sloMillis();
    double highest =
        samples.stream()
            .map(s -> s.p95(NAMESPACE_A))
            .filter(OptionalDouble::isPresent)
            .mapToDouble(OptionalDouble::getAsDouble)
            .max()
            .orElse(0);
    double busiest =
        samples.stream().mapToDouble(s -> s.transitionsPerSecond(NAMESPACE_A)).max().orElse(0);
    double capacity = settings.capacityPerSecond();
    String why =
        busiest < 0.9 * capacity
            ? String.format(
                Locale.ROOT,
                "the load stayed below cluster A's capacity (at most %.0f of %.0f state"
                    + " transitions/s), so no queue built up; raise --concurrency, or lower"
                    + " --shards or raise --service-time",
                busiest,
                capacity)
            : String.format(
                Locale.ROOT,
                "cluster A ran at its capacity (%.0f of %.0f state transitions/s) but its queue"
                    + " stayed too short to push starts past %.0f ms; raise --concurrency or"
                    + " --service-time, or lower --slo",
                busiest,
                capacity,
                slo);
    finding(
        "SLO not reached: %s's Start p95 did not pass %s for %d intervals in a row in phase 1"
            + " (%s; highest interval p95: %.0f ms): %s. Adding %s all the same.",
        NAMESPACE_A,
        millis(settings.slo()),
        SandboxSettings.INTERVALS_OVER_SLO,
        seconds(settings.phase1Duration()),
        highest,
        why,
        NAMESPACE_B);
  }

  private static Map<String, OptionalDouble> phaseP95(
      StartLatencyHistograms end, StartLatencyHistograms start) {
    Map<String, OptionalDouble> p95 = new LinkedHashMap<>();
    Buckets all = null;
    for (String ns : NAMESPACES) {
      Buckets b = end.since(start, ns);
      p95.put(ns, b.quantileMillis(0.95));
      all = all == null ? b : all.plus(b);
    }
    p95.put(ScenarioResult.ALL, all.quantileMillis(0.95));
    return p95;
  }

  /** Prints an admin call as the equivalent curl command, then the admin API's answer. */
  private void show(AdminClient admin, Exchange exchange) {
    String command =
        String.format(
            Locale.ROOT,
            "$ curl -X POST %s -d '%s'",
            admin.base().resolve(exchange.path()),
            exchange.body());
    transcript.add(command);
    transcript.add(exchange.answer());
    say("%s", command);
    say("%s", exchange.answer());
  }

  private void finding(String format, Object... args) {
    String text = String.format(Locale.ROOT, format, args);
    findings.add(text);
    say("%s", text);
  }

  private void say(String format, Object... args) {
    out.printf(Locale.ROOT, format + "%n", args);
    out.flush();
  }

  private static String p95Text(OptionalDouble p95) {
    return p95.isPresent() ? String.format(Locale.ROOT, "%.0f ms", p95.getAsDouble()) : "-";
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  static String millis(Duration d) {
    return d.toNanos() % 1_000_000 == 0
        ? d.toMillis() + " ms"
        : String.format(Locale.ROOT, "%.1f ms", d.toNanos() / 1e6);
  }

  /**
   * The run's clock marks, on {@link System#nanoTime()}'s clock.
   *
   * @param switchNanos when namespace-b's add was sent: starts sent from then on are phase 2
   * @param addedNanos when the admin API answered it
   * @param loadEndNanos when the runner was told to stop starting workflows
   * @param endNanos when the last workflow in flight had finished
   */
  record Phases(long t0Nanos, long switchNanos, long addedNanos, long loadEndNanos, long endNanos) {
    long phaseOf(long nanos) {
      return nanos < switchNanos ? 1 : 2;
    }

    double secondsAt(long nanos) {
      return (nanos - t0Nanos) / 1e9;
    }

    /**
     * The steady half of {@code phase}, {from, to} in nanos: its last half. The first half of phase
     * 1 fills cluster A's queue from nothing; the first half of phase 2 drains the backlog A had
     * when B was added. What the verdict and the throughput line read.
     */
    long[] steady(int phase) {
      long from = phase == 1 ? t0Nanos : switchNanos;
      long to = phase == 1 ? switchNanos : loadEndNanos;
      return new long[] {from + (to - from) / 2, to};
    }
  }

  /** Takes the samples: Tempura's /metrics and the capacity limiters' counters. */
  private static final class Sampler {
    private final AdminClient admin;
    private final SandboxClusters clusters;
    private StartLatencyHistograms last = StartLatencyHistograms.EMPTY;
    private final long[] lastTransitions = new long[2];
    private long lastNanos;

    Sampler(AdminClient admin, SandboxClusters clusters) {
      this.admin = admin;
      this.clusters = clusters;
    }

    StartLatencyHistograms scrape() throws IOException, InterruptedException {
      return StartLatencyHistograms.parse(admin.get("/metrics"));
    }

    void begin(long nanos, StartLatencyHistograms histograms) {
      lastNanos = nanos;
      last = histograms;
      for (int i = 0; i < 2; i++) {
        lastTransitions[i] = clusters.limiter(i).transitions();
      }
    }

    Sample sample(long nanos, int phase) throws IOException, InterruptedException {
      StartLatencyHistograms now = scrape();
      Map<String, Buckets> starts = new HashMap<>();
      Map<String, Long> transitions = new HashMap<>();
      for (int i = 0; i < 2; i++) {
        String ns = NAMESPACES.get(i);
        starts.put(ns, now.since(last, ns));
        long served = clusters.limiter(i).transitions();
        transitions.put(ns, served - lastTransitions[i]);
        lastTransitions[i] = served;
      }
      Sample s = new Sample(lastNanos, nanos, phase, starts, transitions);
      last = now;
      lastNanos = nanos;
      return s;
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ScenarioRunner::delete);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
