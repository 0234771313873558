package dev.tempura.app.sandbox;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory Temporal servers on free ports, each standing in for one cluster with a fixed capacity:
 * a {@link CapacityLimiter} in front of each emulates the shard-lock contention of a cluster whose
 * history shard count cannot grow. The servers accept any namespace name without registration, so
 * {@code namespace-a} exists as soon as it is used.
 */
final class TemporalClusters implements AutoCloseable {
  private static final int BIND_ATTEMPTS = 5;

  private final List<TestServer.PortBoundTestServer> servers = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();
  private final List<CapacityLimiter> limiters = new ArrayList<>();

  private TemporalClusters() {}

  /**
   * @param shards how many state-changing calls each cluster serves at once
   * @param serviceTime how long each of them takes
   */
  static TemporalClusters start(int count, int shards, Duration serviceTime) throws IOException {
    TemporalClusters clusters = new TemporalClusters();
    try {
      for (int i = 0; i < count; i++) {
        clusters.startOne();
        clusters.limiters.add(CapacityLimiter.start(clusters.addresses.get(i), shards, serviceTime));
      }
    } catch (IOException | RuntimeException e) {
      clusters.close();
      throw e;
    }
    return clusters;
  }

  /** {@code 127.0.0.1:port} of cluster {@code i} as clients see it: its capacity limiter. */
  String address(int i) {
    return limiters.get(i).address();
  }

  /** {@code 127.0.0.1:port} of cluster {@code i}'s server itself, bypassing the limiter. */
  String serverAddress(int i) {
    return addresses.get(i);
  }

  CapacityLimiter limiter(int i) {
    return limiters.get(i);
  }

  private void startOne() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      int port = freePort();
      try {
        // true: no time skipping, so timers and timeouts run in real time as on a real cluster
        servers.add(TestServer.createPortBoundServer(port, true));
        addresses.add("127.0.0.1:" + port);
        return;
      } catch (RuntimeException e) {
        // TestServer takes a port, not 0, so another process may have taken it since we probed
        last = e;
      }
    }
    throw last;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (CapacityLimiter l : limiters) {
      l.close();
    }
    for (TestServer.PortBoundTestServer s : servers) {
      s.close();
    }
  }
}
