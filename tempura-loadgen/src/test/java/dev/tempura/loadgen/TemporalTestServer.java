package dev.tempura.loadgen;

import io.temporal.testserver.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Temporal's in-memory server on a free port, with real time (no skipping). */
final class TemporalTestServer implements AutoCloseable {
  private final int port;
  private final TestServer.PortBoundTestServer server;

  TemporalTestServer() {
    port = freePort();
    server = TestServer.createPortBoundServer(port, true);
  }

  String endpoint() {
    return "127.0.0.1:" + port;
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
