package dev.tempura.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A way to run Tempura's JVM whose warm-up (f) measures: a JDK and JIT or class-data-sharing
 * settings. Those with an archive are trained first by a separate run under the same load, as an
 * operator would at build or deploy time; the archive is then used by a fresh process whose first
 * minute is measured.
 */
enum Variant {
  DEFAULT("JDK 17, as the launcher runs it", false, List.of()),
  C1("JDK 17, C1 only (-XX:TieredStopAtLevel=1)", false, List.of("-XX:TieredStopAtLevel=1")),
  APPCDS("JDK 17 with an AppCDS archive", false, List.of()),
  JDK25("JDK 25", true, List.of()),
  JDK25_AOT("JDK 25 with an AOT cache (JEP 483/515: classes and profiles)", true, List.of()),
  SCALED(
      "JDK 17, JIT thresholds x0.1 (-XX:CompileThresholdScaling=0.1)",
      false,
      List.of("-XX:CompileThresholdScaling=0.1")),
  SCALED_05(
      "JDK 17, JIT thresholds x0.05 (-XX:CompileThresholdScaling=0.05)",
      false,
      List.of("-XX:CompileThresholdScaling=0.05")),
  JDK25_SCALED(
      "JDK 25, JIT thresholds x0.1 (-XX:CompileThresholdScaling=0.1)",
      true,
      List.of("-XX:CompileThresholdScaling=0.1")),
  // compiler threads at nice 10: the request threads (nice 0) win the cores while C2 works; raising
  // no priority, the setting needs no privilege
  NICE(
      "JDK 17, JIT threads at nice 10 (-XX:ThreadPriorityPolicy=1 -XX:CompilerThreadPriority=10)",
      false,
      List.of("-XX:ThreadPriorityPolicy=1", "-XX:CompilerThreadPriority=10")),
  PARALLEL("JDK 17, Parallel GC (-XX:+UseParallelGC)", false, List.of("-XX:+UseParallelGC"));

  private static final Logger log = LoggerFactory.getLogger(Variant.class);

  final String label;
  private final boolean jdk25;
  private final List<String> flags;

  Variant(String label, boolean jdk25, List<String> flags) {
    this.label = label;
    this.jdk25 = jdk25;
    this.flags = flags;
  }

  /** {@code jvms=default,c1,appcds,jdk25,jdk25aot,scaled,scaled05,jdk25scaled,nice,parallel} */
  static Variant parse(String name) {
    return switch (name) {
      case "default", "jdk17" -> DEFAULT;
      case "c1" -> C1;
      case "appcds" -> APPCDS;
      case "jdk25" -> JDK25;
      case "jdk25aot" -> JDK25_AOT;
      case "scaled" -> SCALED;
      case "scaled05" -> SCALED_05;
      case "jdk25scaled" -> JDK25_SCALED;
      case "nice" -> NICE;
      case "parallel" -> PARALLEL;
      default ->
          throw new IllegalArgumentException(
              "unknown JVM variant "
                  + name
                  + " (expected default, c1, appcds, jdk25, jdk25aot, scaled, scaled05,"
                  + " jdk25scaled, nice, parallel)");
    };
  }

  /** Its path's label when it runs beside the default in the rate tables. */
  String pathLabel() {
    return "Tempura (" + name().toLowerCase(java.util.Locale.ROOT) + ")";
  }

  /** The newer JDK installed beside the default one, if any. */
  static Optional<Path> jdk25Java() {
    Path jvms = Path.of("/usr/lib/jvm");
    if (!Files.isDirectory(jvms)) {
      return Optional.empty();
    }
    try (var list = Files.list(jvms)) {
      return list.filter(p -> p.getFileName().toString().matches(".*-25([.-].*)?"))
          .map(p -> p.resolve("bin/java"))
          .filter(Files::isExecutable)
          .sorted()
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  String java() {
    if (!jdk25) {
      return Jvm.java();
    }
    return jdk25Java()
        .map(Path::toString)
        .orElseThrow(() -> new IllegalStateException("no JDK 25 under /usr/lib/jvm"));
  }

  String describe(Path jar) {
    List<String> all = new ArrayList<>(TempuraProcess.JVM_FLAGS);
    all.addAll(flags);
    return java() + " " + String.join(" ", all) + " -jar " + jar.getFileName() + " serve";
  }

  /** A fresh Tempura run this way, with a virtual namespace on the null backend. */
  TempuraProcess start(String name, Path jar, Path work, String backend) throws Exception {
    return start(name, jar, work, backend, flags);
  }

  private TempuraProcess start(String name, Path jar, Path work, String backend, List<String> extra)
      throws Exception {
    TempuraProcess t = TempuraProcess.start(name, jar, work, extra, java());
    try {
      t.virtualNamespace(NullBench.NS, List.<String[]>of(new String[] {"null-a", backend}));
      return t;
    } catch (Exception | Error e) {
      t.close();
      throw e;
    }
  }

  /** Trains what needs training, then measures a fresh process's first minute. */
  NullBench.Warmup measure(NullBench bench, Path jar, Path work, String backend) throws Exception {
    String tag = name().toLowerCase(java.util.Locale.ROOT);
    List<String> run = new ArrayList<>(flags);
    String note = null;
    try {
      switch (this) {
        case APPCDS -> {
          Path archive = work.resolve("tempura-" + tag + ".jsa");
          train(bench, jar, work, backend, List.of("-XX:ArchiveClassesAtExit=" + archive));
          run.add("-XX:SharedArchiveFile=" + archive);
          note =
              "archive " + Files.size(archive) / 1024 / 1024 + " MiB, made by a 30 s training run";
        }
        case JDK25_AOT -> {
          Path conf = work.resolve("tempura-" + tag + ".aotconf");
          Path cache = work.resolve("tempura-" + tag + ".aot");
          train(
              bench,
              jar,
              work,
              backend,
              List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + conf));
          Jvm.run(
              java(),
              "-XX:AOTMode=create",
              "-XX:AOTConfiguration=" + conf,
              "-XX:AOTCache=" + cache,
              "-jar",
              jar.toString());
          run.add("-XX:AOTCache=" + cache);
          note = "cache " + Files.size(cache) / 1024 / 1024 + " MiB, made from a 30 s training run";
        }
        default -> {}
      }
    } catch (Exception | Error e) {
      log.warn("null: training {} failed", label, e);
      return new NullBench.Warmup(label, describe(jar), List.of(), "training failed: " + e);
    }
    try (TempuraProcess t = start("tempura-" + tag, jar, work, backend, run)) {
      List<String> all = new ArrayList<>(TempuraProcess.JVM_FLAGS);
      all.addAll(run);
      String command =
          java()
              + " "
              + String.join(" ", all).replace(work.toString(), "<dir>")
              + " -jar tempura.jar serve";
      return new NullBench.Warmup(
          label, command, bench.curve(t, bench.curveLength(), bench.curveRate()), note);
    }
  }

  private void train(NullBench bench, Path jar, Path work, String backend, List<String> extra)
      throws Exception {
    log.info("null: training {} for 30 s", label);
    TempuraProcess t =
        start(
            "tempura-train-" + name().toLowerCase(java.util.Locale.ROOT),
            jar,
            work,
            backend,
            extra);
    try {
      bench.curve(t, Duration.ofSeconds(30), bench.curveRate());
    } finally {
      t.close(); // SIGTERM: the archive is written as the JVM exits
    }
  }
}
