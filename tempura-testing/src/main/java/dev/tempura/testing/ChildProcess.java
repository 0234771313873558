package dev.tempura.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process a suite started (a Tempura, a Temporal test server, Redis, nginx), with its output in a
 * log file of its own, ways to wait until it serves, and the signals faults are made of: SIGSTOP,
 * SIGCONT, SIGKILL. It is stopped (gracefully) when the suite's JVM exits, whatever happened to the
 * suite.
 */
public final class ChildProcess implements AutoCloseable {
  private static final Duration GRACE = Duration.ofSeconds(20);

  private final String name;
  private final Process process;
  private final Path log;
  private final Thread hook;
  private volatile boolean paused;

  private ChildProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.hook = new Thread(this::stopGracefully, "stop-" + name);
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Starts {@code command} with stdout and stderr appended to {@code <logDir>/<name>.log}, after a
   * line with the command, and nothing on stdin.
   */
  public static ChildProcess start(String name, List<String> command, Path logDir) {
    try {
      Files.createDirectories(logDir);
      Path log = logDir.resolve(name + ".log");
      Files.writeString(
          log,
          LocalTime.now() + " $ " + String.join(" ", command) + "\n",
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()))
              .redirectInput(Redirect.from(new File("/dev/null")))
              .start();
      return new ChildProcess(name, p, log);
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + name + ": " + command, e);
    }
  }

  /** This JVM's {@code java}, to start another JVM with. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** JVM options for small children: quick to start, two cores shared by everyone. */
  public static List<String> smallJvmOptions() {
    return List.of(
        "-Xms64m", "-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /**
   * Waits until something accepts connections on {@code 127.0.0.1:port}.
   *
   * @throws IllegalStateException if the process exits first, or at the timeout
   */
  public void awaitPort(int port, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      requireAlive();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        sleep(100);
      }
    }
    throw new IllegalStateException(
        "nothing listens on 127.0.0.1:" + port + " after " + timeout + "; see " + log);
  }

  /**
   * Waits until a line of the log contains {@code text}.
   *
   * @throws IllegalStateException if the process exits first, or at the timeout
   */
  public void awaitLogLine(String text, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (Files.readAllLines(log).stream().anyMatch(l -> l.contains(text))) {
          return;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      requireAlive();
      sleep(100);
    }
    throw new IllegalStateException(
        "no line with '" + text + "' after " + timeout + "; see " + log);
  }

  private void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited early; see " + log + ":\n" + tail());
    }
  }

  /** {@code kill -STOP}: the process keeps its sockets but answers nothing. */
  public void pause() {
    signal("STOP");
    paused = true;
  }

  /** {@code kill -CONT}. */
  public void resume() {
    signal("CONT");
    paused = false;
  }

  /** {@code kill -9}, then waits until the process is gone: no shutdown hook of it runs. */
  public void kill9() {
    if (!process.isAlive()) {
      return;
    }
    signal("KILL");
    waitForExit();
  }

  /**
   * SIGTERM (a JVM runs its shutdown hooks, nginx stops quickly), then {@code kill -9} if it still
   * runs 20 seconds later.
   */
  public void stop() {
    stopGracefully();
    removeHook();
  }

  /** The last lines of the log, for failure messages. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Kills the process at once if it still runs (a paused one too). */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      waitForExit();
    }
    removeHook();
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ")";
  }

  private void stopGracefully() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    if (paused) {
      // a stopped process takes SIGTERM only once it runs again
      try {
        signal("CONT");
      } catch (RuntimeException ignored) {
        // gone meanwhile
      }
    }
    try {
      if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void removeHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException(name + " (pid " + pid() + ") did not exit");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for " + name, e);
    }
  }

  private void signal(String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid() + " (" + name + ") failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("kill -" + signal + " " + name, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted signalling " + name, e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
