package dev.tempura.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process the suite started (a backend, Tempura, nginx), its output in a log file, its CPU time
 * readable from /proc, and stopped when closed or when the suite's JVM exits.
 */
final class ChildProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);

  private final String name;
  private final Process process;
  private final Path logFile;
  private final boolean withChildren;
  private final Thread hook;

  private ChildProcess(String name, Process process, Path logFile, boolean withChildren) {
    this.name = name;
    this.process = process;
    this.logFile = logFile;
    this.withChildren = withChildren;
    this.hook = new Thread(this::kill, "stop-" + name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code command} with its output in {@code logFile}.
   *
   * @param withChildren count the CPU time of its direct children too (nginx's workers)
   */
  static ChildProcess start(String name, List<String> command, Path logFile, boolean withChildren)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    log.info("starting {}: {}", name, String.join(" ", command).replace(Jvm.classpath(), "<the suite's classpath>"));
    return new ChildProcess(name, pb.start(), logFile, withChildren);
  }

  String name() {
    return name;
  }

  Path log() {
    return logFile;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The pids whose CPU time counts: this process and, if asked, its direct children. */
  List<Long> pids() {
    if (!withChildren) {
      return List.of(pid());
    }
    List<Long> all = new java.util.ArrayList<>();
    all.add(pid());
    all.addAll(ProcStat.children(pid()));
    return all;
  }

  /** utime + stime in ticks, summed over {@link #pids()}. */
  long cpuTicks() {
    long sum = 0;
    for (long pid : pids()) {
      sum += ProcStat.ticks(pid);
    }
    return sum;
  }

  private void kill() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy(); // SIGTERM: Java runs its shutdown hooks, nginx stops quickly
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }
}
