package dev.tempura.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
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
 *       <td>{@code {"virtual_namespace", "physical_namespace", "cluster_address", "weight"?, "existing_workflows"?}}</td>
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
 * wrong method (with {@code Allow}), 408 body not received in time, 409 already exists, 413 body
 * over {@value #MAX_BODY_BYTES} bytes, 503 the store is contended or not answering or the admin
 * server is busy, 500 anything else (logged).
 *
 * <p>With tokens or client certificates configured ({@link AdminOptions.Builder#tokens}, {@link
 * AdminOptions.Builder#https}), every request except GET {@code /healthz} and {@code /readyz} needs
 * {@code Authorization: Bearer <token>} or a client certificate the server trusts, else 401. Every
 * change (any method but GET and HEAD) and every 401 is written to the {@link AuditLog}.
 *
 * <p>Served by Jetty (its core API, no servlets) with asynchronous I/O: a slow or silent client
 * holds a connection, never a thread. Limits, all per server:
 *
 * <ul>
 *   <li>a request's headers (at most 8 KiB) must be complete within about 10 s of their bytes
 *       starting to come; its body (at most {@value #MAX_BODY_BYTES} bytes) within 10 s of its
 *       headers, else 408; a connection silent for 10 s is closed;
 *   <li>routes run on a small executor of their own ({@value #ROUTE_THREADS} threads, at most
 *       {@value #ROUTE_QUEUE} requests waiting, none for more than 10 s); a request beyond that is
 *       answered 503 at once rather than queued;
 *   <li>{@linkplain #PROBE_PATHS probes}, GET {@code /healthz} and {@code /readyz}, are answered on
 *       the I/O thread as soon as their headers are in, before any body is read and ahead of the
 *       route executor, so a busy or attacked admin API still answers them; their routes must be
 *       cheap and must not block;
 *   <li>at most {@value #MAX_CONNECTIONS} connections at once (then new ones wait in an accept
 *       queue of {@value #ACCEPT_QUEUE}).
 * </ul>
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  public static final int MAX_BODY_BYTES = 64 * 1024;

  /** How much of a refused oversized body is still read, so that the 413 reaches the client. */
  private static final long OVERSIZED_DISCARD_BYTES = 1024 * 1024;

  static final int ROUTE_THREADS = 4;
  static final int ROUTE_QUEUE = 64;
  static final int MAX_CONNECTIONS = 1_000;
  static final int ACCEPT_QUEUE = 1_024;

  /** Jetty's I/O threads: an acceptor, a selector, and workers that never wait on a route. */
  private static final int HTTP_THREADS = 16;

  /** How long {@link #close()} lets in-flight requests finish. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(2);

  /** GET paths that need no credentials: load balancers and Kubernetes probe them. */
  static final List<String> OPEN_PATHS = List.of("/healthz", "/readyz");

  /**
   * Paths whose GET (and HEAD) routes are probes: answered as soon as the headers are in, on the
   * I/O thread, bypassing the route executor and its limit. Only cheap, read-only routes belong
   * here; every other route, {@code /metrics} included, goes through the executor.
   */
  static final Set<String> PROBE_PATHS = Set.copyOf(OPEN_PATHS);

  private static final String BUSY_MESSAGE =
      "the admin server is busy (too many requests in progress); try again";

  private final Server jetty;
  private final int port;
  private final ThreadPoolExecutor executor;

  /** Path → method → route; exact paths. */
  private final Map<String, Map<String, AdminRoute>> routes;

  private final AtomicBoolean closed = new AtomicBoolean();
  private final AdminOptions options;
  private final Limits limits;
  private final AdminAuthenticator authenticator;

  /**
   * Timeouts and sizes; package-private so that tests can shrink them.
   *
   * @param idleTimeout a connection with no bytes in or out for this long is closed
   * @param headerTimeout a connection that keeps receiving bytes for this long without completing a
   *     request's headers is closed (checked every half of it: closed after half to all of it)
   * @param bodyTimeout a request's whole body must arrive within this long of its headers
   * @param routeThreads routes running at once
   * @param routeQueue requests waiting for a route thread; beyond them, 503
   * @param queueTimeout a request that waited this long for a route thread is answered 503
   */
  record Limits(
      Duration idleTimeout,
      Duration headerTimeout,
      Duration bodyTimeout,
      int routeThreads,
      int routeQueue,
      Duration queueTimeout,
      int maxConnections,
      int acceptQueue,
      int maxHeaderBytes) {
    static final Limits DEFAULTS =
        new Limits(
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            Duration.ofSeconds(10),
            ROUTE_THREADS,
            ROUTE_QUEUE,
            Duration.ofSeconds(10),
            MAX_CONNECTIONS,
            ACCEPT_QUEUE,
            8 * 1024);

    Limits {
      if (routeThreads < 1 || routeQueue < 1 || maxConnections < 1 || acceptQueue < 1) {
        throw new IllegalArgumentException("limits: counts must be >= 1");
      }
    }
  }

  private AdminServer(
      Server jetty,
      ThreadPoolExecutor executor,
      Map<String, Map<String, AdminRoute>> routes,
      AdminOptions options,
      Limits limits) {
    this.jetty = jetty;
    this.executor = executor;
    this.routes = routes;
    this.options = options;
    this.limits = limits;
    this.authenticator = new AdminAuthenticator(options);
    this.port = startJetty();
  }

  /**
   * Binds and starts the server.
   *
   * @param extraRoutes GET routes by exact path (e.g. {@code /metrics}, {@code /healthz}); other
   *     methods on them answer 405. They must not reuse a topology path.
   * @throws IOException when the address cannot be bound
   */
  public static AdminServer start(
      AdminOptions options, TopologyService topology, Map<String, AdminRoute> extraRoutes)
      throws IOException {
    requireNonNull(extraRoutes, "extraRoutes");
    Map<String, Map<String, AdminRoute>> byMethod = new LinkedHashMap<>();
    extraRoutes.forEach(
        (path, route) ->
            byMethod.put(
                path, Map.of("GET", requireNonNull(route, "extraRoutes route for " + path))));
    return start(options, topology, byMethod, PhysicalDetails.NONE);
  }

  /**
   * Binds and starts the server with extra routes of any method, and live details for the physical
   * namespaces in {@code get} and {@code list}.
   *
   * @param extraRoutes path → HTTP method → route; paths must not reuse a topology path. GET routes
   *     on {@link #PROBE_PATHS} ({@code /healthz}, {@code /readyz}) are probes: they must answer at
   *     once without blocking
   */
  public static AdminServer start(
      AdminOptions options,
      TopologyService topology,
      Map<String, Map<String, AdminRoute>> extraRoutes,
      PhysicalDetails details)
      throws IOException {
    return start(options, topology, extraRoutes, details, AddCheck.NONE, Limits.DEFAULTS);
  }

  /**
   * As {@link #start(AdminOptions, TopologyService, Map, PhysicalDetails)}, with a consistency
   * check that a physical namespace must pass to be added (unless the request says {@code "force":
   * true}).
   */
  public static AdminServer start(
      AdminOptions options,
      TopologyService topology,
      Map<String, Map<String, AdminRoute>> extraRoutes,
      PhysicalDetails details,
      AddCheck addCheck)
      throws IOException {
    return start(options, topology, extraRoutes, details, addCheck, Limits.DEFAULTS);
  }

  static AdminServer start(
      AdminOptions options,
      TopologyService topology,
      Map<String, Map<String, AdminRoute>> extraRoutes,
      PhysicalDetails details,
      Limits limits)
      throws IOException {
    return start(options, topology, extraRoutes, details, AddCheck.NONE, limits);
  }

  private static AdminServer start(
      AdminOptions options,
      TopologyService topology,
      Map<String, Map<String, AdminRoute>> extraRoutes,
      PhysicalDetails details,
      AddCheck addCheck,
      Limits limits)
      throws IOException {
    requireNonNull(options, "options");
    requireNonNull(topology, "topology");
    requireNonNull(extraRoutes, "extraRoutes");
    requireNonNull(details, "details");
    requireNonNull(limits, "limits");
    Map<String, Map<String, AdminRoute>> routes = new LinkedHashMap<>();
    routes.putAll(new TopologyRoutes(topology, details, addCheck).routes());
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
    InetSocketAddress address = new InetSocketAddress(options.bindAddress(), options.port());
    if (address.isUnresolved()) {
      throw new IOException("cannot resolve admin bind address " + options.bindAddress());
    }

    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            limits.routeThreads(),
            limits.routeThreads(),
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(limits.routeQueue()),
            new AdminThreadFactory());
    QueuedThreadPool threads = new QueuedThreadPool(HTTP_THREADS, 2);
    threads.setName("tempura-admin-http");
    threads.setDaemon(true);
    // daemon, unlike Jetty's default scheduler: a forgotten server does not keep the JVM alive
    Server jetty =
        new Server(threads, new ScheduledExecutorScheduler("tempura-admin-scheduler", true), null);
    AdminServer admin;
    try {
      admin = new AdminServer(jetty, executor, Map.copyOf(routes), options, limits);
    } catch (RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
    if (admin.port < 0) {
      executor.shutdownNow();
      throw new IOException(
          "cannot listen on " + options.bindAddress() + ":" + options.port() + " (admin API)",
          admin.startFailure);
    }
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

  /** Why {@link #startJetty()} failed, for the IOException start throws. */
  private Exception startFailure;

  /** Configures and starts Jetty; the bound port, or -1 with {@link #startFailure} set. */
  private int startJetty() {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    HttpConnectionFactory http1 = new HttpConnectionFactory(http);
    ServerConnector connector;
    if (options.sslContext() == null) {
      connector = new ServerConnector(jetty, 1, 1, http1);
    } else {
      http.setSecureScheme("https");
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      // the JDK server this replaced checked no Host against the certificate; neither do we
      secure.setSniHostCheck(false);
      http.addCustomizer(secure);
      SslContextFactory.Server tls = new SslContextFactory.Server();
      tls.setSslContext(options.sslContext());
      // wanted, not needed: probes of /healthz and /readyz come without one, and every other
      // request without a certificate (or token) gets a 401, which says why
      tls.setWantClientAuth(options.verifiesClientCertificates());
      connector =
          new ServerConnector(
              jetty, 1, 1, new SslConnectionFactory(tls, http1.getProtocol()), http1);
    }
    connector.setHost(options.bindAddress());
    connector.setPort(options.port());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    // a burst of connections waits in the kernel's queue rather than being refused
    connector.setAcceptQueueSize(limits.acceptQueue());
    connector.addEventListener(new HeaderDeadline(jetty.getScheduler(), limits.headerTimeout()));
    jetty.addConnector(connector);
    jetty.addBean(new NetworkConnectionLimit(limits.maxConnections(), connector));
    jetty.setErrorHandler(new OneLineErrorHandler());
    GracefulHandler graceful = new GracefulHandler(new AdminHandler());
    // on stop, idle kept-alive connections close at once instead of after Jetty's default 1 s;
    // a request being handled does no I/O while its route runs, so it is not cut short by this
    graceful.setShutdownIdleTimeout(100);
    jetty.setHandler(graceful);
    jetty.setStopTimeout(DRAIN_TIMEOUT.toMillis());
    try {
      jetty.start();
      return connector.getLocalPort();
    } catch (Exception e) {
      startFailure = e;
      try {
        jetty.stop();
      } catch (Exception stopFailure) {
        e.addSuppressed(stopFailure);
      }
      return -1;
    }
  }

  /** The bound port; the chosen one when {@link AdminOptions#port()} was 0. */
  public int port() {
    return port;
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
    // graceful: the connector stops accepting, then Jetty waits up to DRAIN_TIMEOUT for the
    // requests in flight (queued and running routes included) before closing every connection
    try {
      jetty.stop();
    } catch (Exception e) {
      log.warn("Admin server did not stop cleanly", e);
    }
    executor.shutdownNow();
    try {
      if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
        log.warn("Admin routes still running after the server closed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every request: authentication, probes, then the body, then the route on the executor. */
  private final class AdminHandler extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Exchange exchange = new Exchange(request, response, callback);
      AdminAuthenticator.Caller caller =
          authenticator.authenticate(request, exchange.method, exchange.path);
      if (caller == null) {
        response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"tempura-admin\"");
        exchange.finish(AdminResponse.line(401, authenticator.unauthorizedMessage()));
        return true;
      }
      exchange.caller = caller;
      Map<String, AdminRoute> byMethod = routes.get(exchange.path);
      AdminRoute route = byMethod == null ? null : byMethod.get(exchange.method);
      if (route != null && isProbe(exchange.method, exchange.path)) {
        // answered here and now: no body to wait for, no queue to stand in
        answer(route, exchange);
        return true;
      }
      new BodyReader(exchange, () -> dispatch(exchange, byMethod)).start();
      return true;
    }
  }

  private static boolean isProbe(String method, String path) {
    return ("GET".equals(method) || "HEAD".equals(method)) && PROBE_PATHS.contains(path);
  }

  /** After the body is in: 404, 405, or the route on the executor (503 if it is full). */
  private void dispatch(Exchange exchange, Map<String, AdminRoute> byMethod) {
    if (byMethod == null) {
      exchange.finish(AdminResponse.line(404, "no such endpoint: " + exchange.path));
      return;
    }
    AdminRoute route = byMethod.get(exchange.method);
    if (route == null) {
      String allowed = String.join(", ", new TreeMap<>(byMethod).keySet());
      exchange.response.getHeaders().put(HttpHeader.ALLOW, allowed);
      exchange.finish(
          AdminResponse.line(
              405,
              "method "
                  + exchange.method
                  + " not allowed on "
                  + exchange.path
                  + "; use "
                  + allowed));
      return;
    }
    long queued = System.nanoTime();
    try {
      executor.execute(
          () -> {
            if (System.nanoTime() - queued > limits.queueTimeout().toNanos()) {
              exchange.finish(AdminResponse.line(503, BUSY_MESSAGE));
            } else {
              answer(route, exchange);
            }
          });
    } catch (RejectedExecutionException full) {
      exchange.finish(
          AdminResponse.line(
              503, closed.get() ? "the admin server is shutting down" : BUSY_MESSAGE));
    }
  }

  /** Runs a route and answers; even an Error (then rethrown) leaves the client an answer. */
  private void answer(AdminRoute route, Exchange exchange) {
    try {
      exchange.finish(run(route, exchange));
    } catch (Error e) {
      log.error("Admin request {} {} failed", exchange.method, exchange.path, e);
      exchange.finish(
          AdminResponse.line(
              500, "internal error: " + e.getClass().getSimpleName() + "; see the server log"));
      throw e;
    }
  }

  /** Runs a route; every failure becomes an answer. */
  private AdminResponse run(AdminRoute route, Exchange exchange) {
    try {
      Map<String, String> query = parseQuery(exchange.rawQuery);
      return route.handle(
          exchange.method, query, exchange.body == null ? new byte[0] : exchange.body);
    } catch (AdminHttpException e) {
      return AdminResponse.line(e.status(), e.getMessage());
    } catch (TopologyException e) {
      return AdminResponse.line(status(e.reason()), messageOf(e));
    } catch (Exception e) {
      // the path only: a query string may carry what should not be logged
      log.error("Admin request {} {} failed", exchange.method, exchange.path, e);
      return AdminResponse.line(
          500, "internal error: " + e.getClass().getSimpleName() + "; see the server log");
    }
  }

  /**
   * One request and all the audit log needs to know of it. Built from the request itself and never
   * shared, so that each audit record describes its own request.
   */
  private final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    final String method;
    final String path;
    final String rawQuery;
    final String remote;
    volatile AdminAuthenticator.Caller caller;

    /** The body as read, or null when it was not read (401, probes) or was refused. */
    volatile byte[] body;

    private final AtomicBoolean finished = new AtomicBoolean();

    Exchange(Request request, Response response, Callback callback) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.method = request.getMethod();
      this.path = request.getHttpURI().getDecodedPath();
      this.rawQuery = request.getHttpURI().getQuery();
      this.remote =
          String.valueOf(request.getConnectionMetaData().getRemoteSocketAddress())
              .replaceFirst("^/", "");
    }

    boolean finished() {
      return finished.get();
    }

    /** Audits, then answers; only the first call counts. */
    void finish(AdminResponse answer) {
      finish(answer, false);
    }

    void finish(AdminResponse answer, boolean closeConnection) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      // written before the answer: a client that has seen its change acknowledged finds it audited
      audit(this, answer.status());
      byte[] bytes = answer.body().getBytes(UTF_8);
      try {
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        if (closeConnection) {
          response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        response.write(true, ByteBuffer.wrap(bytes), callback);
      } catch (RuntimeException e) {
        // the connection is gone or the request already failed: nothing left to answer
        log.debug("Admin response to {} not delivered", remote, e);
        callback.failed(e);
      }
    }
  }

  /**
   * Reads a request's body without holding a thread while it arrives: at most {@link
   * #MAX_BODY_BYTES} kept, a refused body drained up to {@link #OVERSIZED_DISCARD_BYTES} so that
   * the 413 reaches the client, and all of it due within {@link Limits#bodyTimeout()}.
   */
  private final class BodyReader implements Runnable {
    private final Exchange exchange;
    private final Runnable then;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long total;
    private Scheduler.Task deadline;

    BodyReader(Exchange exchange, Runnable then) {
      this.exchange = exchange;
      this.then = then;
    }

    void start() {
      long declared = exchange.request.getLength();
      if (declared > MAX_BODY_BYTES + OVERSIZED_DISCARD_BYTES) {
        exchange.finish(tooLarge(), true);
        return;
      }
      deadline =
          exchange
              .request
              .getComponents()
              .getScheduler()
              .schedule(this::timedOut, limits.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
      run();
    }

    private void timedOut() {
      exchange.finish(
          AdminResponse.line(
              408, "request body not received within " + limits.bodyTimeout().toMillis() + " ms"),
          true);
    }

    /** Reads what is there, then asks to be called again when more comes. */
    @Override
    public void run() {
      while (!exchange.finished()) {
        Content.Chunk chunk = exchange.request.read();
        if (chunk == null) {
          exchange.request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          deadline.cancel();
          Throwable failure = chunk.getFailure();
          if (failure instanceof TimeoutException) {
            timedOut();
          } else {
            exchange.finish(AdminResponse.line(400, "request body incomplete: " + failure), true);
          }
          return;
        }
        ByteBuffer bytes = chunk.getByteBuffer();
        int n = bytes.remaining();
        if (total + n <= MAX_BODY_BYTES) {
          byte[] copy = new byte[n];
          bytes.get(copy);
          kept.write(copy, 0, n);
        }
        total += n;
        boolean last = chunk.isLast();
        chunk.release();
        if (total > MAX_BODY_BYTES + OVERSIZED_DISCARD_BYTES) {
          deadline.cancel();
          exchange.finish(tooLarge(), true);
          return;
        }
        if (last) {
          deadline.cancel();
          if (total > MAX_BODY_BYTES) {
            exchange.finish(tooLarge());
          } else {
            exchange.body = kept.toByteArray();
            then.run();
          }
          return;
        }
      }
    }

    private AdminResponse tooLarge() {
      return AdminResponse.line(
          413, "request body too large (limit: " + MAX_BODY_BYTES + " bytes)");
    }
  }

  /** Changes (anything but GET and HEAD) and refusals go to the audit log. */
  private void audit(Exchange exchange, int status) {
    boolean change = !"GET".equals(exchange.method) && !"HEAD".equals(exchange.method);
    if (!change && status != 401) {
      return;
    }
    AdminAuthenticator.Caller who =
        exchange.caller == null ? AdminAuthenticator.Caller.ANONYMOUS : exchange.caller;
    options
        .auditLog()
        .record(
            new AuditLog.Event(
                Instant.now(),
                exchange.remote,
                who.identity(),
                who.auth(),
                exchange.method,
                exchange.path,
                exchange.rawQuery,
                exchange.body,
                status));
  }

  private static Map<String, String> parseQuery(String rawQuery) {
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return query;
    }
    try {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        query.putIfAbsent(
            URLDecoder.decode(name, StandardCharsets.UTF_8),
            URLDecoder.decode(value, StandardCharsets.UTF_8));
      }
    } catch (IllegalArgumentException e) {
      throw AdminHttpException.badRequest("malformed query string: " + e.getMessage());
    }
    return query;
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
}
