package dev.tempura.app.cli;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Tempura's admin HTTP API as the CLI calls it: a GET or a JSON POST, answered by its body on 2xx,
 * by {@link Refused} (the API's one-line message) on any other status, and by {@link Unreachable}
 * when no answer came.
 */
final class AdminApi {
  static final ObjectMapper JSON = new ObjectMapper();

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http;
  private final URI base;
  private final String token;

  /**
   * @param base the admin API's base URL, without a trailing slash; paths are appended to it
   * @param token sent as {@code Authorization: Bearer token}; null or blank for none
   */
  AdminApi(URI base, String token) {
    this.base = requireNonNull(base, "base");
    this.token = token == null || token.isBlank() ? null : token.strip();
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();
  }

  URI base() {
    return base;
  }

  /** GETs {@code path} with the non-null {@code query} parameters; answers the body. */
  String get(String path, Map<String, String> query, Duration timeout)
      throws Refused, Unreachable, InterruptedException {
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    query.forEach(
        (name, value) -> {
          if (value != null) {
            q.add(encode(name) + "=" + encode(value));
          }
        });
    return send(request(path + q, timeout).GET().build());
  }

  /** POSTs {@code body} as JSON to {@code path}; answers the body, one line for writes. */
  String post(String path, JsonNode body, Duration timeout)
      throws Refused, Unreachable, InterruptedException {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the request body", e);
    }
    return send(
        request(path, timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
            .build());
  }

  /** Parses an answer that must be JSON; an answer that is not counts as a refusal. */
  JsonNode parse(String path, String body) throws Refused {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new Refused(0, "unexpected answer from " + base + path + ": not a JSON object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new Refused(0, "unexpected answer from " + base + path + ": not JSON");
    }
  }

  private HttpRequest.Builder request(String pathAndQuery, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .timeout(timeout)
            .header("Accept", "application/json, text/plain");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private String send(HttpRequest request) throws Refused, Unreachable, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (HttpConnectTimeoutException e) {
      throw new Unreachable(
          "cannot reach the admin API at "
              + base
              + ": no connection within "
              + CONNECT_TIMEOUT.toSeconds()
              + "s");
    } catch (HttpTimeoutException e) {
      throw new Unreachable(
          "no answer from the admin API at "
              + base
              + " within "
              + request.timeout().map(Duration::toSeconds).orElse(0L)
              + "s");
    } catch (IOException e) {
      throw new Unreachable("cannot reach the admin API at " + base + ": " + reason(e));
    }
    int status = response.statusCode();
    String body = response.body() == null ? "" : response.body();
    if (status / 100 != 2) {
      String line = body.strip().lines().findFirst().orElse("").strip();
      if (status == 401 && token == null) {
        line =
            (line.isEmpty() ? "unauthorized" : line) + " (pass --token or set TEMPURA_ADMIN_TOKEN)";
      }
      throw new Refused(
          status,
          line.isEmpty()
              ? "the admin API answered HTTP "
                  + status
                  + " to "
                  + request.method()
                  + " "
                  + request.uri().getRawPath()
              : line);
    }
    return body;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /**
   * Why a connection failed. The JDK's client often says only {@code ConnectException} over a
   * {@code ClosedChannelException} for a refused connection, so the usual cases are named here.
   */
  private String reason(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
        return "unknown host " + base.getHost();
      }
    }
    if (e instanceof ConnectException) {
      return e.getMessage() == null || e.getMessage().isBlank()
          ? "connection refused"
          : e.getMessage();
    }
    return describe(e);
  }

  /** The messages of {@code e} and its causes, or their class names when they have none. */
  private static String describe(Throwable e) {
    StringJoiner text = new StringJoiner(": ");
    String last = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message == null || message.isBlank()) {
        message = t.getClass().getSimpleName();
      }
      if (last == null || !last.contains(message)) {
        text.add(message);
      }
      last = message;
    }
    return text.toString();
  }

  /** The admin API answered, with a status other than 2xx; the message is its one line. */
  static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refused(int status, String message) {
      super(message);
      this.status = status;
    }

    /** The HTTP status; 0 for a 2xx answer that was not what the CLI expected. */
    int status() {
      return status;
    }
  }

  /** No answer: nothing listens at the URL, the host is unknown, or the answer took too long. */
  static final class Unreachable extends Exception {
    private static final long serialVersionUID = 1L;

    Unreachable(String message) {
      super(message);
    }
  }
}
