package dev.tempura.bench;

import dev.tempura.testing.ChildProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tempura as users run it ({@link dev.tempura.testing.TempuraProcess}): the shaded {@code
 * tempura.jar serve}, in its own JVM, with the embedded store in a fresh directory, gRPC and admin
 * on free loopback ports; with what the suite reads of it (metrics, heap). The topology is made
 * through the admin API.
 */
final class TempuraProcess implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TempuraProcess.class);

  static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError");

  private final dev.tempura.testing.TempuraProcess tempura;

  private TempuraProcess(dev.tempura.testing.TempuraProcess tempura) {
    this.tempura = tempura;
  }

  static TempuraProcess start(String name, Path jar, Path workDir) throws IOException {
    return start(name, jar, workDir, List.of());
  }

  /** As above, with more JVM flags (an agent, for example). */
  static TempuraProcess start(String name, Path jar, Path workDir, List<String> extraJvmFlags)
      throws IOException {
    return start(name, jar, workDir, extraJvmFlags, Jvm.java());
  }

  /** As above, run by the given {@code java} executable (another JDK). */
  static TempuraProcess start(
      String name, Path jar, Path workDir, List<String> extraJvmFlags, String java)
      throws IOException {
    List<String> flags = new ArrayList<>(JVM_FLAGS);
    flags.addAll(extraJvmFlags);
    log.info("starting {}: {} {} -jar {} serve", name, java, String.join(" ", flags), jar);
    try {
      return new TempuraProcess(
          new dev.tempura.testing.TempuraProcess(
                  name, jar, workDir.resolve(name + "-data"), null, workDir, flags, java)
              .start());
    } catch (IllegalStateException e) {
      throw new IOException(name + " did not start", e);
    }
  }

  /**
   * As {@link #start(String, Path, Path)}, on the Redis store {@code redisUri} (replicas started on
   * one URI share mappings, topology and held tasks).
   */
  static TempuraProcess startOnRedis(String name, Path jar, Path workDir, String redisUri)
      throws IOException {
    log.info("starting {}: {} -jar {} serve --store {}", name, JVM_FLAGS, jar, redisUri);
    try {
      return new TempuraProcess(
          new dev.tempura.testing.TempuraProcess(
                  name, jar, workDir.resolve(name + "-data"), redisUri, workDir, JVM_FLAGS)
              .start());
    } catch (IllegalStateException e) {
      throw new IOException(name + " did not start", e);
    }
  }

  String address() {
    return tempura.target();
  }

  ChildProcess process() {
    return tempura.process();
  }

  /** Creates a virtual namespace backed by the given physical namespaces on the given clusters. */
  void virtualNamespace(String virtual, List<String[]> physicalAndCluster)
      throws IOException, InterruptedException {
    tempura.admin().createVirtualNamespace(virtual);
    for (String[] pc : physicalAndCluster) {
      tempura.admin().addPhysicalNamespace(virtual, pc[0], pc[1]);
    }
  }

  String admin(String path) throws IOException, InterruptedException {
    return tempura.admin().get(path);
  }

  /** The sum of a Prometheus series' values whose line starts with {@code prefix}. */
  double metric(String prefix) throws IOException, InterruptedException {
    double sum = 0;
    boolean found = false;
    for (String line : admin("/metrics").split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        found = true;
      }
    }
    if (!found) {
      throw new IllegalStateException(
          "no metric " + prefix + " on " + tempura.admin().base() + "/metrics");
    }
    return sum;
  }

  /** As {@link #metric}, 0 when there is no such series yet. */
  double metricOrZero(String prefix) throws IOException, InterruptedException {
    try {
      return metric(prefix);
    } catch (IllegalStateException none) {
      return 0;
    }
  }

  /** Heap in use after full collections, as the proxy's own /metrics reports it. */
  long heapUsedAfterGc() throws IOException, InterruptedException {
    for (int i = 0; i < 3; i++) {
      Jvm.run(Jvm.tool("jcmd"), Long.toString(tempura.process().pid()), "GC.run");
      Thread.sleep(300);
    }
    // jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} etc.
    return (long) metric("jvm_memory_used_bytes{area=\"heap\"");
  }

  @Override
  public void close() {
    tempura.stop();
  }
}
