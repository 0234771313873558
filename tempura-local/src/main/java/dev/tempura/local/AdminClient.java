package dev.tempura.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Tempura's admin HTTP API, called the way the sandbox scenario's curl commands call it: by the
 * sandbox, and by the suites that run Tempura as a process of its own.
 */
public final class AdminClient {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http;
  private final URI base;
  private final Duration timeout;

  /** Against {@code base} ({@code http://127.0.0.1:port}), each request given 30 seconds. */
  public AdminClient(URI base) {
    this(base, DEFAULT_TIMEOUT);
  }

  /** Against {@code base}, each request (and each connect) given {@code timeout}. */
  public AdminClient(URI base, Duration timeout) {
    this.base = base;
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  public URI base() {
    return base;
  }

  /** A successful answer: the request as sent and the one line the admin API answered. */
  public record Exchange(String path, String body, String answer) {}

  public Exchange createVirtualNamespace(String name) throws IOException, InterruptedException {
    return post("/namespace/virtual/create", "{\"name\": \"" + name + "\"}");
  }

  public Exchange addPhysicalNamespace(
      String virtualName, String physicalName, String clusterAddress)
      throws IOException, InterruptedException {
    return post(
        "/namespace/physical/add",
        "{\"virtual_namespace\": \""
            + virtualName
            + "\", \"physical_namespace\": \""
            + physicalName
            + "\", \"cluster_address\": \""
            + clusterAddress
            + "\"}");
  }

  /** Sets a virtual namespace's placement policy: rendezvous, round-robin or adaptive. */
  public Exchange setPlacement(String virtualName, String policy)
      throws IOException, InterruptedException {
    return post(
        "/namespace/virtual/placement",
        "{\"name\": \"" + virtualName + "\", \"policy\": \"" + policy + "\"}");
  }

  /**
   * GETs {@code path} (such as {@code /metrics} or {@code /readyz}) and answers the body.
   *
   * @throws IOException also when the answer is not 200
   */
  public String get(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }

  /**
   * POSTs {@code body} as {@code curl -d} would. The callers' values are plain names and addresses,
   * so the JSON is written out like the scenario's rather than escaped.
   */
  private Exchange post(String path, String body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    String answer = response.body().strip();
    if (response.statusCode() != 200) {
      throw new IOException(
          "POST " + path + " answered HTTP " + response.statusCode() + ": " + answer);
    }
    return new Exchange(path, body, answer);
  }
}
