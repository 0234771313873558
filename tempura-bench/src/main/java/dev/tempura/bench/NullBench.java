package dev.tempura.bench;

import com.google.protobuf.ByteString;
import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (f) The proxy's own cost: direct, Tempura and nginx in front of {@link NullBackend}, open loop
 * ({@link OpenLoop}) at fixed rates, in interleaved rounds. Each window samples the CPU of the
 * proxy (per thread, from schedstat), the backend and the client (this JVM). Before the rounds, a
 * fresh Tempura's first minute under load gives the warm-up curve; {@code jvms=} adds the same
 * curve for other JDKs and JIT settings, each in a fresh process.
 */
final class NullBench {
  private static final Logger log = LoggerFactory.getLogger(NullBench.class);

  static final String NS = "bench-null";

  /** The path through {@link GrpcPassThrough}: grpc-java's floor for a proxy. */
  static final String PASS = "grpc-java pass-through";

  /** The path through {@link FramePassThrough}: a JVM proxy's floor below grpc-java. */
  static final String FRAME = "frame pass-through";

  /** A JVM path besides the first Tempura: the baseline, a variant beside it, a pass-through. */
  static boolean isOtherJvm(String label) {
    return label.startsWith("Tempura (") || label.equals(PASS) || label.equals(FRAME);
  }

  /** A pass-through in its own JVM, with Tempura's flags. */
  private record Floor(ChildProcess process, String address) {}

  private Floor floor(String name, Class<?> main, String backend) {
    int port = Ports.freePort();
    List<String> command = new ArrayList<>();
    command.add(Jvm.java());
    command.addAll(TempuraProcess.JVM_FLAGS);
    command.addAll(
        List.of("-cp", Jvm.classpath(), main.getName(), Integer.toString(port), backend));
    ChildProcess p = Jvm.start(name, command, work);
    try {
      p.awaitPort(port, Duration.ofSeconds(60));
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return new Floor(p, "127.0.0.1:" + port);
  }

  /** The calls measured. */
  enum Kind {
    START("start"),
    SIGNAL("signal"),
    DESCRIBE("describe");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One way to the backend; {@code proxy} null for direct. */
  record Route(String label, String endpoint, String namespace, ChildProcess proxy) {}

  /** One measured window. */
  record Window(
      int round,
      int rate,
      Kind kind,
      String path,
      OpenLoop.Result result,
      Map<String, Long> proxyThreads,
      long proxyNanos,
      long backendNanos,
      long clientNanos,
      long proxyReads,
      long proxyWrites) {}

  /** One 5 s step of a fresh Tempura's first minute. */
  record WarmupStep(
      int second, long calls, double p99ms, Map<String, Long> threads, long proxyNanos) {
    double jitShare() {
      long jit =
          threads.entrySet().stream()
              .filter(e -> ThreadCpu.group(e.getKey()).equals("JIT"))
              .mapToLong(Map.Entry::getValue)
              .sum();
      return proxyNanos == 0 ? Double.NaN : (double) jit / proxyNanos;
    }

    double microsPerCall() {
      return calls == 0 ? Double.NaN : proxyNanos / 1e3 / calls;
    }
  }

  /** A JVM setup whose warm-up was measured: its label, how it ran, its curve. */
  record Warmup(String label, String command, List<WarmupStep> steps, String note) {}

  final List<Window> windows = new ArrayList<>();
  final List<Warmup> warmups = new ArrayList<>();
  final Map<Integer, OpenLoop.Result> calibration = new LinkedHashMap<>();
  int maxRate;
  final List<String> labels = new ArrayList<>();
  String nginxConfig;

  private final NullSettings s;
  private final Path work;
  private final String runId = UUID.randomUUID().toString().substring(0, 8);
  private final Map<String, List<String>> started = new LinkedHashMap<>();
  // starts made per path: every start needs an id of its own (a repeated id is a duplicate start,
  // answered from Tempura's mapping cache without a placement)
  private final Map<String, AtomicLong> starts = new LinkedHashMap<>();
  private ChildProcess backend;

  NullBench(NullSettings s, Path work) {
    this.s = s;
    this.work = work;
  }

  void run(Path jar, Path baseline, java.util.Optional<Path> nginx) throws Exception {
    int port = Ports.freePort();
    backend =
        Jvm.start(
            "null-backend",
            List.of(
                Jvm.java(),
                "-Xms256m",
                "-Xmx512m",
                "-XX:+UseParallelGC",
                "-cp",
                Jvm.classpath(),
                NullBackend.class.getName(),
                Integer.toString(port)),
            work);
    NginxProcess n = null;
    TempuraProcess tempura = null;
    TempuraProcess old = null;
    List<TempuraProcess> alongside = new ArrayList<>();
    Floor pass = null;
    Floor frame = null;
    try {
      backend.awaitPort(port, Duration.ofSeconds(60));
      String address = "127.0.0.1:" + port;
      List<Route> paths = new ArrayList<>();
      paths.add(new Route("direct", address, "direct", null));
      // the first minute of a fresh Tempura under load is the warm-up curve
      tempura = Variant.DEFAULT.start("tempura-null", jar, work, address);
      paths.add(new Route("Tempura", tempura.address(), NS, tempura.process()));
      warmups.add(
          new Warmup(
              Variant.DEFAULT.label,
              Variant.DEFAULT.describe(jar),
              curve(tempura, s.curve(), s.curveRate()),
              null));
      if (baseline != null) {
        old = Variant.DEFAULT.start("tempura-null-baseline", baseline, work, address);
        paths.add(new Route(BenchSuite.BASELINE, old.address(), NS, old.process()));
      }
      for (Variant v : s.alongside()) {
        TempuraProcess t =
            v.start(
                "tempura-null-" + v.name().toLowerCase(java.util.Locale.ROOT), jar, work, address);
        alongside.add(t);
        paths.add(new Route(v.pathLabel(), t.address(), NS, t.process()));
      }
      pass = floor("grpc-pass-through", GrpcPassThrough.class, address);
      paths.add(new Route(PASS, pass.address, "direct", pass.process));
      frame = floor("frame-pass-through", FramePassThrough.class, address);
      paths.add(new Route(FRAME, frame.address, "direct", frame.process));
      if (nginx.isPresent()) {
        n = NginxProcess.start(nginx.get(), work, address);
        nginxConfig = n.configText();
        paths.add(new Route("nginx", n.address(), "direct", n.process()));
      }
      paths.forEach(p -> labels.add(p.label()));
      Map<String, ManagedChannel> channels = new LinkedHashMap<>();
      try {
        for (Route p : paths) {
          channels.put(p.label(), channel(p.endpoint()));
        }
        // every path and call settles
        for (Route p : paths) {
          // the other JVMs get the long warm-up the first had in its curve
          Duration warm = isOtherJvm(p.label()) ? s.curve() : Duration.ofSeconds(3);
          for (Kind k : Kind.values()) {
            Duration d = k == Kind.START ? warm : Duration.ofSeconds(3);
            log.info("null: warming up {} {} for {}", p.label(), k.label, d);
            OpenLoop.run(
                channels.get(p.label()),
                method(k),
                request(k, p),
                s.curveRate(),
                Duration.ZERO,
                d,
                () -> {},
                () -> {});
          }
        }
        maxRate = s.maxRate() > 0 ? s.maxRate() : calibrate(paths.get(0), channels.get("direct"));
        List<Integer> rates = new ArrayList<>(s.rates());
        if (!rates.contains(maxRate)) {
          rates.add(maxRate);
        }
        for (int rate : rates) {
          for (int r = 0; r < s.rounds(); r++) {
            for (Kind k : s.kinds()) {
              for (int i = 0; i < paths.size(); i++) {
                Route p = paths.get((i + r + k.ordinal()) % paths.size());
                Window w = window(r + 1, rate, k, p, channels.get(p.label()));
                windows.add(w);
                log.info(
                    "null {}/s round {} {} {}: {}/s p50 {} p99 {} max {} ms, proxy {} µs/call,"
                        + " client {}% of a core",
                    rate,
                    r + 1,
                    k.label,
                    p.label(),
                    Math.round(w.result().ok * 1e9 / w.result().nanos),
                    StartBench.fmt(w.result().latencies.getValueAtPercentile(50) / 1e6),
                    StartBench.fmt(w.result().latencies.getValueAtPercentile(99) / 1e6),
                    StartBench.fmt(w.result().latencies.getMaxValue() / 1e6),
                    Math.round(w.proxyNanos() / 1e3 / Math.max(1, w.result().ok)),
                    Math.round(100.0 * w.clientNanos() / w.result().nanos));
              }
            }
          }
        }
      } finally {
        channels.values().forEach(Grpc::close);
      }
    } finally {
      if (n != null) {
        n.close();
      }
      if (pass != null) {
        pass.process.close();
      }
      if (frame != null) {
        frame.process.close();
      }
      if (old != null) {
        old.close();
      }
      alongside.forEach(TempuraProcess::close);
      if (tempura != null) {
        tempura.close();
      }
    }
    try {
      for (Variant v : s.variants()) {
        if (v == Variant.DEFAULT) {
          continue;
        }
        warmups.add(v.measure(this, jar, work, "127.0.0.1:" + port));
      }
    } finally {
      backend.stop();
    }
  }

  /** The first {@code length} of load on a fresh Tempura, in 5 s steps. */
  List<WarmupStep> curve(TempuraProcess t, Duration length, int rate) {
    Route p = new Route("Tempura", t.address(), NS, t.process());
    ManagedChannel ch = channel(t.address());
    List<WarmupStep> steps = new ArrayList<>();
    try {
      int step = 5;
      for (int second = 0; second < length.toSeconds(); second += step) {
        Map<String, ThreadCpu.Thread>[] before = sampleHolder();
        Map<String, ThreadCpu.Thread>[] after = sampleHolder();
        List<Long> pids = List.of(t.process().pid());
        OpenLoop.Result res =
            OpenLoop.run(
                ch,
                method(Kind.START),
                request(Kind.START, p),
                rate,
                Duration.ZERO,
                Duration.ofSeconds(step),
                () -> before[0] = ThreadCpu.sample(pids),
                () -> after[0] = ThreadCpu.sample(pids));
        Map<String, Long> d = ThreadCpu.delta(before[0], after[0]);
        WarmupStep w =
            new WarmupStep(
                second + step,
                res.ok,
                res.latencies.getValueAtPercentile(99) / 1e6,
                d,
                ThreadCpu.total(d));
        steps.add(w);
        log.info(
            "null warm-up {} s: JIT {} of Tempura's CPU, {} µs/start, p99 {} ms",
            w.second(),
            StartBench.fmt(w.jitShare()),
            Math.round(w.microsPerCall()),
            StartBench.fmt(w.p99ms()));
      }
    } finally {
      Grpc.close(ch);
    }
    return steps;
  }

  /**
   * The highest rate direct sustains: open-loop steps of 2 s, each 1.4 times the last, until one
   * falls behind (under 97% of its schedule answered in time, the client late, an error) or its p99
   * passes 50 ms; the last step that held.
   */
  private int calibrate(Route direct, ManagedChannel ch) {
    int rate = s.calibrateFrom();
    int best = 0;
    while (rate <= 50_000) {
      OpenLoop.Result res =
          OpenLoop.run(
              ch,
              method(Kind.START),
              request(Kind.START, direct),
              rate,
              Duration.ofMillis(500),
              Duration.ofSeconds(2),
              () -> {},
              () -> {});
      calibration.put(rate, res);
      boolean held =
          res.errors == 0
              && res.ok >= 0.97 * res.due
              && res.due >= 0.97 * rate * res.nanos / 1e9
              && res.late <= 0.05 * res.due
              && res.latencies.getValueAtPercentile(99) < 50_000_000L;
      log.info(
          "null calibration {}/s: {} answered of {} due, {} late, p99 {} ms: {}",
          rate,
          res.ok,
          res.due,
          res.late,
          StartBench.fmt(res.latencies.getValueAtPercentile(99) / 1e6),
          held ? "held" : "fell behind");
      if (!held) {
        break;
      }
      best = rate;
      rate = (int) Math.round(rate * 1.4 / 100.0) * 100;
    }
    return best == 0 ? s.calibrateFrom() / 2 : best;
  }

  private Window window(int round, int rate, Kind k, Route p, ManagedChannel ch) {
    List<Long> proxy = p.proxy() == null ? List.of() : List.of(p.proxy().pid());
    List<Long> back = List.of(backend.pid());
    long self = ProcessHandle.current().pid();
    Map<String, ThreadCpu.Thread>[] pb = sampleHolder();
    Map<String, ThreadCpu.Thread>[] pa = sampleHolder();
    long[] other = new long[8];
    OpenLoop.Result res =
        OpenLoop.run(
            ch,
            method(k),
            request(k, p),
            rate,
            s.ramp(),
            s.window(),
            () -> {
              pb[0] = ThreadCpu.sample(proxy);
              long[] io = syscalls(proxy);
              other[4] = io[0];
              other[5] = io[1];
              other[0] = ThreadCpu.total(ThreadCpu.delta(Map.of(), ThreadCpu.sample(back)));
              other[1] = ProcStat.ticks(self);
            },
            () -> {
              pa[0] = ThreadCpu.sample(proxy);
              long[] io = syscalls(proxy);
              other[6] = io[0];
              other[7] = io[1];
              other[2] = ThreadCpu.total(ThreadCpu.delta(Map.of(), ThreadCpu.sample(back)));
              other[3] = ProcStat.ticks(self);
            });
    Map<String, Long> threads = ThreadCpu.delta(pb[0], pa[0]);
    return new Window(
        round,
        rate,
        k,
        p.label(),
        res,
        threads,
        ThreadCpu.total(threads),
        other[2] - other[0],
        (other[3] - other[1]) * 1_000_000_000L / ProcStat.clkTck(),
        other[6] - other[4],
        other[7] - other[5]);
  }

  /**
   * Read and write system calls so far ({@code syscr}, {@code syscw} of /proc/<pid>/io) of the
   * proxy's processes and their children (nginx's workers): how many reads, writes and flushes a
   * call costs.
   */
  private static long[] syscalls(List<Long> pids) {
    long[] out = new long[2];
    for (long pid : pids) {
      List<Long> all = new ArrayList<>(ProcStat.children(pid));
      all.add(pid);
      for (long p : all) {
        Map<String, Long> io = ProcStat.io(p);
        out[0] += io.getOrDefault("syscr", 0L);
        out[1] += io.getOrDefault("syscw", 0L);
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, ThreadCpu.Thread>[] sampleHolder() {
    return new Map[] {Map.of()};
  }

  private static ManagedChannel channel(String target) {
    // answers are handled on the channel's event loop: no executor hand-off in the client
    return NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor().build();
  }

  @SuppressWarnings("unchecked")
  private static <Q> MethodDescriptor<Q, ?> method(Kind k) {
    return (MethodDescriptor<Q, ?>)
        switch (k) {
          case START -> WorkflowServiceGrpc.getStartWorkflowExecutionMethod();
          case SIGNAL -> WorkflowServiceGrpc.getSignalWorkflowExecutionMethod();
          case DESCRIBE -> WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod();
        };
  }

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

  /**
   * Requests for a path: starts take new ids (kept, up to 20,000 a path, for the sticky calls);
   * signals and describes go round the ids that path started, so that Tempura has their mappings.
   */
  @SuppressWarnings("unchecked")
  <Q> LongFunction<Q> request(Kind k, Route p) {
    List<String> ids = started.computeIfAbsent(p.label(), x -> new ArrayList<>());
    AtomicLong made = starts.computeIfAbsent(p.label(), x -> new AtomicLong());
    String prefix = "null-" + runId + "-" + p.label().replaceAll("[^A-Za-z]", "") + "-";
    return switch (k) {
      case START ->
          seq -> {
            String id = prefix + made.getAndIncrement();
            // signals and describes pick among the first ones
            if (ids.size() < 20_000) {
              ids.add(id);
            }
            return (Q)
                StartWorkflowExecutionRequest.newBuilder()
                    .setNamespace(p.namespace())
                    .setWorkflowId(id)
                    .setWorkflowType(WorkflowType.newBuilder().setName("ExecuteActivity"))
                    .setTaskQueue(TaskQueue.newBuilder().setName("bench-null"))
                    .setInput(INPUT)
                    .setIdentity("tempura-bench")
                    .setRequestId(UUID.randomUUID().toString())
                    .build();
          };
      case SIGNAL ->
          seq ->
              (Q)
                  SignalWorkflowExecutionRequest.newBuilder()
                      .setNamespace(p.namespace())
                      .setWorkflowExecution(
                          WorkflowExecution.newBuilder().setWorkflowId(pick(ids, seq)))
                      .setSignalName("bench")
                      .setInput(INPUT)
                      .setIdentity("tempura-bench")
                      .setRequestId(UUID.randomUUID().toString())
                      .build();
      case DESCRIBE ->
          seq ->
              (Q)
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(p.namespace())
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(pick(ids, seq)))
                      .build();
    };
  }

  private static String pick(List<String> ids, long seq) {
    if (ids.isEmpty()) {
      throw new IllegalStateException("no workflow started on this path yet");
    }
    return ids.get((int) (seq % ids.size()));
  }

  ChildProcess backend() {
    return backend;
  }

  Duration curveLength() {
    return s.curve();
  }

  int curveRate() {
    return s.curveRate();
  }

  NullSettings settings() {
    return s;
  }
}
