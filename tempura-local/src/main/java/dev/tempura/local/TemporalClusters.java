package dev.tempura.local;

import io.temporal.testserver.TestServer;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory Temporal servers ({@link TestServer}) on free ports, each standing in for one cluster.
 * Time is real (no skipping), so timers and timeouts run as on a real cluster. The servers accept
 * any namespace name without registration, so a namespace exists as soon as it is used.
 */
public final class TemporalClusters implements AutoCloseable {
  private static final int BIND_ATTEMPTS = 5;

  private final List<TestServer.PortBoundTestServer> servers = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();

  private TemporalClusters() {}

  /** Starts {@code count} servers; if one cannot start, those already started are stopped. */
  public static TemporalClusters start(int count) {
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

  /** How many servers were started. */
  public int size() {
    return addresses.size();
  }

  /** {@code 127.0.0.1:port} of cluster {@code i}. */
  public String address(int i) {
    return addresses.get(i);
  }

  /** Every cluster's address, in order. */
  public List<String> addresses() {
    return List.copyOf(addresses);
  }

  /** Stops cluster {@code i}, as a cluster that went down: its port refuses connections. */
  public void stop(int i) {
    servers.get(i).close();
  }

  private void startOne() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      int port = Ports.freePort();
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

  @Override
  public void close() {
    for (TestServer.PortBoundTestServer s : servers) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // already stopped
      }
    }
  }
}
