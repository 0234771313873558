package dev.tempura.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU time of processes as the kernel counts it: utime + stime from {@code /proc/<pid>/stat}, in
 * clock ticks of {@code getconf CLK_TCK}.
 */
final class ProcStat {
  private static volatile long clkTck;

  private ProcStat() {}

  /** Clock ticks per second, from {@code getconf CLK_TCK} (almost always 100). */
  static long clkTck() {
    if (clkTck == 0) {
      try {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out =
            new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        p.waitFor();
        clkTck = Long.parseLong(out);
      } catch (IOException | NumberFormatException e) {
        throw new IllegalStateException("getconf CLK_TCK failed", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return clkTck;
  }

  /** utime + stime of one process (all its threads), in ticks; 0 when it is gone. */
  static long ticks(long pid) {
    String[] f = fields(pid);
    if (f == null) {
      return 0;
    }
    // fields after "(comm)": [0] is field 3 (state); utime is field 14, stime field 15
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  /** The parent pid, or -1 when the process is gone. */
  static long parent(long pid) {
    String[] f = fields(pid);
    return f == null ? -1 : Long.parseLong(f[1]);
  }

  /** Direct children of {@code pid}, found by scanning /proc. */
  /** utime + stime in ticks of {@code pid} and its direct children. */
  static long ticksWithChildren(long pid) {
    long sum = ticks(pid);
    for (long child : children(pid)) {
      sum += ticks(child);
    }
    return sum;
  }

  static List<Long> children(long pid) {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : dir) {
        long child = Long.parseLong(p.getFileName().toString());
        if (parent(child) == pid) {
          out.add(child);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return out;
  }

  /**
   * CPU ticks per thread group of one process: thread names from /proc/<pid>/task/<tid>/stat (the
   * kernel keeps 15 characters), digits folded to N so that pools add up.
   */
  static java.util.Map<String, Long> threadTicks(long pid) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    try (DirectoryStream<Path> dir =
        Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : dir) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        String name =
            stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "N");
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /**
   * Read and write system calls of one process so far ({@code syscr}, {@code syscw} of
   * /proc/<pid>/io); empty when unreadable.
   */
  static java.util.Map<String, Long> io(long pid) {
    java.util.Map<String, Long> out = new java.util.TreeMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (line.startsWith("syscr:") || line.startsWith("syscw:")) {
          out.put(line.substring(0, 5), Long.parseLong(line.substring(6).trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return out;
    }
    return out;
  }

  /** Resident set size in KiB from /proc/<pid>/status, or -1. */
  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  private static String[] fields(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      return null;
    }
    // the command name may hold spaces and parentheses: everything after the last ')' is fields
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
  }
}
