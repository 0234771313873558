package dev.tempura.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Free ports and waiting for ports. */
final class Net {
  private Net() {}

  /** A port the kernel had free a moment ago, on the loopback address. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until something accepts connections on {@code 127.0.0.1:port}, or fails. */
  static void awaitListening(int port, Duration timeout, ChildProcess owner) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (owner != null && !owner.isAlive()) {
        throw new IllegalStateException(owner.name() + " exited early; see " + owner.log());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        sleep(100);
      }
    }
    throw new IllegalStateException(
        "nothing listens on 127.0.0.1:" + port + " after " + timeout
            + (owner == null ? "" : "; see " + owner.log()));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
