package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of three masters without replicas, each a {@code redis-server} process of the
 * test's own on free ports, nothing persisted. Needs {@code redis-server} and {@code redis-cli} on
 * the PATH. Starting takes a second or two, so share one per test class:
 *
 * <pre>{@code
 * static RedisClusterFixture cluster;
 *
 * @BeforeAll static void startCluster() { cluster = RedisClusterFixture.start(); }
 * @AfterAll static void stopCluster() { cluster.close(); }
 *
 * RedisStoreOptions.builder(cluster.uri()).keyPrefix(uniquePrefix).build()
 * }</pre>
 */
public final class RedisClusterFixture implements AutoCloseable {
  private static final int MASTERS = 3;
  private static final Duration CREATE_TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final List<Integer> ports;
  private final List<Process> processes;

  private RedisClusterFixture(Path dir, List<Integer> ports, List<Process> processes) {
    this.dir = dir;
    this.ports = List.copyOf(ports);
    this.processes = processes;
  }

  /** Starts the nodes, joins them into one cluster and waits until every node reports it ok. */
  public static RedisClusterFixture start() {
    Path dir = RedisProcess.tempDir("tempura-redis-cluster-");
    List<Integer> ports = new ArrayList<>();
    List<Process> processes = new ArrayList<>();
    try {
      for (int i = 0; i < MASTERS; i++) {
        int port = startNode(dir, processes);
        ports.add(port);
      }
      createCluster(dir, ports);
      for (int port : ports) {
        await()
            .atMost(CREATE_TIMEOUT)
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> ((String) Resp.call(port, "CLUSTER", "INFO")).contains("cluster_state:ok"));
      }
      return new RedisClusterFixture(dir, ports, processes);
    } catch (RuntimeException | Error e) {
      processes.forEach(RedisProcess::stop);
      RedisProcess.deleteRecursively(dir);
      throw e;
    }
  }

  /** Starts one node on free ports and answers its port. */
  private static int startNode(Path dir, List<Process> processes) {
    RuntimeException failure = null;
    // another process may take a port between finding it free and redis-server binding it
    for (int attempt = 0; attempt < 3; attempt++) {
      int port = RedisProcess.freeClusterPort();
      try {
        processes.add(
            RedisProcess.start(
                dir,
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                dir.resolve("nodes-" + port + ".conf").toString()));
        return port;
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    throw failure;
  }

  private static void createCluster(Path dir, List<Integer> ports) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    for (int port : ports) {
      command.add("127.0.0.1:" + port);
    }
    command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
    Path output = dir.resolve("cluster-create.log");
    try {
      Process create =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!create.waitFor(CREATE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        create.destroyForcibly();
        throw new IllegalStateException("redis-cli --cluster create did not finish");
      }
      if (create.exitValue() != 0) {
        throw new IllegalStateException(
            "redis-cli --cluster create failed:\n" + Files.readString(output, UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("running redis-cli; is it on the PATH?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating the cluster", e);
    }
  }

  /** {@code redis-cluster://127.0.0.1:<port1>,127.0.0.1:<port2>,127.0.0.1:<port3>}. */
  public String uri() {
    return "redis-cluster://"
        + ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** The masters' ports. */
  public List<Integer> ports() {
    return ports;
  }

  /** Stops every node and deletes their files. */
  @Override
  public void close() {
    processes.forEach(RedisProcess::stop);
    RedisProcess.deleteRecursively(dir);
  }
}
