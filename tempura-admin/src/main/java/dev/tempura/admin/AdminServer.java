package dev.tempura.admin;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API: changes and shows the topology, and serves whatever GET routes the caller
 * adds (metrics, health).
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><th>Method and path</th><th>Request</th><th>200 answer</th></tr>
 *   <tr><td>POST /namespace/virtual/create</td><td>{@code {"name"}}</td>
 *       <td>{@code Virtual namespace 'N' created successfully}; 409 if it exists</td></tr>
 *   <tr><td>POST /namespace/physical/add</td>
 *       <td>{@code {"virtual_namespace", "physical_namespace", "cluster_address", "weight"?}}</td>
 *       <td>{@code Physical namespace 'P' added to virtual namespace 'V'}, or
 *           {@code ... re-activated in ...} if it was cordoned; 409 if already active</td></tr>
 *   <tr><td>POST /namespace/physical/remove, /namespace/physical/cordon</td>
 *       <td>{@code {"virtual_namespace", "physical_namespace", "cluster_address"?}}</td>
 *       <td>{@code Physical namespace 'P' cordoned in virtual namespace 'V': ...}: no new
 *           workflows go there; existing ones keep running and workers keep polling it</td></tr>
 *   <tr><td>POST /namespace/physical/uncordon</td><td>as cordon</td>
 *       <td>{@code Physical namespace 'P' uncordoned in virtual namespace 'V': ...}</td></tr>
 *   <tr><td>GET /namespace/virtual/get?name=V</td><td></td>
 *       <td>{@code {"name","physical_namespaces":[{"name","cluster_address","status","weight"}]}},
 *           status {@code active} or {@code cordoned}</td></tr>
 *   <tr><td>GET /namespace/virtual/list</td><td></td>
 *       <td>{@code {"virtual_namespaces":[...as get...]}}</td></tr>
 * </table>
 *
 * <p>Bodies are parsed as JSON whatever their content type, because {@code curl -d} labels them
 * form-encoded; unknown fields are ignored. {@code cluster_address} may be left out of cordon and
 * uncordon when the physical name is unambiguous. Text answers are one line ending in a newline.
 * Errors are one such line: 400 malformed or missing input, 404 unknown namespace or path, 405
 * wrong method (with {@code Allow}), 409 already exists, 413 body over {@value #MAX_BODY_BYTES}
 * bytes, 503 the store is contended or not answering, 500 anything else (logged).
 *
 * <p>With tokens or client certificates configured ({@link Options.Builder#tokens}, {@link
 * Options.Builder#https}), every request except GET {@code /healthz} and {@code /readyz} needs
 * {@code Authorization: Bearer <token>} or a client certificate the server trusts, else 401. Every
 * change (any method but GET and HEAD) and every 401 is written to the {@link AuditLog}.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** How much of a refused oversized body is still read, so that the 413 reaches the client. */
  private static final long OVERSIZED_DISCARD_BYTES = 1024 * 1024;

  private static final int THREADS = 2;
  /** Requests waiting for a thread; beyond this their connections are closed, not queued. */
  private static final int QUEUE_CAPACITY = 64;
  /** How long {@link #close()} lets in-flight requests finish. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  /** Path → method → route; exact paths, since HttpServer contexts match prefixes. */
  private final Map<String, Map<String, AdminRoute>> routes;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Options options;
  /** SHA-256 of each token → its label; compared in constant time. */
  private final Map<String, byte[]> tokenDigests;

  /** GET paths that need no credentials: load balancers and Kubernetes probe them. */
  static final java.util.List<String> OPEN_PATHS = java.util.List.of("/healthz", "/readyz");

  private static final String BODY_ATTRIBUTE = "tempura.admin.body";

  private AdminServer(
      HttpServer server,
      ThreadPoolExecutor executor,
      Map<String, Map<String, AdminRoute>> routes,
      Options options) {
    this.server = server;
    this.executor = executor;
    this.routes = routes;
    this.options = options;
    Map<String, byte[]> digests = new LinkedHashMap<>();
    options.tokens().forEach((label, token) -> digests.put(label, sha256(token)));
    this.tokenDigests = digests;
  }

  /**
   * Binds and starts the server.
   *
   * @param extraRoutes GET routes by exact path (e.g. {@code /metrics}, {@code /healthz}); other
   *     methods on them answer 405. They must not reuse a topology path.
   * @throws IOException when the address cannot be bound
   */
  public static AdminServer start(
      Options options, TopologyService topology, Map<String, AdminRoute> extraRoutes)
      throws IOException {
    requireNonNull(extraRoutes, "extraRoutes");
    Map<String, Map<String, AdminRoute>> byMethod = new LinkedHashMap<>();
    extraRoutes.forEach((path, route) -> byMethod.put(path, Map.of("GET", requireNonNull(route, "extraRoutes route for " + path))));
    return start(options, topology, byMethod, PhysicalDetails.NONE);
  }

  /**
   * Binds and starts the server with extra routes of any method, and live details for the
   * physical namespaces in {@code get} and {@code list}.
   *
   * @param extraRoutes path → HTTP method → route; paths must not reuse a topology path
   */
  public static AdminServer start(
      Options options,
      TopologyService topology,
      Map<String, Map<String, AdminRoute>> extraRoutes,
      PhysicalDetails details)
      throws IOException {
    requireNonNull(options, "options");
    requireNonNull(topology, "topology");
    requireNonNull(extraRoutes, "extraRoutes");
    requireNonNull(details, "details");
    Map<String, Map<String, AdminRoute>> routes = new LinkedHashMap<>();
    routes.putAll(new TopologyRoutes(topology, details).routes());
    extraRoutes.forEach(
        (path, route) -> {
          requireNonNull(path, "extraRoutes path");
          requireNonNull(route, "extraRoutes route for " + path);
          if (!path.startsWith("/")) {
            throw new IllegalArgumentException(
                "extraRoutes path: " + path + " (expected: starting with /)");
          }
          if (routes.putIfAbsent(path, Map.copyOf(route)) != null) {
            throw new IllegalArgumentException(
                "extraRoutes path: " + path + " (expected: not a topology path)");
          }
        });

    // the JDK server writes headers and body apart; without TCP_NODELAY, Nagle holds every
    // answer's body for ~40 ms
    if (System.getProperty("sun.net.httpserver.nodelay") == null) {
      System.setProperty("sun.net.httpserver.nodelay", "true");
    }
    InetSocketAddress address = new InetSocketAddress(options.bindAddress(), options.port());
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve admin bind address " + options.bindAddress());
    }
    HttpServer server;
    if (options.sslContext() == null) {
      server = HttpServer.create(address, 0);
    } else {
      HttpsServer https = HttpsServer.create(address, 0);
      boolean wantCertificates = options.verifiesClientCertificates();
      https.setHttpsConfigurator(
          new HttpsConfigurator(options.sslContext()) {
            @Override
            public void configure(HttpsParameters params) {
              SSLParameters p = getSSLContext().getDefaultSSLParameters();
              // wanted, not needed: probes of /healthz and /readyz come without one, and every
              // other request without a certificate (or token) gets a 401, which says why
              p.setWantClientAuth(wantCertificates);
              params.setSSLParameters(p);
            }
          });
      server = https;
    }
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(QUEUE_CAPACITY),
            new AdminThreadFactory());
    AdminServer admin = new AdminServer(server, executor, Map.copyOf(routes), options);
    server.createContext("/", admin::dispatch);
    server.setExecutor(executor);
    server.start();
    log.info(
        "Admin API listening on {}://{}:{} ({})",
        options.sslContext() == null ? "http" : "https",
        options.bindAddress(),
        admin.port(),
        options.authenticates()
            ? "authentication required except for " + String.join(", ", OPEN_PATHS)
            : "no authentication");
    return admin;
  }

  /** The bound port; the chosen one when {@link Options#port()} was 0. */
  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops taking requests, lets those in flight finish for a short while, then closes every
   * connection. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Drain through the executor rather than HttpServer.stop(delay): on JDK 17 stop always waits
    // the whole delay, even when nothing is in flight.
    executor.shutdown();
    try {
      if (!executor.awaitTermination(DRAIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Admin requests still running after {}; closing anyway", DRAIN_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.stop(0);
    executor.shutdownNow();
  }

  private void dispatch(HttpExchange exchange) {
    Caller caller = null;
    int status = 500;
    boolean audited = false;
    try {
      AdminResponse response;
      try {
        caller = authenticate(exchange);
        if (caller == null) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"tempura-admin\"");
          response = AdminResponse.line(401, unauthorizedMessage());
        } else {
          response = route(exchange);
        }
      } catch (AdminHttpException e) {
        response = AdminResponse.line(e.status(), e.getMessage());
      } catch (TopologyException e) {
        response = AdminResponse.line(status(e.reason()), messageOf(e));
      } catch (Exception e) {
        log.error(
            "Admin request {} {} failed",
            exchange.getRequestMethod(),
            exchange.getRequestURI(),
            e);
        response =
            AdminResponse.line(
                500, "internal error: " + e.getClass().getSimpleName() + "; see the server log");
      }
      status = response.status();
      // written before the answer: a client that has seen its change acknowledged finds it audited
      audited = true;
      audit(exchange, caller, status);
      send(exchange, response);
    } catch (IOException e) {
      log.debug("Admin response to {} not delivered", exchange.getRemoteAddress(), e);
    } finally {
      exchange.close();
      if (!audited) {
        audit(exchange, caller, status);
      }
    }
  }

  /** Who is calling, or null when credentials are required and missing or wrong. */
  private Caller authenticate(HttpExchange exchange) {
    if (!options.authenticates()) {
      return Caller.ANONYMOUS;
    }
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    if (("GET".equals(method) || "HEAD".equals(method)) && OPEN_PATHS.contains(path)) {
      return Caller.ANONYMOUS;
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null && !tokenDigests.isEmpty()) {
      String label = tokenLabel(authorization);
      return label == null ? null : new Caller(label, "token");
    }
    if (options.verifiesClientCertificates() && exchange instanceof HttpsExchange https) {
      try {
        java.security.cert.Certificate[] certs = https.getSSLSession().getPeerCertificates();
        if (certs.length > 0 && certs[0] instanceof java.security.cert.X509Certificate x) {
          // verified against the client CA during the handshake
          return new Caller(x.getSubjectX500Principal().getName(), "client-certificate");
        }
      } catch (javax.net.ssl.SSLPeerUnverifiedException noCertificate) {
        // falls through
      }
    }
    return null;
  }

  /** The label of the token in an {@code Authorization: Bearer} header, or null. */
  private String tokenLabel(String authorization) {
    String a = authorization.strip();
    if (a.length() <= 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] presented = sha256(a.substring(7).strip());
    String match = null;
    // every token is compared, so the time taken does not tell which one nearly matched
    for (Map.Entry<String, byte[]> e : tokenDigests.entrySet()) {
      if (java.security.MessageDigest.isEqual(presented, e.getValue()) && match == null) {
        match = e.getKey();
      }
    }
    return match;
  }

  private String unauthorizedMessage() {
    if (tokenDigests.isEmpty()) {
      return "unauthorized: this admin API needs a client certificate";
    }
    return options.verifiesClientCertificates()
        ? "unauthorized: send Authorization: Bearer <token>, or a client certificate"
        : "unauthorized: send Authorization: Bearer <token>";
  }

  private static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always there", e);
    }
  }

  /** Changes (anything but GET and HEAD) and refusals go to the audit log. */
  private void audit(HttpExchange exchange, Caller caller, int status) {
    String method = exchange.getRequestMethod();
    boolean change = !"GET".equals(method) && !"HEAD".equals(method);
    if (!change && status != 401) {
      return;
    }
    Caller who = caller == null ? Caller.ANONYMOUS : caller;
    options.auditLog()
        .record(
            new AuditLog.Event(
                java.time.Instant.now(),
                String.valueOf(exchange.getRemoteAddress()).replaceFirst("^/", ""),
                who.identity(),
                who.auth(),
                method,
                exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(),
                (byte[]) exchange.getAttribute(BODY_ATTRIBUTE),
                status));
  }

  /** Who made a request: a token's label or a certificate's subject, and how they proved it. */
  private record Caller(String identity, String auth) {
    static final Caller ANONYMOUS = new Caller(null, "none");
  }

  private AdminResponse route(HttpExchange exchange) throws Exception {
    String path = exchange.getRequestURI().getPath();
    String method = exchange.getRequestMethod();
    Map<String, AdminRoute> byMethod = routes.get(path);
    if (byMethod == null) {
      throw new AdminHttpException(404, "no such endpoint: " + path);
    }
    AdminRoute route = byMethod.get(method);
    if (route == null) {
      String allowed = String.join(", ", new TreeMap<>(byMethod).keySet());
      exchange.getResponseHeaders().set("Allow", allowed);
      throw new AdminHttpException(
          405, "method " + method + " not allowed on " + path + "; use " + allowed);
    }
    byte[] body = readBody(exchange);
    exchange.setAttribute(BODY_ATTRIBUTE, body);
    Map<String, String> query = parseQuery(exchange.getRequestURI().getRawQuery());
    return route.handle(method, query, body);
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    InputStream in = exchange.getRequestBody();
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      discard(in, OVERSIZED_DISCARD_BYTES);
      throw new AdminHttpException(
          413, "request body too large (limit: " + MAX_BODY_BYTES + " bytes)");
    }
    return body;
  }

  /**
   * Reads and drops what remains of a refused body. Closing a socket with unread input makes the
   * kernel reset the connection, and the client would then see the reset instead of our 413.
   */
  private static void discard(InputStream in, long limit) throws IOException {
    byte[] buffer = new byte[8192];
    long left = limit;
    int n;
    while (left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0) {
      left -= n;
    }
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    for (String pair : rawQuery.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      // HttpServer already refused malformed escapes with its own 400, so decoding cannot fail
      query.putIfAbsent(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return query;
  }

  private static void send(HttpExchange exchange, AdminResponse response) throws IOException {
    byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", response.contentType());
    exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static int status(TopologyException.Reason reason) {
    return switch (reason) {
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS -> 409;
      case INVALID -> 400;
      case CONFLICT -> 503;
      case STALE_VERSION, OWNED_ELSEWHERE -> 409;
    };
  }

  private static String messageOf(TopologyException e) {
    return e.getMessage() != null ? e.getMessage() : e.reason().name().toLowerCase(Locale.ROOT);
  }

  /** Named daemon threads, so a forgotten server does not keep the JVM alive. */
  private static final class AdminThreadFactory implements ThreadFactory {
    private final AtomicInteger next = new AtomicInteger(1);

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "tempura-admin-" + next.getAndIncrement());
      thread.setDaemon(true);
      return thread;
    }
  }

  /** Where the admin API listens. */
  public static final class Options {
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_PORT = 8089;

    private final String bindAddress;
    private final int port;
    private final Map<String, String> tokens;
    private final javax.net.ssl.SSLContext sslContext;
    private final boolean verifiesClientCertificates;
    private final AuditLog auditLog;

    private Options(Builder builder) {
      this.bindAddress = builder.bindAddress;
      this.port = builder.port;
      this.tokens = Map.copyOf(builder.tokens);
      this.sslContext = builder.sslContext;
      this.verifiesClientCertificates = builder.verifiesClientCertificates;
      this.auditLog = builder.auditLog;
    }

    public static Builder builder() {
      return new Builder();
    }

    /** Listens on {@value #DEFAULT_BIND_ADDRESS}:{@value #DEFAULT_PORT}. */
    public static Options defaults() {
      return builder().build();
    }

    public String bindAddress() {
      return bindAddress;
    }

    /** The port to bind; 0 picks a free one, see {@link AdminServer#port()}. */
    public int port() {
      return port;
    }

    /** Bearer tokens by label (the label names the caller in the audit log); empty for none. */
    public Map<String, String> tokens() {
      return tokens;
    }

    /** HTTPS with this context, or null for plain HTTP. */
    public javax.net.ssl.SSLContext sslContext() {
      return sslContext;
    }

    /** True when client certificates (checked by the context's trust managers) authenticate. */
    public boolean verifiesClientCertificates() {
      return verifiesClientCertificates;
    }

    /** True when requests other than the open health paths need a token or certificate. */
    public boolean authenticates() {
      return !tokens.isEmpty() || verifiesClientCertificates;
    }

    public AuditLog auditLog() {
      return auditLog;
    }

    @Override
    public String toString() {
      return "AdminServer.Options[bindAddress=" + bindAddress + ", port=" + port
          + ", tokens=" + tokens.keySet() + ", https=" + (sslContext != null)
          + ", clientCertificates=" + verifiesClientCertificates + "]";
    }

    public static final class Builder {
      private String bindAddress = DEFAULT_BIND_ADDRESS;
      private int port = DEFAULT_PORT;
      private Map<String, String> tokens = Map.of();
      private javax.net.ssl.SSLContext sslContext;
      private boolean verifiesClientCertificates;
      private AuditLog auditLog = AuditLog.NONE;

      private Builder() {}

      /**
       * Bearer tokens by label; with any, every request except GET {@code /healthz} and {@code
       * /readyz} needs {@code Authorization: Bearer <token>} (or a client certificate, see {@link
       * #https}).
       */
      public Builder tokens(Map<String, String> tokens) {
        requireNonNull(tokens, "tokens");
        tokens.forEach(
            (label, token) -> {
              if (label == null || label.isBlank() || token == null || token.isBlank()) {
                throw new IllegalArgumentException("tokens: blank label or token");
              }
            });
        this.tokens = Map.copyOf(tokens);
        return this;
      }

      /**
       * Serves HTTPS.
       *
       * @param verifyClientCertificates true when {@code context} was made with a trust manager for
       *     client certificates: a client certificate then authenticates like a token
       */
      public Builder https(javax.net.ssl.SSLContext context, boolean verifyClientCertificates) {
        this.sslContext = requireNonNull(context, "context");
        this.verifiesClientCertificates = verifyClientCertificates;
        return this;
      }

      /** Where changes and refusals are recorded; {@link AuditLog#NONE} by default. */
      public Builder auditLog(AuditLog auditLog) {
        this.auditLog = requireNonNull(auditLog, "auditLog");
        return this;
      }

      /** A host name or IP literal; {@code 0.0.0.0} listens on every interface. */
      public Builder bindAddress(String bindAddress) {
        requireNonNull(bindAddress, "bindAddress");
        if (bindAddress.isBlank()) {
          throw new IllegalArgumentException("bindAddress: blank (expected: a host or IP)");
        }
        this.bindAddress = bindAddress;
        return this;
      }

      /** 0 picks a free port. */
      public Builder port(int port) {
        if (port < 0 || port > 65_535) {
          throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
        this.port = port;
        return this;
      }

      public Options build() {
        return new Options(this);
      }
    }
  }
}
