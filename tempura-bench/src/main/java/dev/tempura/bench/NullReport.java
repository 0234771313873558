package dev.tempura.bench;

import static dev.tempura.bench.Report.f1;
import static dev.tempura.bench.Report.f3;
import static dev.tempura.bench.Report.pct;

import dev.tempura.bench.NullBench.Kind;
import dev.tempura.bench.NullBench.WarmupStep;
import dev.tempura.bench.NullBench.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/** (f) in BENCHMARKS.md: its targets, its tables and its raw windows. */
final class NullReport {
  static final double STALL_MS = 50;
  static final double JIT_SHARE = 0.05;
  static final int JIT_WITHIN_S = 30;
  static final int LATENCY_RATE = 600;

  /** A window's client counts as the bottleneck above this share of one core. */
  static final double CLIENT_CORE = 0.9;

  private final NullBench b;
  private final StringBuilder md = new StringBuilder();

  NullReport(NullBench b) {
    this.b = b;
  }

  /** Pooled figures of one path, call and rate over its rounds. */
  private static final class Pool {
    long ok;
    long due;
    long errors;
    long late;
    long nanos;
    long proxyNanos;
    long backendNanos;
    long clientNanos;
    long reads;
    long writes;
    final Histogram latencies = new Histogram(3);
    final Map<String, Long> groups = new TreeMap<>();
    final List<Window> windows = new ArrayList<>();
    String lastError;

    void add(Window w) {
      ok += w.result().ok;
      due += w.result().due;
      errors += w.result().errors;
      late += w.result().late;
      nanos += w.result().nanos;
      proxyNanos += w.proxyNanos();
      backendNanos += w.backendNanos();
      clientNanos += w.clientNanos();
      reads += w.proxyReads();
      writes += w.proxyWrites();
      latencies.add(w.result().latencies);
      ThreadCpu.byGroup(w.proxyThreads()).forEach((k, v) -> groups.merge(k, v, Long::sum));
      windows.add(w);
      if (w.result().lastError != null) {
        lastError = w.result().lastError;
      }
    }

    double perSecond() {
      return nanos == 0 ? Double.NaN : ok * 1e9 / nanos;
    }

    double ms(double p) {
      return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getValueAtPercentile(p) / 1e6;
    }

    double maxMs() {
      return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getMaxValue() / 1e6;
    }

    double micros(long nanos) {
      return ok == 0 ? Double.NaN : nanos / 1e3 / ok;
    }

    double clientCores() {
      return nanos == 0 ? Double.NaN : (double) clientNanos / nanos;
    }

    /** The client could not keep up: its core was full, or it sent behind its schedule. */
    boolean clientBound() {
      return clientCores() > CLIENT_CORE || due < 0.97 * scheduled();
    }

    /** Calls the schedule asked for over the windows. */
    double scheduled() {
      double s = 0;
      for (Window w : windows) {
        s += w.rate() * (w.result().nanos / 1e9);
      }
      return s;
    }

    double lateShare() {
      return due == 0 ? Double.NaN : (double) late / due;
    }
  }

  private Pool pool(int rate, Kind k, String path) {
    Pool p = new Pool();
    for (Window w : b.windows) {
      if (w.rate() == rate && w.kind() == k && w.path().equals(path)) {
        p.add(w);
      }
    }
    return p;
  }

  private Window window(int round, int rate, Kind k, String path) {
    for (Window w : b.windows) {
      if (w.round() == round && w.rate() == rate && w.kind() == k && w.path().equals(path)) {
        return w;
      }
    }
    return null;
  }

  private List<Integer> rates() {
    return new ArrayList<>(new TreeSet<>(b.windows.stream().map(Window::rate).toList()));
  }

  private List<Kind> kinds() {
    return new ArrayList<>(new TreeSet<>(b.windows.stream().map(Window::kind).toList()));
  }

  private int rounds() {
    return b.windows.stream().mapToInt(Window::round).max().orElse(0);
  }

  /** Median over rounds of Tempura's percentile minus direct's, in ms. */
  private double medianAdded(int rate, Kind k, double percentile) {
    List<Double> d = new ArrayList<>();
    for (int r = 1; r <= rounds(); r++) {
      Window t = window(r, rate, k, "Tempura");
      Window x = window(r, rate, k, "direct");
      if (t != null && x != null) {
        d.add(
            (t.result().latencies.getValueAtPercentile(percentile)
                    - x.result().latencies.getValueAtPercentile(percentile))
                / 1e6);
      }
    }
    return median(d);
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  // ---------------------------------------------------------------- targets

  /** The same build run with other JVM settings as paths of their own, if any. */
  private String alongside() {
    StringBuilder out = new StringBuilder();
    for (Variant v : b.settings().alongside()) {
      out.append(", ").append(v.pathLabel()).append(": this build run as ").append(v.label);
    }
    return out.toString();
  }

  /** The pass-throughs' CPU per call against nginx's, beside Tempura's: how low a JVM gets. */
  private String floors(int rate, Kind k, Pool nginx) {
    StringBuilder out = new StringBuilder();
    for (String floor : List.of(NullBench.PASS, NullBench.FRAME)) {
      Pool p = pool(rate, k, floor);
      if (!p.windows.isEmpty()) {
        out.append(out.length() == 0 ? "; " : ", ")
            .append(floor)
            .append(" ")
            .append(Report.f2(p.micros(p.proxyNanos) / nginx.micros(nginx.proxyNanos)))
            .append("x");
      }
    }
    return out.toString();
  }

  /** The targets that (f) checks: {part, target, measured, verdict}. */
  List<String[]> targets() {
    List<String[]> out = new ArrayList<>();
    if (b.windows.isEmpty()) {
      return out;
    }
    boolean nginx = b.labels.contains("nginx");
    for (Kind k : kinds()) {
      if (!nginx) {
        out.add(row("(f) " + k.label, "proxy CPU per call ≤ nginx's", "nginx not run", null));
        continue;
      }
      List<String> parts = new ArrayList<>();
      boolean met = true;
      for (int rate : rates()) {
        Pool t = pool(rate, k, "Tempura");
        Pool n = pool(rate, k, "nginx");
        double ratio = t.micros(t.proxyNanos) / n.micros(n.proxyNanos);
        met &= ratio <= 1;
        parts.add(
            rate
                + "/s: "
                + f1(t.micros(t.proxyNanos))
                + " vs "
                + f1(n.micros(n.proxyNanos))
                + " µs ("
                + Report.f2(ratio)
                + "x"
                + floors(rate, k, n)
                + ")");
      }
      out.add(
          row(
              "(f) " + k.label,
              "proxy CPU per call ≤ nginx's at every rate",
              String.join("; ", parts),
              met));
    }
    int lr = rates().contains(LATENCY_RATE) ? LATENCY_RATE : -1;
    if (lr > 0) {
      Pool t = pool(lr, Kind.START, "Tempura");
      Pool d = pool(lr, Kind.START, "direct");
      double p50 = t.ms(50) - d.ms(50);
      double m50 = medianAdded(lr, Kind.START, 50);
      out.add(
          row(
              "(f) start",
              "added latency at " + lr + "/s: p50 ≤ " + Report.ADDED_P50_MS + " ms",
              Report.ms(p50)
                  + " ("
                  + f3(t.ms(50))
                  + " vs "
                  + f3(d.ms(50))
                  + " ms; median of the per-round differences "
                  + Report.ms(m50)
                  + ")",
              p50 <= Report.ADDED_P50_MS && m50 <= Report.ADDED_P50_MS));
      double p99 = t.ms(99) - d.ms(99);
      double m99 = medianAdded(lr, Kind.START, 99);
      out.add(
          row(
              "(f) start",
              "added latency at " + lr + "/s: p99 ≤ " + Report.ADDED_P99_MS + " ms",
              Report.ms(p99)
                  + " ("
                  + f3(t.ms(99))
                  + " vs "
                  + f3(d.ms(99))
                  + " ms; median of the per-round differences "
                  + Report.ms(m99)
                  + ")",
              p99 <= Report.ADDED_P99_MS && m99 <= Report.ADDED_P99_MS));
      double worst = 0;
      for (Kind k : kinds()) {
        worst = Math.max(worst, pool(lr, k, "Tempura").maxMs());
      }
      double direct = 0;
      for (Kind k : kinds()) {
        direct = Math.max(direct, pool(lr, k, "direct").maxMs());
      }
      out.add(
          row(
              "(f) all calls",
              "no stall over " + (int) STALL_MS + " ms at " + lr + "/s",
              "longest call through Tempura " + f1(worst) + " ms (direct " + f1(direct) + " ms)",
              worst <= STALL_MS));
    }
    if (b.maxRate > 0) {
      Pool t = pool(b.maxRate, Kind.START, "Tempura");
      Pool d = pool(b.maxRate, Kind.START, "direct");
      List<Double> ratios = new ArrayList<>();
      for (int r = 1; r <= rounds(); r++) {
        Window tw = window(r, b.maxRate, Kind.START, "Tempura");
        Window dw = window(r, b.maxRate, Kind.START, "direct");
        if (tw != null && dw != null && dw.result().ok > 0) {
          ratios.add((double) tw.result().ok / dw.result().ok);
        }
      }
      double pooled = t.perSecond() / d.perSecond();
      double med = median(ratios);
      out.add(
          row(
              "(f) start",
              "at the highest rate direct sustains ("
                  + b.maxRate
                  + "/s): throughput ≥ 95% of direct",
              pct(pooled)
                  + " ("
                  + Report.f0(t.perSecond())
                  + " vs "
                  + Report.f0(d.perSecond())
                  + "/s; median of the per-round ratios "
                  + pct(med)
                  + ")",
              pooled >= Report.THROUGHPUT_RATIO && med >= Report.THROUGHPUT_RATIO));
    }
    for (NullBench.Warmup w : b.warmups) {
      if (w.steps().isEmpty()) {
        continue;
      }
      double worst = 0;
      boolean any = false;
      for (WarmupStep s : w.steps()) {
        if (s.second() > JIT_WITHIN_S) {
          worst = Math.max(worst, s.jitShare());
          any = true;
        }
      }
      if (!any) {
        out.add(
            row(
                "(f) warm-up, " + w.label(),
                "JIT < 5% of the proxy's CPU from " + JIT_WITHIN_S + " s of load on",
                "the curve ended before " + JIT_WITHIN_S + " s",
                null));
        continue;
      }
      out.add(
          row(
              "(f) warm-up, " + w.label(),
              "JIT < 5% of the proxy's CPU from " + JIT_WITHIN_S + " s of load on",
              "highest 5 s share after " + JIT_WITHIN_S + " s: " + pct(worst),
              worst < JIT_SHARE));
    }
    return out;
  }

  private static String[] row(String part, String target, String measured, Boolean met) {
    return new String[] {
      part, target, measured, met == null ? "NOT MEASURED" : met ? "**MET**" : "**MISSED**"
    };
  }

  // ---------------------------------------------------------------- section

  String section() {
    line("## (f) The proxy's own cost: a null backend");
    line();
    line(
        "The backend answers StartWorkflowExecution, SignalWorkflowExecution and"
            + " DescribeWorkflowExecution at once with a fixed response (`dev.tempura.bench.NullBackend`,"
            + " its own JVM; it also answers what Tempura asks of a backend: DescribeNamespace,"
            + " GetSystemInfo, ListSearchAttributes, health). So what a path adds is the proxy's own cost."
            + " Paths: direct, Tempura (embedded store, a virtual namespace with one physical namespace on"
            + " it), nginx `grpc_pass` (kept-alive upstream), a grpc-java pass-through"
            + " (`GrpcPassThrough`, its own JVM with Tempura's flags: every call's bytes forwarded"
            + " unchanged over the transport Tempura sets up, the same event loops, one backend channel"
            + " per loop, direct executors, and nothing else: the floor of a proxy built on grpc-java's"
            + " call layer), a frame pass-through (`FramePassThrough`, the same setup without grpc-java:"
            + " HTTP/2 frames relayed stream by stream with Netty's frame codec on the loop that owns"
            + " the upstream connection, headers and DATA unchanged: the floor of a JVM proxy below"
            + " gRPC's call layer)"
            + (b.labels.contains(BenchSuite.BASELINE) ? ", an earlier build (baseline)" : "")
            + alongside()
            + ". The load is open loop (`OpenLoop`): one pacing thread sends on a fixed schedule over one"
            + " channel (one HTTP/2 connection) and does not wait for answers, so a stall cannot slow the"
            + " schedule; latency is counted from the moment each call was due. Each window is "
            + b.settings().window().toSeconds()
            + " s after a "
            + b.settings().ramp().toMillis()
            + " ms ramp; for each rate, "
            + rounds()
            + " rounds, each with every call kind on every path, the order of the paths rotating. Signals"
            + " and describes go to workflows started on the same path earlier. CPU: per thread, from"
            + " `/proc/<pid>/task/<tid>/schedstat` (nanoseconds, not 10 ms ticks), read at the window's"
            + " edges; nginx's is its master and workers. Proxy reads and writes are the read and write system"
            + " calls of /proc/<pid>/io (`syscr`, `syscw`) per answered call: the kernel counts"
            + " read, readv, write, writev and eventfd wake-ups there, not recv or send, which is what nginx"
            + " reads with, so nginx's reads show as few. The client (this suite's JVM, ticks) is shown as"
            + " a share of one core: a window is **client-bound** when that share is over "
            + (int) (CLIENT_CORE * 100)
            + "% or the client sent fewer than 97% of the calls its schedule asked for. \"client late\" is"
            + " the share of calls the pacing thread sent more than "
            + OpenLoop.LATE_NANOS / 1_000_000
            + " ms after they were due: the machine did not run it in time (their latency counts from when"
            + " they were due, so this falls on every path alike). The highest rate is the last of direct's 2 s steps (each 1.4 times the"
            + " last) that answered ≥ 97% of its schedule with p99 < 50 ms.");
    line();
    if (!b.calibration.isEmpty()) {
      line("Calibration (direct, starts):");
      line();
      line("| rate /s | answered | due | late sends | p99 ms | held |");
      line("|---|---|---|---|---|---|");
      b.calibration.forEach(
          (rate, res) ->
              line(
                  "| "
                      + rate
                      + " | "
                      + res.ok
                      + " | "
                      + res.due
                      + " | "
                      + res.late
                      + " | "
                      + f3(res.latencies.getValueAtPercentile(99) / 1e6)
                      + " | "
                      + (rate <= b.maxRate ? "yes" : "no")
                      + " |"));
      line();
    }
    line(
        "Per rate and call, pooled over the rounds. Added = Tempura's percentile minus direct's (the"
            + " median of per-round differences in brackets). Proxy CPU is per answered call; the thread"
            + " groups are those of the JVM paths (event loops `tempura-io-*`, `pass-io-*`,"
            + " `frame-io-*`, store `tempura-store-*`, JIT `C1/C2 CompilerThread`, GC with the VM"
            + " thread, other).");
    line();
    line(
        "| rate /s | call | path | answered /s | p50 ms | p99 ms | p99.9 ms | max ms | added p50 ms |"
            + " added p99 ms | proxy CPU µs/call | vs nginx | event loops | store | JIT | GC | other |"
            + " proxy reads/call | proxy writes/call | backend µs/call | client core | client late |"
            + " errors |");
    line(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (int rate : rates()) {
      for (Kind k : kinds()) {
        Pool n = pool(rate, k, "nginx");
        Pool d = pool(rate, k, "direct");
        for (String label : b.labels) {
          Pool p = pool(rate, k, label);
          if (p.windows.isEmpty()) {
            continue;
          }
          boolean tempura = label.equals("Tempura");
          boolean java = tempura || NullBench.isOtherJvm(label);
          double cpu = label.equals("direct") ? Double.NaN : p.micros(p.proxyNanos);
          line(
              "| "
                  + rate
                  + (rate == b.maxRate ? " (max)" : "")
                  + " | "
                  + k.label
                  + " | "
                  + label
                  + " | "
                  + Report.f0(p.perSecond())
                  + " | "
                  + f3(p.ms(50))
                  + " | "
                  + f3(p.ms(99))
                  + " | "
                  + f3(p.ms(99.9))
                  + " | "
                  + f1(p.maxMs())
                  + " | "
                  + (label.equals("direct")
                      ? " | "
                      : f3(p.ms(50) - d.ms(50))
                          + (tempura ? " (" + f3(medianAdded(rate, k, 50)) + ")" : "")
                          + " | "
                          + f3(p.ms(99) - d.ms(99))
                          + (tempura ? " (" + f3(medianAdded(rate, k, 99)) + ")" : ""))
                  + " | "
                  + f1(cpu)
                  + " | "
                  + (label.equals("direct") || label.equals("nginx") || n.windows.isEmpty()
                      ? ""
                      : Report.f2(cpu / n.micros(n.proxyNanos)) + "x")
                  + " | "
                  + (java ? group(p, "event loops") : "")
                  + " | "
                  + (java ? group(p, "store") : "")
                  + " | "
                  + (java ? group(p, "JIT") : "")
                  + " | "
                  + (java ? group(p, "GC") : "")
                  + " | "
                  + (java ? group(p, "other") : "")
                  + " | "
                  + (label.equals("direct") ? "" : Report.f2(perCall(p.reads, p.ok)))
                  + " | "
                  + (label.equals("direct") ? "" : Report.f2(perCall(p.writes, p.ok)))
                  + " | "
                  + f1(p.micros(p.backendNanos))
                  + " | "
                  + pct(p.clientCores())
                  + (p.clientBound() ? " **client-bound**" : "")
                  + " | "
                  + pct(p.lateShare())
                  + " | "
                  + p.errors
                  + (p.errors > 0 && p.lastError != null
                      ? " (" + p.lastError.replace("|", "\\|") + ")"
                      : "")
                  + " |");
        }
      }
    }
    line();
    threads();
    warmups();
    raw();
    return md.toString();
  }

  private static double perCall(long n, long calls) {
    return calls == 0 ? Double.NaN : (double) n / calls;
  }

  private static String group(Pool p, String g) {
    return f1(p.micros(p.groups.getOrDefault(g, 0L)));
  }

  /** Tempura's threads by name over all its windows, per call. */
  private void threads() {
    Map<String, Long> names = new TreeMap<>();
    long calls = 0;
    for (Window w : b.windows) {
      if (w.path().equals("Tempura")) {
        w.proxyThreads().forEach((k, v) -> names.merge(k, v, Long::sum));
        calls += w.result().ok;
      }
    }
    if (calls == 0) {
      return;
    }
    long total = names.values().stream().mapToLong(Long::longValue).sum();
    line(
        "Tempura's CPU by thread over all its windows (names as the kernel keeps them, digits folded"
            + " to N), per call of every kind and rate:");
    line();
    line("| thread | group | µs/call | share |");
    line("|---|---|---|---|");
    long c = calls;
    names.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .filter(e -> e.getValue() * 1000 >= total)
        .forEach(
            e ->
                line(
                    "| `"
                        + e.getKey()
                        + "` | "
                        + ThreadCpu.group(e.getKey())
                        + " | "
                        + f1(e.getValue() / 1e3 / c)
                        + " | "
                        + pct((double) e.getValue() / total)
                        + " |"));
    line();
  }

  private void warmups() {
    if (b.warmups.isEmpty()) {
      return;
    }
    line("### Warm-up: the first minute of a fresh Tempura, starts at " + b.curveRate() + "/s");
    line();
    line(
        "Each column a fresh process, load from its first second, in 5 s steps: the JIT compiler"
            + " threads' share of the process's CPU, the process's CPU per start (all threads), and the"
            + " step's p99. The steady figure is the mean of the last three steps.");
    line();
    for (NullBench.Warmup w : b.warmups) {
      line(
          "- **"
              + w.label()
              + "**: `"
              + w.command()
              + "`"
              + (w.note() == null ? "" : "; " + w.note()));
    }
    line();
    StringBuilder head = new StringBuilder("| second |");
    StringBuilder sep = new StringBuilder("|---|");
    for (NullBench.Warmup w : b.warmups) {
      head.append(" ").append(w.label()).append(": JIT | µs/start | p99 ms |");
      sep.append("---|---|---|");
    }
    line(head.toString());
    line(sep.toString());
    int n = b.warmups.stream().mapToInt(w -> w.steps().size()).max().orElse(0);
    for (int i = 0; i < n; i++) {
      StringBuilder row = new StringBuilder("| ");
      row.append((i + 1) * 5).append(" |");
      for (NullBench.Warmup w : b.warmups) {
        if (i < w.steps().size()) {
          WarmupStep s = w.steps().get(i);
          row.append(" ")
              .append(pct(s.jitShare()))
              .append(" | ")
              .append(f1(s.microsPerCall()))
              .append(" | ")
              .append(f3(s.p99ms()))
              .append(" |");
        } else {
          row.append(" | | |");
        }
      }
      line(row.toString());
    }
    StringBuilder steady = new StringBuilder("| steady (last 15 s) |");
    for (NullBench.Warmup w : b.warmups) {
      List<WarmupStep> s = w.steps();
      List<WarmupStep> last = s.subList(Math.max(0, s.size() - 3), s.size());
      long nanos = last.stream().mapToLong(WarmupStep::proxyNanos).sum();
      long calls = last.stream().mapToLong(WarmupStep::calls).sum();
      double jit =
          last.stream().mapToDouble(x -> x.jitShare() * x.proxyNanos()).sum() / Math.max(1, nanos);
      steady
          .append(" ")
          .append(pct(jit))
          .append(" | ")
          .append(f1(calls == 0 ? Double.NaN : nanos / 1e3 / calls))
          .append(" | |");
    }
    line(steady.toString());
    line();
  }

  private void raw() {
    line("<details><summary>Raw windows of (f)</summary>");
    line();
    line(
        "| rate /s | round | call | path | due | answered | late sends | p50 ms | p99 ms | max ms |"
            + " proxy µs/call | backend µs/call | client core |");
    line("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Window w : b.windows) {
      OpenLoop.Result r = w.result();
      double ok = Math.max(1, r.ok);
      line(
          "| "
              + w.rate()
              + " | "
              + w.round()
              + " | "
              + w.kind().label
              + " | "
              + w.path()
              + " | "
              + r.due
              + " | "
              + r.ok
              + " | "
              + r.late
              + " | "
              + f3(r.latencies.getValueAtPercentile(50) / 1e6)
              + " | "
              + f3(r.latencies.getValueAtPercentile(99) / 1e6)
              + " | "
              + f1(r.latencies.getMaxValue() / 1e6)
              + " | "
              + (w.path().equals("direct") ? "" : f1(w.proxyNanos() / 1e3 / ok))
              + " | "
              + f1(w.backendNanos() / 1e3 / ok)
              + " | "
              + pct((double) w.clientNanos() / r.nanos)
              + " |");
    }
    line();
    line("</details>");
    line();
  }

  private void line(String s) {
    md.append(s).append('\n');
  }

  private void line() {
    md.append('\n');
  }
}
