package dev.tempura.app.sandbox;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory Temporal servers on free ports, each standing in for one cluster. They accept any
 * namespace name without registration, so {@code namespace-a} exists as soon as it is used.
 */
final class TemporalClusters implements AutoCloseable {
  private static final int BIND_ATTEMPTS = 5;

  private final List<TestServer.PortBoundTestServer> servers = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();

  private TemporalClusters() {}

  static TemporalClusters start(int count) {
    TemporalClusters clusters = new TemporalClusters();
    try {
      for (int i = 0; i < count; i++) {
        clusters.startOne();
      }
    } catch (RuntimeException e) {
      clusters.close();
      throw e;
    }
    return clusters;
  }

  /** {@code 127.0.0.1:port} of cluster {@code i}. */
  String address(int i) {
    return addresses.get(i);
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
    for (TestServer.PortBoundTestServer s : servers) {
      s.close();
    }
  }
}
