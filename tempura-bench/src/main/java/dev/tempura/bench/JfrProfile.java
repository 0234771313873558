package dev.tempura.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of a process the suite started ({@code jcmd <pid> JFR.start/JFR.stop}), boiled
 * down to where its CPU samples ({@code jdk.ExecutionSample}) fall: the top frames (self time), the
 * Tempura methods on the stack (inclusive time), and a rough split by library.
 */
final class JfrProfile {
  final long samples;
  final Map<String, Long> selfTop;
  final Map<String, Long> tempuraInclusive;
  final Map<String, Long> byLibrary;
  final Map<String, Long> byThread;

  private JfrProfile(
      long samples,
      Map<String, Long> selfTop,
      Map<String, Long> tempuraInclusive,
      Map<String, Long> byLibrary,
      Map<String, Long> byThread) {
    this.samples = samples;
    this.selfTop = selfTop;
    this.tempuraInclusive = tempuraInclusive;
    this.byLibrary = byLibrary;
    this.byThread = byThread;
  }

  static void start(long pid, String name) {
    Jvm.run(Jvm.tool("jcmd"), Long.toString(pid), "JFR.start", "name=" + name, "settings=profile");
  }

  static Path stop(long pid, String name, Path file) {
    Jvm.run(Jvm.tool("jcmd"), Long.toString(pid), "JFR.stop", "name=" + name, "filename=" + file);
    return file;
  }

  static JfrProfile read(Path file, int top) throws IOException {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> library = new HashMap<>();
    Map<String, Long> threads = new HashMap<>();
    long samples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || st.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = st.getFrames();
      String topFrame = name(frames.get(0));
      self.merge(topFrame, 1L, Long::sum);
      library.merge(library(frames), 1L, Long::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame f : frames) {
        String n = name(f);
        if (n.startsWith("dev.tempura.") && seen.add(n)) {
          inclusive.merge(n, 1L, Long::sum);
        }
      }
      var thread = e.getThread("sampledThread");
      String tn = thread == null ? "?" : thread.getJavaName();
      threads.merge(tn == null ? "?" : tn.replaceAll("[0-9]+", "N"), 1L, Long::sum);
    }
    return new JfrProfile(
        samples, top(self, top), top(inclusive, top), top(library, 20), top(threads, 8));
  }

  /** The library of the top frame, or Tempura when a Tempura frame is within the top five. */
  private static String library(List<RecordedFrame> frames) {
    String t = name(frames.get(0));
    if (t.startsWith("dev.tempura.")) {
      return "Tempura (dev.tempura)";
    }
    if (t.startsWith("io.grpc.netty.shaded.io.netty.")) {
      return "Netty (shaded in grpc)";
    }
    if (t.startsWith("io.grpc.")) {
      return "gRPC";
    }
    if (t.startsWith("com.google.protobuf.")) {
      return "protobuf";
    }
    if (t.startsWith("io.micrometer.") || t.startsWith("io.prometheus.")) {
      return "Micrometer";
    }
    if (t.startsWith("com.github.benmanes.caffeine.")) {
      return "Caffeine";
    }
    if (t.startsWith("org.h2.")) {
      return "H2 MVStore";
    }
    if (t.startsWith("java.") || t.startsWith("jdk.") || t.startsWith("sun.")) {
      return "JDK";
    }
    if (t.startsWith("ch.qos.logback.") || t.startsWith("org.slf4j.")) {
      return "logging";
    }
    return "other";
  }

  private static String name(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    return f.getMethod().getType().getName() + "." + f.getMethod().getName();
  }

  private static Map<String, Long> top(Map<String, Long> counts, int n) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(n)
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }
}
