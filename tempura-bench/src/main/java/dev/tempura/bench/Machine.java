package dev.tempura.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** What the suite ran on, for the report. */
final class Machine {
  private Machine() {}

  static Map<String, String> describe(Path root) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(
        "nproc", run("nproc").orElse(Integer.toString(Runtime.getRuntime().availableProcessors())));
    m.put("CPU model", cpuModel());
    m.put("memory", memory());
    m.put("OS", osRelease() + ", kernel " + read("/proc/sys/kernel/osrelease").orElse("?").trim());
    m.put(
        "JDK",
        System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vendor")
            + ")");
    m.put("CLK_TCK", Long.toString(ProcStat.clkTck()));
    m.put("Tempura commit", git(root));
    return m;
  }

  /**
   * The 1, 5 and 15 minute load averages and the running/total tasks, as /proc/loadavg has them.
   */
  static String loadAverage() {
    return read("/proc/loadavg").map(String::trim).orElse("?");
  }

  static double load1() {
    try {
      return Double.parseDouble(loadAverage().split(" ")[0]);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  private static String cpuModel() {
    return read("/proc/cpuinfo")
        .flatMap(
            s ->
                s.lines()
                    .filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()))
        .orElse("?");
  }

  private static String memory() {
    return read("/proc/meminfo")
        .flatMap(
            s ->
                s.lines()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                    .map(kib -> String.format("%.1f GiB (MemTotal %d kB)", kib / 1048576.0, kib)))
        .orElse("?");
  }

  private static String osRelease() {
    return read("/etc/os-release")
        .flatMap(
            s ->
                s.lines()
                    .filter(l -> l.startsWith("PRETTY_NAME="))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf('=') + 1).replace("\"", "")))
        .orElse("?");
  }

  private static String git(Path root) {
    Optional<String> head = run("git", "-C", root.toString(), "rev-parse", "--short", "HEAD");
    if (head.isEmpty()) {
      return "unknown (no git)";
    }
    Optional<String> status =
        run("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no");
    long changed = status.map(s -> s.lines().filter(l -> !l.isBlank()).count()).orElse(0L);
    return head.get()
        + (changed > 0 ? " plus uncommitted changes in " + changed + " tracked files" : "");
  }

  /** {@code redis_version} from INFO, or empty when nothing answers at host:port. */
  static Optional<String> redisVersion(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("INFO server\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder text = new StringBuilder();
      while (text.indexOf("redis_version:") < 0
          || text.indexOf("\n", text.indexOf("redis_version:")) < 0) {
        int n = in.read(buf);
        if (n < 0) {
          break;
        }
        text.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
      }
      int i = text.indexOf("redis_version:");
      if (i < 0) {
        return Optional.of(
            "unknown version (" + text.toString().lines().findFirst().orElse("") + ")");
      }
      return Optional.of(
          text.substring(i + "redis_version:".length(), text.indexOf("\n", i)).trim());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<String> read(String file) {
    try {
      return Optional.of(Files.readString(Path.of(file)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static Optional<String> run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
