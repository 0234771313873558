package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Starting and stopping {@code redis-server} processes for the fixtures. */
final class RedisProcess {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int CLUSTER_BUS_OFFSET = 10_000;

  private RedisProcess() {}

  /**
   * Starts {@code redis-server} on {@code port} with nothing persisted, output appended to {@code
   * redis-<port>.log} in {@code dir}, and waits until it answers PING.
   */
  static Process start(Path dir, int port, String... extraArgs) {
    List<String> command =
        new ArrayList<>(
            List.of(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString()));
    command.addAll(List.of(extraArgs));
    Path log = dir.resolve("redis-" + port + ".log");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("starting redis-server; is it on the PATH?", e);
    }
    try {
      await()
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(10))
          .until(() -> answersPing(port, process, log));
    } catch (RuntimeException | Error e) {
      stop(process);
      throw e;
    }
    return process;
  }

  private static boolean answersPing(int port, Process process, Path log) throws IOException {
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "redis-server on port "
              + port
              + " exited with "
              + process.exitValue()
              + ":\n"
              + Files.readString(log, UTF_8));
    }
    try {
      return "PONG".equals(Resp.call(port, "PING"));
    } catch (UncheckedIOException | IllegalStateException e) {
      // not listening yet, or still loading
      return false;
    }
  }

  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** A port nothing listens on now. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("finding a free port", e);
    }
  }

  /** A free port whose cluster bus port (10000 above) is free too. */
  static int freeClusterPort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 65_535 - CLUSTER_BUS_OFFSET);
      InetAddress loopback = InetAddress.getLoopbackAddress();
      try (ServerSocket data = new ServerSocket(port, 1, loopback);
          ServerSocket bus = new ServerSocket(port + CLUSTER_BUS_OFFSET, 1, loopback)) {
        return port;
      } catch (IOException e) {
        // taken; try another
      }
    }
    throw new IllegalStateException("no free pair of ports for a cluster node");
  }

  static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("creating a temporary directory", e);
    }
  }

  static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a leftover temporary directory is no reason to fail a test
    }
  }
}
