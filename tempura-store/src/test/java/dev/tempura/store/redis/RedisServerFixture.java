package dev.tempura.store.redis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A standalone {@code redis-server} of a test's own, on a free port, that can be stopped and
 * started again to test outages. Nothing is persisted, so a restart empties it. Needs {@code
 * redis-server} on the PATH.
 *
 * <pre>{@code
 * try (RedisServerFixture redis = RedisServerFixture.start()) {
 *   Stores stores = Stores.redis(RedisStoreOptions.builder(redis.uri()).build());
 *   redis.stop();    // calls now fail
 *   redis.restart(); // the store reconnects by itself
 * }
 * }</pre>
 */
public final class RedisServerFixture implements AutoCloseable {
  private final Path dir;
  private final int port;
  private Process process;

  private RedisServerFixture(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts a server on a free port and waits until it answers. */
  public static RedisServerFixture start() {
    Path dir = RedisProcess.tempDir("tempura-redis-");
    RuntimeException failure = null;
    // another process may take the port between finding it free and redis-server binding it
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = RedisProcess.freePort();
      try {
        return new RedisServerFixture(dir, port, RedisProcess.start(dir, port));
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    RedisProcess.deleteRecursively(dir);
    throw failure;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the server (SIGTERM, then SIGKILL if it lingers); clients see their connections drop. */
  public synchronized void stop() {
    if (process != null) {
      if (process.isAlive()) {
        // a frozen server would ignore SIGTERM until the stop timeout
        signal("-CONT");
      }
      RedisProcess.stop(process);
      process = null;
    }
  }

  /**
   * Suspends the server (SIGSTOP): connections stay open but nothing is answered, as when a host
   * hangs or a network drops packets. {@link #thaw()} resumes it.
   */
  public synchronized void freeze() {
    signal("-STOP");
  }

  /** Resumes a {@link #freeze() frozen} server (SIGCONT). */
  public synchronized void thaw() {
    signal("-CONT");
  }

  private void signal(String signal) {
    if (process == null) {
      throw new IllegalStateException("redis-server on port " + port + " is stopped");
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("kill " + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted sending " + signal, e);
    }
  }

  /** Stops the server if it runs, then starts it again, empty, on the same port. */
  public synchronized void restart() {
    stop();
    process = RedisProcess.start(dir, port);
  }

  @Override
  public synchronized void close() {
    stop();
    RedisProcess.deleteRecursively(dir);
  }
}
