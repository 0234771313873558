package dev.tempura.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's audit trail: one JSON object per line for every change (every request that is not
 * a GET or HEAD, whatever its outcome) and every request refused for want of credentials:
 *
 * <pre>{@code
 * {"time":"2025-01-01T12:00:00.123Z","remote":"10.0.0.7:51234","identity":"ops","auth":"token",
 *  "method":"POST","path":"/namespace/physical/add","query":null,
 *  "body":{"virtual_namespace":"my-app","physical_namespace":"b","cluster_address":"b:7233"},
 *  "status":200,"outcome":"ok"}
 * }</pre>
 *
 * {@code auth} is {@code token}, {@code client-certificate} or {@code none}; {@code identity} the
 * token's label or the certificate's subject. Each line describes one request, built from that
 * request alone: its own body (null when it had none, or when it was refused before being read: a
 * 401, a 408, a 413), its caller and its outcome. Secrets are redacted by name: values of body
 * fields and of query parameters whose names suggest a secret (token, access_token, secret,
 * password, passwd, pwd, api_key, access_key, private_key, key or any name ending in {@code _key}
 * or {@code -key}, authorization, credential, signature) are written as {@code [redacted]}, so
 * {@code ?token=abc&trace=1} becomes {@code "query":"token=[redacted]&trace=1"}; a body that is not
 * JSON is written as its size only. Header values are never written. Each line is flushed as it is
 * written.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Names of body fields and query parameters whose values are never written. */
  private static final Pattern SECRET =
      Pattern.compile(
          ".*(token|secret|passw|pwd|api_?key|access_?key|private_?key|authorization|credential"
              + "|signature).*|(.*[_-])?key");

  private static final String REDACTED = "[redacted]";

  /** Writes nothing. */
  public static final AuditLog NONE = new AuditLog(null, false);

  private final OutputStream out;
  private final boolean closeOut;

  private AuditLog(OutputStream out, boolean closeOut) {
    this.out = out;
    this.closeOut = closeOut;
  }

  /** Appends to {@code file}, creating it and its directory if needed. */
  public static AuditLog toFile(Path file) throws IOException {
    requireNonNull(file, "file");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    return new AuditLog(
        Files.newOutputStream(
            file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE),
        true);
  }

  /** Writes to standard output, e.g. for a container's log collector. */
  public static AuditLog toStdout() {
    return toStream(System.out);
  }

  static AuditLog toStream(PrintStream stream) {
    return new AuditLog(stream, false);
  }

  /** One request, as the audit trail records it. */
  public record Event(
      Instant time,
      String remote,
      String identity,
      String auth,
      String method,
      String path,
      String query,
      byte[] body,
      int status) {}

  /** Writes one line; failures are logged, never thrown at the request. */
  public void record(Event e) {
    if (out == null) {
      return;
    }
    ObjectNode line = JSON.createObjectNode();
    line.put("time", e.time().toString());
    line.put("remote", e.remote());
    line.put("identity", e.identity());
    line.put("auth", e.auth());
    line.put("method", e.method());
    line.put("path", e.path());
    line.put("query", query(e.query()));
    line.set("body", body(e.body()));
    line.put("status", e.status());
    line.put(
        "outcome",
        e.status() < 400 ? "ok" : e.status() == 401 || e.status() == 403 ? "refused" : "failed");
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException ex) {
      log.error("Audit line could not be written as JSON", ex);
      return;
    }
    synchronized (this) {
      try {
        out.write(bytes);
        out.flush();
      } catch (IOException ex) {
        log.error("Audit log write failed: {} {} by {}", e.method(), e.path(), e.identity(), ex);
      }
    }
  }

  static JsonNode body(byte[] body) {
    if (body == null || body.length == 0) {
      return JSON.nullNode();
    }
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null) {
        return JSON.nullNode();
      }
      return redact(node);
    } catch (IOException notJson) {
      return JSON.getNodeFactory().textNode("(" + body.length + " bytes, not JSON)");
    }
  }

  static boolean isSecret(String name) {
    return SECRET.matcher(name.toLowerCase(Locale.ROOT)).matches();
  }

  /**
   * The raw query string with the value of every parameter named like a secret replaced by {@code
   * [redacted]}; names are compared decoded, so {@code %74oken} is a token too.
   */
  static String query(String rawQuery) {
    if (rawQuery == null || rawQuery.isEmpty()) {
      return rawQuery;
    }
    java.util.StringJoiner out = new java.util.StringJoiner("&");
    for (String pair : rawQuery.split("&", -1)) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String decoded;
      try {
        decoded = URLDecoder.decode(name, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException malformed) {
        decoded = name;
      }
      out.add(isSecret(decoded) || isSecret(name) ? name + "=" + REDACTED : pair);
    }
    return out.toString();
  }

  private static JsonNode redact(JsonNode node) {
    if (node.isObject()) {
      ObjectNode o = (ObjectNode) node;
      for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        if (isSecret(field.getKey())) {
          field.setValue(JSON.getNodeFactory().textNode(REDACTED));
        } else {
          redact(field.getValue());
        }
      }
    } else if (node.isArray()) {
      node.forEach(AuditLog::redact);
    }
    return node;
  }

  @Override
  public synchronized void close() {
    if (closeOut && out != null) {
      try {
        out.close();
      } catch (IOException e) {
        log.warn("Closing the audit log failed", e);
      }
    }
  }
}
