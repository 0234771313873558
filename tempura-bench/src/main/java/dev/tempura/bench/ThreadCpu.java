package dev.tempura.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time per thread in nanoseconds, from {@code /proc/<pid>/task/<tid>/schedstat} (its first
 * field: time on a CPU). Finer than the 10 ms ticks of {@code /proc/<pid>/stat}, which a 3 s window
 * of 300 calls at 100/s would see as a handful of ticks. A sample is keyed by thread id, so a
 * thread that starts during a window counts from its start; one that exits during it loses that
 * window's share (the JVM's dynamic compiler threads may; the difference is small beside the ticks'
 * error).
 */
final class ThreadCpu {
  /** One thread's name (digits folded to N, 15 characters as the kernel keeps them) and time. */
  record Thread(String group, long nanos) {}

  private ThreadCpu() {}

  /** Every thread of the given processes (and their direct children), by "pid/tid". */
  static Map<String, Thread> sample(List<Long> pids) {
    Map<String, Thread> out = new HashMap<>();
    for (long pid : pids) {
      add(out, pid);
      for (long child : ProcStat.children(pid)) {
        add(out, child);
      }
    }
    return out;
  }

  private static void add(Map<String, Thread> out, long pid) {
    try (DirectoryStream<Path> dir =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : dir) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String sched = Files.readString(task.resolve("schedstat"));
          String name =
              stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
                  .replaceAll("[0-9]+", "N");
          long nanos = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
          out.put(pid + "/" + task.getFileName(), new Thread(name, nanos));
        } catch (IOException | RuntimeException gone) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException gone) {
      // the process is gone
    }
  }

  /** Nanoseconds per thread name between two samples. */
  static Map<String, Long> delta(Map<String, Thread> before, Map<String, Thread> after) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach(
        (id, t) -> {
          Thread b = before.get(id);
          long d = t.nanos() - (b == null ? 0 : b.nanos());
          if (d > 0) {
            out.merge(t.group(), d, Long::sum);
          }
        });
    return out;
  }

  /** Total nanoseconds in a per-name delta. */
  static long total(Map<String, Long> byName) {
    return byName.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * The thread group a JVM thread's name belongs to: event loops, store, JIT, GC or other (for
   * nginx and the backend everything is "other").
   */
  static String group(String name) {
    if (name.startsWith("tempura-io")
        || name.startsWith("pass-io")
        || name.startsWith("frame-io")) {
      return "event loops";
    }
    if (name.startsWith("tempura-store")) {
      return "store";
    }
    if (name.contains("CompilerThre")) {
      return "JIT";
    }
    if (name.startsWith("GC Thread")
        || name.startsWith("G1 ")
        || name.startsWith("VM Thread")
        || name.startsWith("GC ")) {
      return "GC";
    }
    return "other";
  }

  static final List<String> GROUPS = List.of("event loops", "store", "JIT", "GC", "other");

  /** Nanoseconds per group of a per-name delta. */
  static Map<String, Long> byGroup(Map<String, Long> byName) {
    Map<String, Long> out = new TreeMap<>();
    byName.forEach((k, v) -> out.merge(group(k), v, Long::sum));
    return out;
  }
}
