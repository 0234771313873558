package dev.tempura.admin;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that keeps receiving bytes without completing a request's headers: checked
 * every half {@code timeout}, closed at the second check since its last complete request header
 * that found new bytes. A silent connection is left to the idle timeout, a slow body to the body
 * deadline (a body still arriving counts here too, which only hastens its end). A client that
 * pipelines requests behind a slow one could be cut off too; none of the admin API's clients do.
 */
final class HeaderDeadline implements Connection.Listener {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private final Scheduler scheduler;
  private final long periodMillis;

  HeaderDeadline(Scheduler scheduler, Duration timeout) {
    this.scheduler = scheduler;
    this.periodMillis = Math.max(1, timeout.toMillis() / 2);
  }

  @Override
  public void onOpened(Connection connection) {
    // only HTTP connections count requests; a TLS connection below one does not
    if (connection.getMessagesIn() >= 0) {
      new Watch(connection).next();
    }
  }

  private final class Watch implements Runnable {
    private final Connection connection;
    private long messages;
    private long bytes;
    private int strikes;

    Watch(Connection connection) {
      this.connection = connection;
      this.messages = connection.getMessagesIn();
      this.bytes = connection.getBytesIn();
    }

    void next() {
      scheduler.schedule(this, periodMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
      if (!connection.getEndPoint().isOpen()) {
        return;
      }
      long m = connection.getMessagesIn();
      long b = connection.getBytesIn();
      if (m != messages) {
        strikes = 0;
      } else if (b != bytes) {
        strikes++;
      }
      messages = m;
      bytes = b;
      if (strikes >= 2) {
        log.debug("Closing admin connection {}: request headers still incomplete", connection);
        connection.close();
        return;
      }
      next();
    }
  }
}
