package dev.tempura.bench;

import dev.tempura.local.AdminClient;
import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tempura as users run it: the shaded {@code tempura.jar serve}, in its own JVM, with the embedded
 * store in a fresh directory, gRPC and admin on free loopback ports. The topology is made through
 * the admin API.
 */
final class TempuraProcess implements AutoCloseable {
  static final List<String> JVM_FLAGS = List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError");

  private final ChildProcess process;
  private final int grpcPort;
  private final AdminClient admin;

  private TempuraProcess(ChildProcess process, int grpcPort, int adminPort) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.admin = new AdminClient(URI.create("http://127.0.0.1:" + adminPort));
  }

  static TempuraProcess start(String name, Path jar, Path workDir) throws IOException {
    return start(name, jar, workDir, List.of());
  }

  /** As above, with more JVM flags (an agent, for example). */
  static TempuraProcess start(String name, Path jar, Path workDir, List<String> extraJvmFlags) throws IOException {
    int grpcPort = Ports.freePort();
    int adminPort = Ports.freePort();
    Path data = Files.createDirectories(workDir.resolve(name + "-data"));
    List<String> command = new ArrayList<>();
    command.add(Jvm.java());
    command.addAll(JVM_FLAGS);
    command.addAll(extraJvmFlags);
    command.addAll(
        List.of(
            "-jar", jar.toString(), "serve",
            "--bind", "127.0.0.1",
            "--grpc-port", Integer.toString(grpcPort),
            "--admin-bind", "127.0.0.1",
            "--admin-port", Integer.toString(adminPort),
            "--data-dir", data.toString()));
    ChildProcess p = Jvm.start(name, command, workDir);
    try {
      p.awaitPort(adminPort, Duration.ofSeconds(60));
      p.awaitPort(grpcPort, Duration.ofSeconds(60));
      TempuraProcess t = new TempuraProcess(p, grpcPort, adminPort);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (true) {
        try {
          t.admin("/readyz");
          break;
        } catch (IOException e) {
          if (System.nanoTime() > deadline) {
            throw e;
          }
          Net.sleep(100);
        }
      }
      return t;
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    } catch (InterruptedException e) {
      p.close();
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + grpcPort;
  }

  ChildProcess process() {
    return process;
  }

  /** Creates a virtual namespace backed by the given physical namespaces on the given clusters. */
  void virtualNamespace(String virtual, List<String[]> physicalAndCluster)
      throws IOException, InterruptedException {
    admin.createVirtualNamespace(virtual);
    for (String[] pc : physicalAndCluster) {
      admin.addPhysicalNamespace(virtual, pc[0], pc[1]);
    }
  }

  String admin(String path) throws IOException, InterruptedException {
    return admin.get(path);
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
      throw new IllegalStateException("no metric " + prefix + " on " + admin.base() + "/metrics");
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
      Jvm.run(Jvm.tool("jcmd"), Long.toString(process.pid()), "GC.run");
      Thread.sleep(300);
    }
    // jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} etc.
    return (long) metric("jvm_memory_used_bytes{area=\"heap\"");
  }

  @Override
  public void close() {
    process.stop();
  }
}
