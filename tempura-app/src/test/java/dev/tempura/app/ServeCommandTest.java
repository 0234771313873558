package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.local.Ports;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tempura serve} in-process, driven with the scale-out scenario's own curl commands. */
class ServeCommandTest {
  private static final Duration STARTUP = Duration.ofSeconds(30);
  private static final Duration SHUTDOWN = Duration.ofSeconds(30);

  @TempDir Path dataDir;
  private final List<Serving> running = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void requireCurl() {
    Assumptions.assumeTrue(curlInstalled(), "curl is not installed");
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Serving s : running) {
      s.stop();
    }
  }

  @Test
  void serve_scenarioAdminCommands_answerTheScenarioLinesAndTopologySurvivesRestart()
      throws Exception {
    Serving first = serve();

    assertThat(
            curl(
                "curl -s -X POST http://localhost:"
                    + first.adminPort
                    + "/namespace/virtual/create -d '{\"name\": \"my-app-namespace\"}'"))
        .isEqualTo("Virtual namespace 'my-app-namespace' created successfully\n");
    assertThat(
            curl(
                "curl -s -X POST http://localhost:"
                    + first.adminPort
                    + "/namespace/physical/add -d '{\"virtual_namespace\": \"my-app-namespace\","
                    + " \"physical_namespace\": \"namespace-a\", \"cluster_address\":"
                    + " \"cluster-a.example.com:7233\"}'"))
        .isEqualTo(
            "Physical namespace 'namespace-a' added to virtual namespace 'my-app-namespace'\n");
    assertThat(
            curl(
                "curl -s -o /dev/null -w '%{http_code}' -X POST http://localhost:"
                    + first.adminPort
                    + "/namespace/virtual/create -d '{\"name\": '"))
        .isEqualTo("400");
    assertThat(first.stop()).as("exit code").isZero();

    Serving second = serve();
    JsonNode vns =
        new ObjectMapper()
            .readTree(
                curl(
                    "curl -s http://localhost:"
                        + second.adminPort
                        + "/namespace/virtual/get?name=my-app-namespace"));
    assertThat(vns.path("physical_namespaces"))
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.path("name").asText()).isEqualTo("namespace-a");
              assertThat(p.path("cluster_address").asText())
                  .isEqualTo("cluster-a.example.com:7233");
            });
  }

  @Test
  void serve_healthAndGrpc_answerOnceStarted() throws Exception {
    Serving s = serve();

    assertThat(get(s.adminPort, "/healthz").body()).isEqualTo("ok\n");
    assertThat(get(s.adminPort, "/readyz").body()).isEqualTo("ready\n");
    assertThat(get(s.adminPort, "/metrics").body())
        .contains("tempura_mapping_cache_hits_total")
        .contains("jvm_memory_used_bytes");
    ManagedChannel channel =
        ManagedChannelBuilder.forAddress("127.0.0.1", s.grpcPort).usePlaintext().build();
    try {
      assertThat(
              HealthGrpc.newBlockingStub(channel)
                  .withDeadlineAfter(30, TimeUnit.SECONDS)
                  .check(
                      HealthCheckRequest.newBuilder()
                          .setService("temporal.api.workflowservice.v1.WorkflowService")
                          .build())
                  .getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void serve_badPortInEnvironment_exitsWithUsageError() {
    StringWriter err = new StringWriter();
    int exitCode =
        TempuraCommand.commandLine()
            .setErr(new PrintWriter(err))
            .execute("serve", "--grpc-port", "80a", "--data-dir", dataDir.toString());

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString())
        .contains("grpc-port: '80a' from --grpc-port is not a port (expected: 0-65535)");
  }

  /** Runs {@code tempura serve} on a thread of its own and waits until it is ready. */
  private Serving serve() throws Exception {
    Serving s = new Serving(Ports.freePort(), Ports.freePort(), dataDir);
    running.add(s);
    s.start();
    await()
        .atMost(STARTUP)
        .ignoreException(ConnectException.class)
        .untilAsserted(
            () -> {
              assertThat(s.exitCode).as("serve exited early").isNotDone();
              assertThat(get(s.adminPort, "/readyz").statusCode()).isEqualTo(200);
            });
    return s;
  }

  private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Runs {@code command} as the scenario's reader would, in a shell, and answers its output. */
  private static String curl(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("curl finished").isTrue();
    return output;
  }

  private static boolean curlInstalled() {
    try {
      Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** One {@code tempura serve}; interrupting its thread stops it as a signal would. */
  private static final class Serving {
    final int grpcPort;
    final int adminPort;
    final CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    private final Thread thread;

    Serving(int grpcPort, int adminPort, Path dataDir) {
      this.grpcPort = grpcPort;
      this.adminPort = adminPort;
      String[] args = {
        "serve",
        "--bind",
        "127.0.0.1",
        "--grpc-port",
        Integer.toString(grpcPort),
        "--admin-port",
        Integer.toString(adminPort),
        "--data-dir",
        dataDir.toString()
      };
      this.thread =
          new Thread(() -> exitCode.complete(TempuraCommand.commandLine().execute(args)), "serve");
    }

    void start() {
      thread.start();
    }

    int stop() throws Exception {
      thread.interrupt();
      return exitCode.get(SHUTDOWN.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
