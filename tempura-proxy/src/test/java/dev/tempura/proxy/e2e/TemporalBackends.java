package dev.tempura.proxy.e2e;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** In-memory Temporal servers on free ports, each standing in for one cluster. */
final class TemporalBackends implements AutoCloseable {
  private final List<TestServer.PortBoundTestServer> servers = new ArrayList<>();
  private final List<String> addresses = new ArrayList<>();

  static TemporalBackends start(int count) {
    TemporalBackends b = new TemporalBackends();
    for (int i = 0; i < count; i++) {
      b.startOne();
    }
    return b;
  }

  String address(int i) {
    return addresses.get(i);
  }

  void stop(int i) {
    servers.get(i).close();
  }

  private void startOne() {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      int port = freePort();
      try {
        // true: time skipping off, so timers and timeouts run in real time as on a real cluster
        servers.add(TestServer.createPortBoundServer(port, true));
        addresses.add("127.0.0.1:" + port);
        return;
      } catch (RuntimeException e) {
        last = e; // the port was taken between probing and binding
      }
    }
    throw last;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    for (TestServer.PortBoundTestServer s : servers) {
      try {
        s.close();
      } catch (RuntimeException ignored) {
        // already stopped by a test
      }
    }
  }
}
