package dev.tempura.bench;

import dev.tempura.testing.ChildProcess;
import dev.tempura.testing.TestServerProcess;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JDK the suite runs on, and its tools, for the processes it starts. */
final class Jvm {
  private static final Logger log = LoggerFactory.getLogger(Jvm.class);

  private Jvm() {}

  /** Starts a process of the suite (a JVM, nginx), its output in {@code <workDir>/<name>.log}. */
  static ChildProcess start(String name, List<String> command, Path workDir) {
    log.info(
        "starting {}: {}",
        name,
        String.join(" ", command).replace(classpath(), "<the suite's classpath>"));
    return ChildProcess.start(name, command, workDir);
  }

  /** The test server's JVM flags: room for the state a long run piles up. */
  static final List<String> TEST_SERVER_FLAGS = List.of("-Xms512m", "-Xmx4g", "-XX:+UseParallelGC");

  /** The backend every comparison shares: an in-memory test server in its own JVM, serving. */
  static TestServerProcess testServer(String name, Path workDir) {
    log.info("starting {}: TestServer with {}", name, String.join(" ", TEST_SERVER_FLAGS));
    return TestServerProcess.start(
        name, TEST_SERVER_FLAGS, classpath(), workDir, java.time.Duration.ofSeconds(60));
  }

  static String java() {
    return tool("java");
  }

  static String tool(String name) {
    return Path.of(System.getProperty("java.home"), "bin", name).toString();
  }

  /** The suite's own classpath: it holds the test server and everything else the children need. */
  static String classpath() {
    return System.getProperty("java.class.path");
  }

  /** Runs a JDK tool (jcmd) and answers its output; fails on a non-zero exit. */
  static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      int rc = p.waitFor();
      if (rc != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + rc + ": " + out);
      }
      return out;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
