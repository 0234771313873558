package dev.tempura.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.topology.TopologyService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin API under hostile or heavy load, over real sockets: slow clients, bursts, concurrent
 * changes, and what the audit log makes of them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminServerLimitsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "s3cr3t-admin-token-0123456789";

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private TopologyService topology;
  private AdminServer server;
  private Path auditFile;

  private final Map<String, Map<String, AdminRoute>> probes =
      Map.of(
          "/healthz", Map.of("GET", (method, query, body) -> AdminResponse.text(200, "ok\n")),
          "/readyz", Map.of("GET", (method, query, body) -> AdminResponse.text(200, "ready\n")));

  @AfterEach
  void stop() throws Exception {
    Collections.reverse(toClose);
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private void start(AdminOptions.Builder options) throws IOException {
    start(options, AdminServer.Limits.DEFAULTS, Map.of());
  }

  /** Short timeouts and a small executor, with {@code extra} routes besides the probes. */
  private void start(AdminServer.Limits limits, Map<String, Map<String, AdminRoute>> extra)
      throws IOException {
    start(AdminOptions.builder(), limits, extra);
  }

  private void start(
      AdminOptions.Builder options,
      AdminServer.Limits limits,
      Map<String, Map<String, AdminRoute>> extra)
      throws IOException {
    topology = TopologyService.load(new InMemoryTopologyStore());
    toClose.add(topology);
    auditFile = dir.resolve("audit.log");
    AuditLog audit = AuditLog.toFile(auditFile);
    toClose.add(audit);
    Map<String, Map<String, AdminRoute>> routes = new HashMap<>(probes);
    routes.putAll(extra);
    server =
        AdminServer.start(
            options.bindAddress("127.0.0.1").port(0).auditLog(audit).build(),
            topology,
            routes,
            PhysicalDetails.NONE,
            limits);
    toClose.add(server);
  }

  private static AdminServer.Limits limits(
      Duration idle, Duration header, Duration body, int threads, int queue) {
    AdminServer.Limits d = AdminServer.Limits.DEFAULTS;
    return new AdminServer.Limits(
        idle,
        header,
        body,
        threads,
        queue,
        d.queueTimeout(),
        d.maxConnections(),
        d.acceptQueue(),
        d.maxHeaderBytes());
  }

  // --- 1. slow clients ------------------------------------------------------------------------

  @Test
  void sixSlowConnectionsDoNotDelayTheProbes() throws Exception {
    start(AdminOptions.builder());
    List<Socket> slow = new ArrayList<>();
    // three send their headers and a Content-Length, and never the body
    for (int i = 0; i < 3; i++) {
      Socket s = connect();
      slow.add(s);
      write(
          s,
          "POST /namespace/virtual/create HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\"");
    }
    // three never finish their headers
    for (int i = 0; i < 3; i++) {
      Socket s = connect();
      slow.add(s);
      write(s, "GET /namespace/virtual/list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    }
    Thread.sleep(200);

    for (int round = 0; round < 5; round++) {
      for (String path : List.of("/healthz", "/readyz")) {
        long t0 = System.nanoTime();
        RawReply reply = rawExchange(get(path), Duration.ofSeconds(1));
        long tookMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(reply.status()).as("%s in round %d", path, round).isEqualTo(200);
        assertThat(tookMs).as("%s took (ms) in round %d", path, round).isLessThan(1_000);
      }
      // the slow ones keep trickling
      for (Socket s : slow.subList(3, 6)) {
        write(s, "a");
      }
      Thread.sleep(100);
    }
    for (Socket s : slow) {
      s.close();
    }
  }

  @Test
  void aBodyThatStopsComingIsAnswered408AndAuditedAtTheBodyDeadline() throws Exception {
    Duration second = Duration.ofSeconds(1);
    start(limits(Duration.ofSeconds(30), Duration.ofSeconds(30), second, 2, 2), Map.of());
    Socket s = connect();
    s.setSoTimeout((int) TIMEOUT.toMillis());
    long t0 = System.nanoTime();
    // trickles a byte at a time, well inside the idle timeout: only the body deadline stops it
    write(
        s,
        "POST /namespace/virtual/create HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{");
    for (int i = 0; i < 4; i++) {
      Thread.sleep(300);
      try {
        write(s, " ");
      } catch (IOException closedAlready) {
        break;
      }
    }
    String answer = new String(s.getInputStream().readAllBytes(), UTF_8);
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(answer).startsWith("HTTP/1.1 408 ").contains("Connection: close");
    assertThat(answer).endsWith("\r\n\r\nrequest body not received within 1000 ms\n");
    assertThat(tookMs).isBetween(900L, 5_000L);
    assertThat(topology.current().virtualNamespaces()).isEmpty();
    JsonNode line = auditLines().get(0);
    assertThat(line.get("status").asInt()).isEqualTo(408);
    assertThat(line.get("body").isNull()).isTrue();
  }

  @Test
  void headersThatKeepTricklingGetTheConnectionClosed() throws Exception {
    start(
        limits(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(30), 2, 2),
        Map.of());
    Socket s = connect();
    write(s, "GET /namespace/virtual/list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    long t0 = System.nanoTime();
    boolean closed = false;
    while (!closed && System.nanoTime() - t0 < TIMEOUT.toNanos()) {
      Thread.sleep(100);
      try {
        write(s, "a");
        s.setSoTimeout(1);
        closed = s.getInputStream().read() < 0;
      } catch (java.net.SocketTimeoutException stillOpen) {
        // no answer yet: keep trickling
      } catch (IOException reset) {
        closed = true;
      }
    }
    long tookMs = (System.nanoTime() - t0) / 1_000_000;

    assertThat(closed).as("closed by the server").isTrue();
    // checked every half second, closed at the second check in a row with bytes and no request
    assertThat(tookMs).isBetween(900L, 4_000L);
    assertThat(rawExchange(get("/healthz"), TIMEOUT).status()).isEqualTo(200);
  }

  @Test
  void aFullExecutorAnswers503OnOneLine_whileProbesAndTheQueueAreServed() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch entered = new CountDownLatch(1);
    AdminRoute slow =
        (method, query, body) -> {
          entered.countDown();
          release.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          return AdminResponse.text(200, "done\n");
        };
    // one route thread and one place in its queue
    start(
        limits(Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30), 1, 1),
        Map.of("/slow", Map.of("POST", slow)));
    ExecutorService clients = Executors.newFixedThreadPool(2);
    try {
      Future<RawReply> running = clients.submit(() -> rawExchange(post("/slow", ""), TIMEOUT));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      Future<RawReply> queued = clients.submit(() -> rawExchange(post("/slow", ""), TIMEOUT));
      Thread.sleep(200);

      RawReply refused = rawExchange(post("/slow", ""), TIMEOUT);
      long t0 = System.nanoTime();
      RawReply probe = rawExchange(get("/healthz"), TIMEOUT);
      long probeMs = (System.nanoTime() - t0) / 1_000_000;
      release.countDown();

      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.body())
          .isEqualTo("the admin server is busy (too many requests in progress); try again\n");
      assertThat(probe.status()).isEqualTo(200);
      assertThat(probeMs).isLessThan(1_000);
      assertThat(running.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(queued.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(auditLines())
          .extracting(l -> l.get("status").asInt())
          .containsExactlyInAnyOrder(503, 200, 200);
    } finally {
      release.countDown();
      clients.shutdownNow();
    }
  }

  @Test
  void aSlowRouteOutlastsTheIdleTimeout() throws Exception {
    AdminRoute slow =
        (method, query, body) -> {
          Thread.sleep(2_500);
          return AdminResponse.text(200, "done\n");
        };
    start(
        limits(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(30), 2, 2),
        Map.of("/slow", Map.of("POST", slow)));

    RawReply reply = rawExchange(post("/slow", "{}"), TIMEOUT);

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo("done\n");
  }

  @Test
  void closeLetsARequestInFlightFinish_andIsIdempotent() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    AdminRoute slow =
        (method, query, body) -> {
          entered.countDown();
          Thread.sleep(500);
          return AdminResponse.text(200, "done\n");
        };
    start(AdminServer.Limits.DEFAULTS, Map.of("/slow", Map.of("POST", slow)));
    ExecutorService clients = Executors.newSingleThreadExecutor();
    try {
      Future<RawReply> inFlight = clients.submit(() -> rawExchange(post("/slow", ""), TIMEOUT));
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

      long t0 = System.nanoTime();
      server.close();
      server.close();
      long closeMs = (System.nanoTime() - t0) / 1_000_000;

      assertThat(inFlight.get(5, TimeUnit.SECONDS).status()).isEqualTo(200);
      assertThat(closeMs).isLessThan(4_000);
      assertThat(auditLines()).hasSize(1);
      int port = server.port();
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close())
          .isInstanceOf(IOException.class);
    } finally {
      clients.shutdownNow();
    }
  }

  @Test
  void jettysOwnErrorsAreOneLineOfText() throws Exception {
    start(AdminOptions.builder());
    String huge = "x".repeat(AdminServer.Limits.DEFAULTS.maxHeaderBytes() + 1);

    RawReply tooLarge =
        rawExchange(
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: "
                + huge
                + "\r\nConnection: close\r\n\r\n",
            TIMEOUT);

    assertThat(tooLarge.status()).isEqualTo(431);
    assertThat(tooLarge.head()).contains("Content-Type: text/plain");
    assertThat(tooLarge.body()).endsWith("\n");
    assertThat(tooLarge.body().strip()).doesNotContain("\n").doesNotContain("<");
  }

  @Test
  void aMalformedQueryStringIsABadRequest() throws Exception {
    start(AdminOptions.builder());

    RawReply reply = rawExchange(get("/namespace/virtual/get?name=%zz"), TIMEOUT);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).startsWith("malformed query string").endsWith("\n");
  }

  // --- 2. bursts ------------------------------------------------------------------------------

  @Test
  void aBurstOf2000RequestsAt64InFlightIsAnsweredEveryTime() throws Exception {
    start(AdminOptions.builder());
    int total = 2_000;
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    Semaphore inFlight = new Semaphore(64);
    Map<Integer, Integer> byStatus = new ConcurrentHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      // changes, reads and probes mixed, on the client's kept-alive connections
      HttpRequest request =
          switch (i % 8) {
            case 0 -> HttpRequest.newBuilder(uri("/healthz")).timeout(TIMEOUT).build();
            case 1, 3, 5, 7 ->
                HttpRequest.newBuilder(uri("/namespace/virtual/create"))
                    .timeout(TIMEOUT)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"burst-" + i + "\"}"))
                    .build();
            default ->
                HttpRequest.newBuilder(uri("/namespace/virtual/list")).timeout(TIMEOUT).build();
          };
      String label = "#" + i + " " + request.method() + " " + request.uri().getPath();
      inFlight.acquire();
      all.add(
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .whenComplete(
                  (response, failure) -> {
                    inFlight.release();
                    if (failure != null) {
                      failures.add(label + ": " + failure);
                    } else {
                      byStatus.merge(response.statusCode(), 1, Integer::sum);
                    }
                  }));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .exceptionally(ignored -> null)
        .get(50, TimeUnit.SECONDS);

    assertThat(failures).as("requests that got no HTTP answer").isEmpty();
    assertThat(byStatus.keySet()).isSubsetOf(200, 503);
    assertThat(byStatus.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
  }

  @Test
  void aBurstOf2000NewConnectionsAt64InFlightIsAnsweredEveryTime() throws Exception {
    start(AdminOptions.builder());
    int total = 2_000;
    int inFlight = 64;
    AtomicInteger next = new AtomicInteger();
    Map<Integer, Integer> byStatus = new ConcurrentHashMap<>();
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    ExecutorService clients = Executors.newFixedThreadPool(inFlight);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < inFlight; c++) {
        done.add(
            clients.submit(
                () -> {
                  int i;
                  while ((i = next.getAndIncrement()) < total) {
                    // a new connection each time: the accept queue takes the burst
                    String path = i % 4 == 0 ? "/healthz" : "/namespace/virtual/list";
                    try {
                      byStatus.merge(rawExchange(get(path), TIMEOUT).status(), 1, Integer::sum);
                    } catch (IOException | RuntimeException e) {
                      failures.add("#" + i + " " + path + ": " + e);
                    }
                  }
                }));
      }
      for (Future<?> f : done) {
        f.get(50, TimeUnit.SECONDS);
      }
    } finally {
      clients.shutdownNow();
    }

    assertThat(failures).as("requests that got no HTTP answer").isEmpty();
    assertThat(byStatus.keySet()).isSubsetOf(200, 503);
    assertThat(byStatus.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(total);
  }

  // --- 3. the audit log under concurrency -----------------------------------------------------

  @Test
  void aThousandConcurrentCreatesAreEachAuditedOnceWithTheirOwnBody() throws Exception {
    start(AdminOptions.builder());
    int total = 1_000;
    // one connection per request, 64 at a time: the client's own port names the request in the
    // audit line's "remote", so each line can be checked against the request it claims to be
    java.util.concurrent.ExecutorService clients =
        java.util.concurrent.Executors.newFixedThreadPool(64);
    Map<String, String> nameByRemote = new java.util.concurrent.ConcurrentHashMap<>();
    Map<String, Integer> statusByName = new java.util.concurrent.ConcurrentHashMap<>();
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    try {
      List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        String name = "vns-" + i;
        sent.add(
            clients.submit(
                () -> {
                  try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 30_000);
                    s.setSoTimeout(30_000);
                    nameByRemote.put("127.0.0.1:" + s.getLocalPort(), name);
                    write(s, post("/namespace/virtual/create", "{\"name\": \"" + name + "\"}"));
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    s.getInputStream().transferTo(all);
                    String text = all.toString(UTF_8);
                    if (!text.startsWith("HTTP/1.1 ")) {
                      failures.add(name + ": no HTTP answer");
                    } else {
                      statusByName.put(name, Integer.parseInt(text.substring(9, 12)));
                    }
                  } catch (IOException e) {
                    failures.add(name + ": " + e);
                  }
                }));
      }
      for (java.util.concurrent.Future<?> f : sent) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      clients.shutdownNow();
    }
    assertThat(failures).as("creates that got no HTTP answer").isEmpty();
    assertThat(statusByName.values()).isSubsetOf(200, 503).contains(200);

    List<JsonNode> lines = auditLines();
    assertThat(lines).hasSize(total);
    Map<String, Integer> auditedStatusByName = new HashMap<>();
    for (JsonNode line : lines) {
      assertThat(line.get("method").asText()).isEqualTo("POST");
      assertThat(line.get("path").asText()).isEqualTo("/namespace/virtual/create");
      String sentBy = nameByRemote.get(line.get("remote").asText());
      assertThat(sentBy).as("the request of %s", line).isNotNull();
      assertThat(line.get("body").get("name").asText()).as("body of %s", line).isEqualTo(sentBy);
      assertThat(auditedStatusByName.put(sentBy, line.get("status").asInt()))
          .as("a second line for %s", sentBy)
          .isNull();
    }
    assertThat(auditedStatusByName).isEqualTo(statusByName);
    assertThat(topology.current().virtualNamespaces().keySet())
        .containsExactlyInAnyOrderElementsOf(
            statusByName.entrySet().stream()
                .filter(e -> e.getValue() == 200)
                .map(Map.Entry::getKey)
                .toList());
  }

  @Test
  void aWrongMethodIsAuditedWithItsOwnEmptyBody() throws Exception {
    start(AdminOptions.builder());

    assertThat(
            rawExchange(post("/namespace/virtual/create", "{\"name\": \"first\"}"), TIMEOUT)
                .status())
        .isEqualTo(200);
    RawReply refused =
        rawExchange(
            "DELETE /namespace/virtual/list HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            TIMEOUT);

    assertThat(refused.status()).isEqualTo(405);
    List<JsonNode> lines = auditLines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("body").get("name").asText()).isEqualTo("first");
    JsonNode delete = lines.get(1);
    assertThat(delete.get("method").asText()).isEqualTo("DELETE");
    assertThat(delete.get("path").asText()).isEqualTo("/namespace/virtual/list");
    assertThat(delete.get("status").asInt()).isEqualTo(405);
    assertThat(delete.get("body").isNull()).as("body of %s", delete).isTrue();
  }

  // --- 4. secrets -----------------------------------------------------------------------------

  @Test
  void aTokenInTheQueryStringNeverReachesTheAuditLog() throws Exception {
    start(AdminOptions.builder().tokens(Map.of("ops", TOKEN)));

    RawReply accepted =
        rawExchange(
            post(
                "/namespace/virtual/create?token=secret-value&trace=abc",
                "{\"name\": \"q\", \"password\": \"secret-in-body\"}",
                "Authorization: Bearer " + TOKEN),
            TIMEOUT);
    RawReply refused =
        rawExchange(
            get("/namespace/virtual/list?access_token=secret-value-2&api_key=secret-value-3"),
            TIMEOUT);

    // refused: the admin API takes no token (nor any other unknown parameter) in a query string
    assertThat(accepted.status()).isEqualTo(400);
    assertThat(accepted.body()).startsWith("unknown query parameter 'token'");
    assertThat(refused.status()).isEqualTo(401);
    String all = Files.readString(auditFile);
    assertThat(all)
        .doesNotContain("secret-value")
        .doesNotContain("secret-in-body")
        .doesNotContain(TOKEN);
    List<JsonNode> lines = auditLines();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0).get("query").asText()).isEqualTo("token=[redacted]&trace=abc");
    assertThat(lines.get(0).get("body").get("name").asText()).isEqualTo("q");
    assertThat(lines.get(0).get("identity").asText()).isEqualTo("ops");
    assertThat(lines.get(1).get("query").asText())
        .isEqualTo("access_token=[redacted]&api_key=[redacted]");
    assertThat(lines.get(1).get("status").asInt()).isEqualTo(401);
  }

  // --- helpers --------------------------------------------------------------------------------

  private List<JsonNode> auditLines() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(auditFile)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  private URI uri(String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) TIMEOUT.toMillis());
    toClose.add(s);
    return s;
  }

  private static void write(Socket s, String text) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(text.getBytes(UTF_8));
    out.flush();
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  }

  private static String post(String path, String body, String... headers) {
    StringBuilder r =
        new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (String h : headers) {
      r.append(h).append("\r\n");
    }
    byte[] bytes = body.getBytes(UTF_8);
    r.append("Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ")
        .append(bytes.length)
        .append("\r\n\r\n")
        .append(body);
    return r.toString();
  }

  /** One request on a new connection, read to its end (the request says Connection: close). */
  private RawReply rawExchange(String request, Duration timeout) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), (int) timeout.toMillis());
      s.setSoTimeout((int) timeout.toMillis());
      write(s, request);
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(UTF_8);
      if (!text.startsWith("HTTP/1.1 ")) {
        throw new IOException("no HTTP answer: '" + text + "'");
      }
      int status = Integer.parseInt(text.substring(9, 12));
      int split = text.indexOf("\r\n\r\n");
      return new RawReply(status, text.substring(0, split), text.substring(split + 4));
    }
  }

  private record RawReply(int status, String head, String body) {}
}
