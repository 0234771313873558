package dev.tempura.testing;

import dev.tempura.local.AdminClient;
import dev.tempura.local.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tempura as it ships: {@code java -jar tempura.jar serve} in a process of its own, with gRPC and
 * the admin API on loopback ports picked once and kept across restarts, a data directory (the
 * embedded store) or a Redis store, so that it can be killed with -9 and started again as an
 * operator's supervisor would. The topology is made through the admin API.
 */
public final class TempuraProcess implements AutoCloseable {
  private static final Duration READY_WITHIN = Duration.ofSeconds(90);

  private final String name;
  private final Path jar;
  private final Path dataDir;
  private final String store;
  private final Path logDir;
  private final List<String> jvmOptions;
  private final String java;
  private final int grpcPort = Ports.freePort();
  private final int adminPort = Ports.freePort();
  private final AdminClient admin;
  private ChildProcess process;
  private int starts;

  /**
   * Not started yet: see {@link #start()}.
   *
   * @param jar the shaded tempura.jar, as {@link #jar()} finds it
   * @param dataDir the embedded store's directory (created if missing)
   * @param store null for the embedded store, else a Redis URI
   * @param logDir where {@code <name>.log} is written
   * @param jvmOptions the JVM's options, before {@code -jar}
   */
  public TempuraProcess(
      String name, Path jar, Path dataDir, String store, Path logDir, List<String> jvmOptions) {
    this(name, jar, dataDir, store, logDir, jvmOptions, ChildProcess.java());
  }

  /**
   * As above, run by another {@code java} executable than this JVM's (the benchmarks compare JDKs).
   */
  public TempuraProcess(
      String name,
      Path jar,
      Path dataDir,
      String store,
      Path logDir,
      List<String> jvmOptions,
      String java) {
    this.java = java;
    this.name = name;
    this.jar = jar;
    this.dataDir = dataDir;
    this.store = store;
    this.logDir = logDir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.admin = new AdminClient(URI.create("http://127.0.0.1:" + adminPort));
  }

  /**
   * The shaded jar tempura-app builds: {@code -Dtempura.jar}, else {@code
   * ../tempura-app/target/tempura.jar}.
   */
  public static Path jar() {
    Path jar = Path.of(System.getProperty("tempura.jar", "../tempura-app/target/tempura.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath()
              + " is missing: build tempura-app first (mvn -B verify builds it before this suite)");
    }
    return jar;
  }

  /** Starts the process and waits until {@code /readyz} answers 200 and gRPC takes connections. */
  public TempuraProcess start() {
    List<String> command = new ArrayList<>();
    command.add(java);
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-jar",
            jar.toString(),
            "serve",
            "--grpc-port",
            Integer.toString(grpcPort),
            "--bind",
            "127.0.0.1",
            "--admin-bind",
            "127.0.0.1",
            "--admin-port",
            Integer.toString(adminPort),
            "--data-dir",
            dataDir.toString()));
    if (store != null) {
      command.addAll(List.of("--store", store));
    }
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    starts++;
    process = ChildProcess.start(name, command, logDir);
    awaitReady();
    process.awaitPort(grpcPort, Duration.ofSeconds(10));
    return this;
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + READY_WITHIN.toNanos();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited:\n" + process.tail());
      }
      try {
        admin.get("/readyz");
        return;
      } catch (IOException notYet) {
        if (System.nanoTime() > deadline) {
          process.close();
          throw new IllegalStateException(
              name + " not ready after " + READY_WITHIN + ":\n" + process.tail(), notYet);
        }
      } catch (InterruptedException e) {
        process.close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        process.close();
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** {@code 127.0.0.1:port} of its gRPC server. */
  public String target() {
    return "127.0.0.1:" + grpcPort;
  }

  public ChildProcess process() {
    return process;
  }

  /** Its admin API. */
  public AdminClient admin() {
    return admin;
  }

  /** How many times it was started. */
  public int starts() {
    return starts;
  }

  /** -9, no shutdown hook runs: whatever the store had not made durable is gone. */
  public void kill9() {
    process.kill9();
  }

  /** Killed at once if it runs, then started again: the same ports, directory and store. */
  public TempuraProcess restart() {
    process.close();
    return start();
  }

  public void createVirtual(String virtualNamespace) {
    try {
      admin.createVirtualNamespace(virtualNamespace);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public void addPhysical(String virtualNamespace, String physical, String address) {
    try {
      admin.addPhysicalNamespace(virtualNamespace, physical, address);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** True once its topology has the virtual namespace with {@code physicalCount} members. */
  public boolean sees(String virtualNamespace, int physicalCount) {
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

  /** SIGTERM: it shuts down as on an operator's stop (-9 if it has not after 20 seconds). */
  public void stop() {
    if (process != null) {
      process.stop();
    }
  }

  /** Killed at once, if it runs. */
  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
