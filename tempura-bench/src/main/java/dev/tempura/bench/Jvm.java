package dev.tempura.bench;

import java.nio.file.Path;

/** The JDK the suite runs on, and its tools, for the processes it starts. */
final class Jvm {
  private Jvm() {}

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
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
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
