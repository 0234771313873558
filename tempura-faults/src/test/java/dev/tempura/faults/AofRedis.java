package dev.tempura.faults;

import static org.awaitility.Awaitility.await;

import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code redis-server} run as docs/store.md says to run it: AOF persistence on ({@code --appendonly
 * yes}, Redis's default {@code appendfsync everysec}), in a directory of its own, so that its data
 * survives a restart on the same port. (The store module's {@code RedisServerFixture} persists
 * nothing: a restart empties it.)
 */
final class AofRedis implements AutoCloseable {
  private final Path dir;
  private final int port = Ports.freePort();
  private final Path logDir;
  private ChildProcess process;

  AofRedis(Path dir, Path logDir) {
    this.dir = dir;
    this.logDir = logDir;
  }

  AofRedis start() {
    process =
        ChildProcess.start(
            "redis-aof",
            List.of(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                dir.toString()),
            logDir);
    ChildProcess started = process;
    await("redis answering")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(
            () -> {
              if (!started.isAlive()) {
                throw new IllegalStateException("redis-server exited:\n" + started.tail());
              }
              // LOADING while it replays the AOF; PONG once it serves
              return "+PONG".equals(command("PING"));
            });
    return this;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** kill -9: what the AOF had not written and fsync'd by then is lost. */
  void kill9() {
    process.kill9();
  }

  /** The number of keys, or -1 when Redis does not answer. */
  long keys() {
    try {
      String reply = command("DBSIZE");
      return reply.startsWith(":") ? Long.parseLong(reply.substring(1)) : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  /** One inline command; answers the first line of the reply. */
  private String command(String command) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      socket.setSoTimeout(2_000);
      OutputStream out = socket.getOutputStream();
      out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\r') {
        line.append((char) c);
      }
      return line.toString();
    }
  }

  @Override
  public void close() {
    if (process != null) {
      process.close();
    }
  }
}
