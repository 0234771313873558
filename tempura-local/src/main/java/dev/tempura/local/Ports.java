package dev.tempura.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** Free TCP ports, for servers that must be told their port rather than take port 0. */
public final class Ports {
  private Ports() {}

  /**
   * A port nobody listened on a moment ago. Another process may take it before the caller binds it,
   * so a caller that can retry should (as {@link TemporalClusters} does).
   */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
