package dev.tempura.bench;

import dev.tempura.testing.TestServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A focused, repeatable measurement of Tempura's CPU on the StartWorkflowExecution path, for
 * comparing builds side by side: one or more {@code tempura.jar} builds run at once, each in its
 * own JVM, in front of the same two test servers (one to warm the JIT up on, one measured).
 *
 * <ol>
 *   <li>Idle: every proxy's CPU per second with no traffic at all (timers, health checks, the
 *       reconciler, metrics), all of them measured over the same seconds, per thread group.
 *   <li>Warm-up of every path on the warm-up backend until its JIT settles, then alternating
 *       windows of 16 closed-loop clients on the measured backend (direct and every build), the
 *       order rotating each round ({@link StartBench}).
 *   <li>CPU per Start RPC per build: total, without JIT compiler threads, and without both the JIT
 *       and the idle cost of the window's length; the thread groups per RPC.
 *   <li>Idle again after the traffic, and optionally an async-profiler CPU profile (collapsed
 *       stacks) of one build over one more window.
 * </ol>
 *
 * <p>Arguments ({@code key=value}): {@code jar.<label>=<path>} (one or more builds, the same jar
 * may appear under several labels), {@code flags.<label>=<extra JVM flags, space-separated>},
 * {@code idle=20} (seconds), {@code warmup=20}, {@code window=5}, {@code rounds=6}, {@code
 * threads=16}, {@code rate=0} (starts per second of an open schedule, 0 for a closed loop; see
 * {@link StartBench#ratePerSecond}), {@code profile=<label>} with {@code asprof=<path of
 * libasyncProfiler.so>} and {@code profileWindow=15}, {@code out=<dir>} for the profiles. Run with
 * the bench module's runtime classpath (it holds the test server): {@code java -cp <classpath>
 * dev.tempura.bench.StartProbe jar.base=old/tempura.jar jar.new=tempura-app/target/tempura.jar}.
 */
public final class StartProbe {
  private static final Logger log = LoggerFactory.getLogger(StartProbe.class);

  private StartProbe() {}

  public static void main(String[] args) throws Exception {
    Map<String, Path> jars = new LinkedHashMap<>();
    Map<String, List<String>> flags = new LinkedHashMap<>();
    Map<String, String> opt = new LinkedHashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("expected key=value: " + a);
      }
      String k = a.substring(0, eq);
      String v = a.substring(eq + 1);
      if (k.startsWith("jar.")) {
        jars.put(k.substring(4), Path.of(v).toAbsolutePath().normalize());
      } else if (k.startsWith("flags.")) {
        flags.put(k.substring(6), List.of(v.trim().split("\\s+")));
      } else {
        opt.put(k, v);
      }
    }
    if (jars.isEmpty()) {
      throw new IllegalArgumentException("give at least one jar.<label>=<path of tempura.jar>");
    }
    int idle = Integer.parseInt(opt.getOrDefault("idle", "20"));
    Duration warmup = Duration.ofSeconds(Long.parseLong(opt.getOrDefault("warmup", "20")));
    Duration window = Duration.ofSeconds(Long.parseLong(opt.getOrDefault("window", "5")));
    int rounds = Integer.parseInt(opt.getOrDefault("rounds", "6"));
    int threads = Integer.parseInt(opt.getOrDefault("threads", "16"));
    StartBench.ratePerSecond = Integer.parseInt(opt.getOrDefault("rate", "0"));
    String profile = opt.get("profile");
    String asprof = opt.get("asprof");
    Duration profileWindow =
        Duration.ofSeconds(Long.parseLong(opt.getOrDefault("profileWindow", "15")));
    Path out = Path.of(opt.getOrDefault("out", "target/start-probe")).toAbsolutePath();
    Files.createDirectories(out);

    Path work = Files.createTempDirectory("tempura-probe-");
    StringBuilder report = new StringBuilder();
    try (TestServerProcess measured = Jvm.testServer("backend-measured", work);
        TestServerProcess warm = Jvm.testServer("backend-warmup", work)) {
      Map<String, TempuraProcess> proxies = new LinkedHashMap<>();
      try {
        for (var e : jars.entrySet()) {
          TempuraProcess t =
              TempuraProcess.start(
                  "tempura-" + e.getKey(),
                  e.getValue(),
                  work,
                  flags.getOrDefault(e.getKey(), List.of()));
          proxies.put(e.getKey(), t);
          t.virtualNamespace(
              BenchSuite.START_NS, List.<String[]>of(new String[] {"start-a", measured.address()}));
          t.virtualNamespace(
              BenchSuite.START_WARMUP_NS,
              List.<String[]>of(new String[] {"warmup-a", warm.address()}));
        }
        Net.sleep(5000); // past start-up's own work
        report.append(idle("idle before traffic", proxies, idle));

        List<StartBench.Target> targets = new ArrayList<>();
        Map<String, StartBench.Target> warmTargets = new LinkedHashMap<>();
        targets.add(new StartBench.Target("direct", measured.address(), "direct", null, false));
        warmTargets.put(
            "direct", new StartBench.Target("direct", warm.address(), "direct", null, false));
        for (var e : proxies.entrySet()) {
          targets.add(
              new StartBench.Target(
                  e.getKey(),
                  e.getValue().address(),
                  BenchSuite.START_NS,
                  e.getValue().process(),
                  true));
          warmTargets.put(
              e.getKey(),
              new StartBench.Target(
                  e.getKey(),
                  e.getValue().address(),
                  BenchSuite.START_WARMUP_NS,
                  e.getValue().process(),
                  true));
        }
        StartBench bench = new StartBench(measured.process(), threads);
        Map<String, Measured> totals =
            bench.run(targets, warmTargets, warmup, Duration.ofSeconds(2), window, rounds);
        Map<String, Double> idlePerSecond = new LinkedHashMap<>();
        report.append(idle("idle after traffic", proxies, idle, idlePerSecond));
        report.append(results(totals, bench, idlePerSecond));

        if (profile != null && asprof != null && proxies.containsKey(profile)) {
          report.append(
              profileWindow(
                  bench, targets, profile, proxies.get(profile), asprof, profileWindow, out));
        }
      } finally {
        proxies.values().forEach(TempuraProcess::close);
      }
    } finally {
      System.out.println(report);
      Files.writeString(out.resolve("report.txt"), report.toString());
    }
    System.exit(0);
  }

  private static String idle(String title, Map<String, TempuraProcess> proxies, int seconds) {
    return idle(title, proxies, seconds, new LinkedHashMap<>());
  }

  /** CPU of every proxy over the same {@code seconds} of no traffic, in ms of CPU per second. */
  private static String idle(
      String title,
      Map<String, TempuraProcess> proxies,
      int seconds,
      Map<String, Double> perSecond) {
    log.info("probe: {} for {} s", title, seconds);
    Map<String, Map<String, Long>> before = new LinkedHashMap<>();
    proxies.forEach((k, v) -> before.put(k, ProcStat.threadTicks(v.process().pid())));
    long t0 = System.nanoTime();
    Net.sleep(seconds * 1000L);
    double secs = (System.nanoTime() - t0) / 1e9;
    StringBuilder sb =
        new StringBuilder("\n## " + title + " (" + seconds + " s, ms CPU per second)\n");
    for (var e : proxies.entrySet()) {
      Map<String, Long> after = ProcStat.threadTicks(e.getValue().process().pid());
      Map<String, Long> d = delta(before.get(e.getKey()), after);
      long total = d.values().stream().mapToLong(Long::longValue).sum();
      long jit = jit(d);
      double ms = total * 1000.0 / ProcStat.clkTck() / secs;
      double msNoJit = (total - jit) * 1000.0 / ProcStat.clkTck() / secs;
      perSecond.put(e.getKey(), msNoJit);
      sb.append(
          String.format(
              Locale.ROOT,
              "%-10s total %.2f ms/s, without JIT %.2f ms/s; threads: %s%n",
              e.getKey(),
              ms,
              msNoJit,
              nonZero(d)));
    }
    return sb.toString();
  }

  private static String results(
      Map<String, Measured> totals, StartBench bench, Map<String, Double> idleMsPerSecond) {
    StringBuilder sb =
        new StringBuilder(
            "\n## start windows ("
                + (StartBench.ratePerSecond > 0
                    ? StartBench.ratePerSecond + " starts/s, "
                    : "closed loop, ")
                + "threads as given)\n");
    for (StartBench.Window w : bench.windows) {
      Measured m = w.measured();
      Long proxy = m.ticks.get("proxy");
      sb.append(
          String.format(
              Locale.ROOT,
              "round %d %-8s %5d starts %6.0f/s p50 %7.3f p99 %7.3f ms proxy %s ticks backend %d ticks%s%n",
              w.round(),
              w.label(),
              m.ops,
              m.perSecond(),
              m.ms(50),
              m.ms(99),
              proxy == null ? "-" : proxy.toString(),
              m.ticks.getOrDefault("backend", 0L),
              m.errors > 0 ? " errors " + m.errors + " " + m.lastError : ""));
    }
    sb.append("\n## totals\n");
    double directRate = totals.get("direct").perSecond();
    double directP50 = totals.get("direct").ms(50);
    double directP99 = totals.get("direct").ms(99);
    for (Measured m : totals.values()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-8s %6.0f starts/s (%.1f%% of direct) p50 %.3f ms (%+.3f) p99 %.3f ms (%+.3f)",
              m.label,
              m.perSecond(),
              100 * m.perSecond() / directRate,
              m.ms(50),
              m.ms(50) - directP50,
              m.ms(99),
              m.ms(99) - directP99));
      if (m.ticks.containsKey("proxy")) {
        Map<String, Long> th = bench.proxyThreads.get(m.label);
        long total = th.values().stream().mapToLong(Long::longValue).sum();
        long jit = jit(th);
        double us = 1e6 / ProcStat.clkTck() / m.ops;
        double idleUs = idleMsPerSecond.getOrDefault(m.label, 0.0) * 1000 * (m.nanos / 1e9) / m.ops;
        sb.append(
            String.format(
                Locale.ROOT,
                "%n         CPU/RPC: total %.1f µs, without JIT %.1f µs, without JIT and idle (%.1f µs) %.1f µs; per RPC by thread group:",
                total * us,
                (total - jit) * us,
                idleUs,
                (total - jit) * us - idleUs));
        Map<String, String> per = new TreeMap<>();
        th.forEach(
            (k, v) -> {
              if (v > 0) {
                per.put(k, String.format(Locale.ROOT, "%.1f", v * us));
              }
            });
        sb.append(' ').append(per);
      }
      if (m.counts.containsKey("proxy syscw")) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%n         proxy syscalls/RPC: read %.2f write %.2f",
                (double) m.counts.get("proxy syscr") / m.ops,
                (double) m.counts.get("proxy syscw") / m.ops));
      }
      sb.append(
          String.format(
              Locale.ROOT, "%n         backend CPU/RPC %.1f µs%n", m.cpuMicrosPerOp("backend")));
    }
    return sb.toString();
  }

  private static String profileWindow(
      StartBench bench,
      List<StartBench.Target> targets,
      String label,
      TempuraProcess proxy,
      String asprof,
      Duration length,
      Path out) {
    StartBench.Target t =
        targets.stream().filter(x -> x.label().equals(label)).findFirst().orElseThrow();
    Path cpu = out.resolve("profile-" + label + ".collapsed");
    String pid = Long.toString(proxy.process().pid());
    Jvm.run(
        Jvm.tool("jcmd"),
        pid,
        "JVMTI.agent_load",
        asprof,
        "\"start,event=cpu,interval=1ms,threads\"");
    io.grpc.ManagedChannel ch = Grpc.channel(t.endpoint());
    Measured m;
    try {
      m = bench.window(t, ch, Duration.ofMillis(500), length);
    } finally {
      Grpc.close(ch);
      Jvm.run(
          Jvm.tool("jcmd"), pid, "JVMTI.agent_load", asprof, "\"stop,file=" + cpu + ",collapsed\"");
    }
    return String.format(
        Locale.ROOT,
        "%n## profiled window of %s: %d starts, %.0f/s, proxy %d ticks; collapsed stacks in %s%n",
        label,
        m.ops,
        m.perSecond(),
        m.ticks.getOrDefault("proxy", 0L),
        cpu);
  }

  private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> d = new TreeMap<>();
    after.forEach((k, v) -> d.put(k, v - before.getOrDefault(k, 0L)));
    return d;
  }

  private static long jit(Map<String, Long> threads) {
    return threads.entrySet().stream()
        .filter(e -> e.getKey().contains("CompilerThre"))
        .mapToLong(Map.Entry::getValue)
        .sum();
  }

  private static Map<String, Long> nonZero(Map<String, Long> d) {
    Map<String, Long> out = new TreeMap<>();
    d.forEach(
        (k, v) -> {
          if (v > 0) {
            out.put(k, v);
          }
        });
    return out;
  }
}
