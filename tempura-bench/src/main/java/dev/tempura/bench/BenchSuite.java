package dev.tempura.bench;

import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
import dev.tempura.store.redis.RedisStoreOptions;
import dev.tempura.testing.TestServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.openjdk.jmh.runner.options.TimeValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark suite: every comparison side by side in one run on this host, written to
 * BENCHMARKS.md at the repository root. Run it with {@code mvn -B -DskipTests -Pbench -pl
 * tempura-bench -am verify} from the root (which builds tempura.jar first); arguments through
 * {@code -Dbench.args=...}: {@code quick} for a short trial, {@code sections=abcdef} for some parts
 * only, {@code baseline=<jar>} to measure an earlier build beside this one in (a) and (f), and
 * (f)'s own ({@link NullSettings}).
 */
public final class BenchSuite {
  private static final Logger log = LoggerFactory.getLogger(BenchSuite.class);

  static final String START_NS = "bench-start";
  static final String START_WARMUP_NS = "bench-start-warmup";
  static final String E2E1_NS = "bench-e2e-1";
  static final String E2E2_NS = "bench-e2e-2";
  static final String E2E2R_NS = "bench-e2e-2r";

  /** The label of the end-to-end path through two replicas behind a round-robin balancer. */
  static final String TWO_REPLICAS = "Tempura, 2 backends, 2 replicas";

  /**
   * The two-replica path's own baseline: one replica, on Redis, behind the same balancer; the 1.5x
   * target of issue #17 compares the two.
   */
  static final String ONE_REDIS_REPLICA = "Tempura, 2 backends, 1 replica on Redis";

  static final String E2E1R_NS = "bench-e2e-1r";

  private BenchSuite() {}

  public static void main(String[] args) throws Exception {
    // baseline=<jar>: an earlier tempura.jar measured beside this one in (a), for a before/after
    baseline =
        java.util.Arrays.stream(args)
            .filter(a -> a.startsWith("baseline="))
            .map(a -> Path.of(a.substring("baseline=".length())).toAbsolutePath().normalize())
            .reduce((x, y) -> y)
            .orElse(null);
    if (baseline != null && !Files.isRegularFile(baseline)) {
      throw new IllegalArgumentException("baseline=" + baseline + ": no such file");
    }
    Settings settings =
        Settings.fromArgs(
            java.util.Arrays.stream(args)
                .filter(a -> !a.startsWith("baseline="))
                .toArray(String[]::new));
    Path root = Path.of(System.getProperty("bench.root", ".")).toAbsolutePath().normalize();
    Path jar =
        Path.of(
                System.getProperty(
                    "bench.tempuraJar", root.resolve("tempura-app/target/tempura.jar").toString()))
            .toAbsolutePath()
            .normalize();
    Path out =
        Path.of(System.getProperty("bench.out", root.resolve("BENCHMARKS.md").toString()))
            .toAbsolutePath()
            .normalize();
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar
              + " is missing: build it first (mvn -B -DskipTests -Pbench -pl tempura-bench -am verify from the root does)");
    }
    Path work = Files.createTempDirectory("tempura-bench-");
    Results r = new Results();
    r.settings = settings;
    r.command =
        System.getProperty(
            "bench.command", "mvn -B -DskipTests -Pbench -pl tempura-bench -am verify");
    r.began = Instant.now();
    r.machine = Machine.describe(root);
    log.info("tempura-bench: {} in {}, report to {}", jar, work, out);
    try {
      run(settings, r, jar, work);
    } finally {
      r.ended = Instant.now();
      Report.write(r, out);
      log.info("wrote {} ({} s)", out, Duration.between(r.began, r.ended).toSeconds());
      deleteTree(work);
    }
    if (!r.failures.isEmpty()) {
      log.error("parts failed: {}", r.failures);
      System.exit(1);
    }
    System.exit(0);
  }

  /** An earlier build to measure beside this one in (a) and (f), or null. */
  private static Path baseline;

  /** The label of the baseline build's path in (a). */
  static final String BASELINE = "Tempura (baseline)";

  private static void run(Settings s, Results r, Path jar, Path work) throws Exception {
    Optional<Path> nginx = NginxProcess.find();
    r.nginxVersion = nginx.map(NginxProcess::version).orElse(null);
    if (nginx.isEmpty()) {
      r.nginxNote =
          "nginx is not installed, so its column is skipped. Install it (`apt-get install -y nginx`)"
              + " and run the suite again to compare against it.";
    }
    r.processes.put(
        "backend (TestServer)",
        String.join(" ", Jvm.TEST_SERVER_FLAGS) + " io.temporal.testserver.TestServer <port>");
    r.processes.put(
        "Tempura",
        String.join(" ", TempuraProcess.JVM_FLAGS) + " -jar tempura.jar serve (embedded store)");
    r.processes.put(
        "suite (clients, workers)",
        String.join(
            " ",
            java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-X"))
                .toList()));

    // the in-process parts first, while no other process of the suite runs
    if (s.runs('d')) {
      part(r, "d", () -> store(s, r, work));
    }
    if (s.runs('c')) {
      part(
          r,
          "c",
          () -> {
            r.micro =
                MicroBench.run(
                    s.jmhWarmups(), TimeValue.seconds(1),
                    s.jmhIterations(), TimeValue.milliseconds(s.jmhTime().toMillis()));
          });
    }
    if (s.runs('f')) {
      part(
          r,
          "f",
          () -> {
            NullBench bench = new NullBench(s.nul(), work);
            r.nul = bench;
            bench.run(jar, baseline, nginx);
            if (r.nginxConfig == null) {
              r.nginxConfig = bench.nginxConfig;
            }
          });
    }
    if (s.runs('a') || s.runs('b') || s.runs('e')) {
      // (a) leaves its backend holding every workflow it started: (b) and (e) get their own
      try (TestServerProcess a = s.runs('a') ? Jvm.testServer("backend-start", work) : null;
          TestServerProcess w = s.runs('a') ? Jvm.testServer("backend-warmup", work) : null;
          TestServerProcess b =
              s.runs('b') || s.runs('e') ? Jvm.testServer("backend-e2e-1", work) : null;
          TestServerProcess c = s.runs('b') ? Jvm.testServer("backend-e2e-2", work) : null) {
        if (s.runs('a') || s.runs('b')) {
          try (TempuraProcess tempura = TempuraProcess.start("tempura", jar, work)) {
            if (a != null) {
              tempura.virtualNamespace(
                  START_NS, List.<String[]>of(new String[] {"start-a", a.address()}));
              tempura.virtualNamespace(
                  START_WARMUP_NS, List.<String[]>of(new String[] {"warmup-a", w.address()}));
            }
            if (c != null) {
              tempura.virtualNamespace(
                  E2E1_NS, List.<String[]>of(new String[] {"e2e1-a", b.address()}));
              tempura.virtualNamespace(
                  E2E2_NS,
                  List.<String[]>of(
                      new String[] {"e2e2-a", b.address()}, new String[] {"e2e2-b", c.address()}));
            }
            if (s.runs('a')) {
              part(r, "a", () -> start(s, r, a, w, tempura, nginx, work));
            }
            if (s.runs('b')) {
              part(r, "b", () -> endToEnd(s, r, b, c, tempura, jar, work));
            }
          }
        }
        if (s.runs('e')) {
          part(
              r,
              "e",
              () -> {
                r.polls =
                    ParkedPollsBench.run(jar, work, b, s.polls(), s.pollChannels(), s.pollQueues());
              });
        }
      }
    }
  }

  private interface Part {
    void run() throws Exception;
  }

  /** Runs one part; a failure is reported and the others still run. */
  private static void part(Results r, String name, Part part) {
    r.load.put(name + " begins", Machine.loadAverage());
    try {
      part.run();
    } catch (Exception | Error e) {
      log.error("part {} failed", name, e);
      r.failures.put(name, e.toString());
    } finally {
      r.load.put(name + " ends", Machine.loadAverage());
    }
  }

  private static void start(
      Settings s,
      Results r,
      TestServerProcess a,
      TestServerProcess warm,
      TempuraProcess tempura,
      Optional<Path> nginx,
      Path work)
      throws Exception {
    NginxProcess n = null;
    TempuraProcess old = null;
    try {
      List<StartBench.Target> targets = new ArrayList<>();
      targets.add(new StartBench.Target("direct", a.address(), "direct", null, false));
      targets.add(
          new StartBench.Target("Tempura", tempura.address(), START_NS, tempura.process(), true));
      if (nginx.isPresent()) {
        n = NginxProcess.start(nginx.get(), work, a.address());
        r.nginxConfig = n.configText();
        targets.add(new StartBench.Target("nginx", n.address(), "direct", n.process(), false));
      }
      StartBench bench = new StartBench(a.process(), s.startThreads());
      // nginx has no JIT to warm: its client side is the direct path's, so it only settles
      Map<String, StartBench.Target> warmTargets = new java.util.HashMap<>();
      warmTargets.put(
          "direct", new StartBench.Target("direct", warm.address(), "direct", null, false));
      warmTargets.put(
          "Tempura",
          new StartBench.Target(
              "Tempura", tempura.address(), START_WARMUP_NS, tempura.process(), true));
      if (baseline != null) {
        old = TempuraProcess.start("tempura-baseline", baseline, work);
        old.virtualNamespace(START_NS, List.<String[]>of(new String[] {"start-a", a.address()}));
        old.virtualNamespace(
            START_WARMUP_NS, List.<String[]>of(new String[] {"warmup-a", warm.address()}));
        targets.add(new StartBench.Target(BASELINE, old.address(), START_NS, old.process(), true));
        warmTargets.put(
            BASELINE,
            new StartBench.Target(BASELINE, old.address(), START_WARMUP_NS, old.process(), true));
      }
      r.start =
          bench.run(
              targets,
              warmTargets,
              s.startWarmup(),
              s.startSettle(),
              s.startWindow(),
              s.startRounds());
      r.startWindows = bench.windows;
      r.startThreads = bench.proxyThreads;
      r.startWarmups = bench.warmups;

      // one more window through Tempura, not counted, with a flight recording
      log.info("start: profiling Tempura with JFR for {}", s.profileWindow());
      StartBench.Target t = targets.get(1);
      io.grpc.ManagedChannel ch = Grpc.channel(t.endpoint());
      try {
        JfrProfile.start(tempura.process().pid(), "bench");
        r.profileWindow = bench.window(t, ch, Duration.ofMillis(500), s.profileWindow());
        Path file =
            JfrProfile.stop(tempura.process().pid(), "bench", work.resolve("tempura-start.jfr"));
        r.profile = JfrProfile.read(file, 20);
      } finally {
        Grpc.close(ch);
      }
    } finally {
      if (n != null) {
        n.close();
      }
      if (old != null) {
        old.close();
      }
    }
  }

  private static void endToEnd(
      Settings s,
      Results r,
      TestServerProcess a,
      TestServerProcess b,
      TempuraProcess tempura,
      Path jar,
      Path work)
      throws Exception {
    List<EndToEndBench.Target> targets =
        new ArrayList<>(
            List.of(
                new EndToEndBench.Target(
                    "direct", a.address(), "direct", List.of(), List.of(a.process())),
                new EndToEndBench.Target(
                    "Tempura, 1 backend",
                    tempura.address(),
                    E2E1_NS,
                    tempura,
                    List.of(a.process())),
                new EndToEndBench.Target(
                    "Tempura, 2 backends",
                    tempura.address(),
                    E2E2_NS,
                    tempura,
                    List.of(a.process(), b.process()))));
    // the same two backends through two replicas sharing Redis, behind a per-request round-robin
    // balancer (in this JVM, so its CPU counts as the client's), as issue #17 deployed them; and,
    // as its baseline, one replica on Redis behind the same kind of balancer
    try (Replicas one = Replicas.start(jar, work, a, b, 1, E2E1R_NS);
        Replicas two = Replicas.start(jar, work, a, b, 2, E2E2R_NS)) {
      if (one != null && two != null) {
        targets.add(
            new EndToEndBench.Target(
                ONE_REDIS_REPLICA,
                one.address(),
                E2E1R_NS,
                one.replicas(),
                List.of(a.process(), b.process())));
        targets.add(
            new EndToEndBench.Target(
                TWO_REPLICAS,
                two.address(),
                E2E2R_NS,
                two.replicas(),
                List.of(a.process(), b.process())));
      } else {
        log.warn("e2e: nothing answers at 127.0.0.1:6379, so the replica paths are skipped");
      }
      EndToEndBench bench = new EndToEndBench(s.e2eConcurrency());
      r.e2e = bench.run(targets, s.e2eWarmup(), s.e2eWindow(), s.e2eRounds());
      r.e2eWindows = bench.windows;
      r.e2eWarmups = bench.warmups;
    }
  }

  private static void store(Settings s, Results r, Path work) throws Exception {
    try (Stores embedded = Stores.embedded(work.resolve("store-embedded"))) {
      r.store.add(
          new StoreBench()
              .run(
                  "embedded (H2 MVStore file)",
                  embedded.mappings(),
                  s.storeInFlight(),
                  s.storeWarmup(),
                  s.storeWindow(),
                  s.storeLookups()));
    }
    Optional<String> redis = Machine.redisVersion("127.0.0.1", 6379);
    r.redisVersion = redis.orElse(null);
    if (redis.isEmpty()) {
      r.redisNote = "Nothing answers at 127.0.0.1:6379, so the Redis row is skipped.";
      return;
    }
    String prefix = "tempura-bench-" + java.util.UUID.randomUUID() + ":";
    try (Stores stores =
        Stores.redis(
            RedisStoreOptions.builder("redis://127.0.0.1:6379").keyPrefix(prefix).build())) {
      MappingStore store = stores.mappings();
      StoreBench bench = new StoreBench();
      try {
        r.store.add(
            bench.run(
                "Redis " + redis.get() + " (127.0.0.1:6379)",
                store,
                s.storeInFlight(),
                s.storeWarmup(),
                s.storeWindow(),
                s.storeLookups()));
      } finally {
        long deleted = bench.deleteAll(store, s.storeInFlight());
        long left = 0;
        String cursor = null;
        do {
          var page = store.scan(cursor, 1000).get(30, java.util.concurrent.TimeUnit.SECONDS);
          left += page.entries().size();
          page.entries().forEach(e -> store.delete(e.key()));
          cursor = page.nextCursor();
        } while (cursor != null);
        r.redisNote =
            "Keys under the prefix `"
                + prefix
                + "` were deleted afterwards: "
                + deleted
                + " mappings"
                + (left > 0 ? ", plus " + left + " found by a final scan" : ", none left");
        log.info("redis: {}", r.redisNote);
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (Exception e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
