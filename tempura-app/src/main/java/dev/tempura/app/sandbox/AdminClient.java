package dev.tempura.app.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Tempura's admin HTTP API, called the way the scenario's curl commands call it. */
final class AdminClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final URI base;

  AdminClient(URI base) {
    this.base = base;
  }

  URI base() {
    return base;
  }

  /** A successful answer: the request as sent and the one line the admin API answered. */
  record Exchange(String path, String body, String answer) {}

  Exchange createVirtualNamespace(String name) throws IOException, InterruptedException {
    return post("/namespace/virtual/create", "{\"name\": \"" + name + "\"}");
  }

  Exchange addPhysicalNamespace(String virtualName, String physicalName, String clusterAddress)
      throws IOException, InterruptedException {
    return post(
        "/namespace/physical/add",
        "{\"virtual_namespace\": \"" + virtualName + "\", \"physical_namespace\": \""
            + physicalName + "\", \"cluster_address\": \"" + clusterAddress + "\"}");
  }

  /** GETs {@code path} (such as {@code /metrics}) and answers the body. */
  String get(String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET().build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + path + " answered HTTP " + response.statusCode());
    }
    return response.body();
  }

  /**
   * POSTs {@code body} as {@code curl -d} would. The callers' values are plain names and
   * addresses, so the JSON is written out like the scenario's rather than escaped.
   */
  private Exchange post(String path, String body) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(TIMEOUT)
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
