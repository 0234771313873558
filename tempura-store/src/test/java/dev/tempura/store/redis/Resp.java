package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal blocking RESP2 client for fixtures and test set-up: enough to ask a server things
 * behind the store's back without a second Lettuce client and its threads.
 */
final class Resp implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 5_000;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private Resp(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static Resp connect(int port) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      return new Resp(socket);
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** One command on a connection of its own. */
  static Object call(int port, String... args) {
    try (Resp resp = connect(port)) {
      return resp.call(args);
    } catch (IOException e) {
      throw new UncheckedIOException("127.0.0.1:" + port + " " + String.join(" ", args), e);
    }
  }

  /**
   * Deletes every key matching {@code pattern} on the server at {@code port}, which in a cluster
   * means every such key that node holds.
   */
  static void deleteMatching(int port, String pattern) {
    try (Resp resp = connect(port)) {
      String cursor = "0";
      do {
        List<?> reply = (List<?>) resp.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
        cursor = (String) reply.get(0);
        for (Object key : (List<?>) reply.get(1)) {
          // one key per DEL: in a cluster, keys of several slots may not share a command
          resp.call("DEL", (String) key);
        }
      } while (!cursor.equals("0"));
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + pattern + " on 127.0.0.1:" + port, e);
    }
  }

  /**
   * Sends a command and reads its reply: a String for simple and bulk strings, a Long for integers,
   * a List for arrays, null for nil. An error reply throws {@link IllegalStateException}.
   */
  Object call(String... args) throws IOException {
    ByteArrayOutputStream command = new ByteArrayOutputStream();
    command.write(("*" + args.length + "\r\n").getBytes(UTF_8));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(UTF_8);
      command.write(("$" + bytes.length + "\r\n").getBytes(UTF_8));
      command.write(bytes);
      command.write("\r\n".getBytes(UTF_8));
    }
    out.write(command.toByteArray());
    out.flush();
    return readReply();
  }

  /** Reads what the server sends unasked, such as a pub/sub message after SUBSCRIBE. */
  Object readPushed() throws IOException {
    return readReply();
  }

  private Object readReply() throws IOException {
    int type = in.read();
    String line = readLine();
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new IllegalStateException(line);
      case ':':
        return Long.parseLong(line);
      case '$':
        {
          int length = Integer.parseInt(line);
          if (length < 0) {
            return null;
          }
          byte[] data = in.readNBytes(length);
          readLine();
          return new String(data, UTF_8);
        }
      case '*':
        {
          int length = Integer.parseInt(line);
          if (length < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>(length);
          for (int i = 0; i < length; i++) {
            items.add(readReply());
          }
          return items;
        }
      case -1:
        throw new EOFException("connection closed");
      default:
        throw new IOException("unexpected reply type '" + (char) type + "'");
    }
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != '\r') {
      if (b == -1) {
        throw new EOFException("connection closed");
      }
      line.write(b);
    }
    if (in.read() != '\n') {
      throw new IOException("expected LF after CR");
    }
    return line.toString(UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
