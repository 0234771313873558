package dev.tempura.faults;

import static org.awaitility.Awaitility.await;

import dev.tempura.local.AdminClient;
import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy as it ships: {@code java -jar tempura-app/target/tempura.jar serve} in a process of its
 * own, on fixed ports and a fixed data directory (or Redis), so that it can be killed with -9 and
 * started again as an operator's supervisor would.
 */
final class TempuraProcess implements AutoCloseable {
  private final String name;
  private final int grpcPort = Ports.freePort();
  private final int adminPort = Ports.freePort();
  private final Path dataDir;
  private final String store;
  private final Path logDir;
  private final AdminClient admin;
  private ChildProcess process;
  private int starts;

  /**
   * @param store null for the embedded store in {@code dataDir}, else a Redis URI
   */
  TempuraProcess(String name, Path dataDir, String store, Path logDir) {
    this.name = name;
    this.dataDir = dataDir;
    this.store = store;
    this.logDir = logDir;
    this.admin = new AdminClient(URI.create("http://127.0.0.1:" + adminPort), Duration.ofSeconds(15));
  }

  static Path jar() {
    Path jar = Path.of(System.getProperty("tempura.jar", "../tempura-app/target/tempura.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath() + " is missing: build tempura-app first (mvn -B verify builds it before this suite)");
    }
    return jar;
  }

  /** Starts the process and waits until {@code /readyz} answers 200. */
  TempuraProcess start() {
    List<String> command = new ArrayList<>();
    command.add(ChildProcess.java());
    command.addAll(ChildProcess.smallJvmOptions());
    command.addAll(
        List.of(
            "-jar", jar().toString(), "serve",
            "--grpc-port", Integer.toString(grpcPort),
            "--bind", "127.0.0.1",
            "--admin-port", Integer.toString(adminPort),
            "--data-dir", dataDir.toString()));
    if (store != null) {
      command.addAll(List.of("--store", store));
    }
    starts++;
    process = ChildProcess.start(name, command, logDir);
    ChildProcess started = process;
    await(name + " ready")
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () -> {
              if (!started.isAlive()) {
                throw new IllegalStateException(name + " exited:\n" + started.tail());
              }
              admin.get("/readyz");
              return true;
            });
    return this;
  }

  String target() {
    return "127.0.0.1:" + grpcPort;
  }

  ChildProcess process() {
    return process;
  }

  /** -9, no shutdown hook runs: whatever the store had not made durable is gone. */
  void kill9() {
    process.kill9();
  }

  /** The same ports, directory and store as before. */
  TempuraProcess restart() {
    process.close();
    return start();
  }

  void createVirtual(String virtualNamespace) {
    try {
      admin.createVirtualNamespace(virtualNamespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  void addPhysical(String virtualNamespace, String physical, String address) {
    try {
      admin.addPhysicalNamespace(virtualNamespace, physical, address);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** True once this proxy's topology has the virtual namespace with {@code physicalCount} members. */
  boolean sees(String virtualNamespace, int physicalCount) {
    try {
      String body = admin.get("/namespace/virtual/get?name=" + virtualNamespace);
      return body.split("\"cluster_address\"", -1).length - 1 == physicalCount;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  int starts() {
    return starts;
  }

  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
