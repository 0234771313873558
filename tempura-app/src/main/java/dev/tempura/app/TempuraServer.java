package dev.tempura.app;

import static java.util.Objects.requireNonNull;

import dev.tempura.admin.AdminOptions;
import dev.tempura.admin.AdminResponse;
import dev.tempura.admin.AdminRoute;
import dev.tempura.admin.AdminServer;
import dev.tempura.admin.AuditLog;
import dev.tempura.proxy.ProxyOptions;
import dev.tempura.proxy.TempuraProxy;
import dev.tempura.proxy.security.SecurityConfig;
import dev.tempura.proxy.security.TlsReloader;
import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.redis.RedisStoreOptions;
import dev.tempura.topology.TopologyService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Tempura: the embedded store, the mapping cache, the topology, the gRPC proxy and the
 * admin API, started together and closed together in reverse order.
 */
public final class TempuraServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TempuraServer.class);

  private final ServeSettings settings;

  /** Everything started so far, the latest first: the order they must close in. */
  private final Deque<AutoCloseable> closeOrder = new ArrayDeque<>();

  private final AtomicBoolean ready = new AtomicBoolean();
  private boolean closed; // guarded by this
  private TempuraProxy proxy;
  private AdminServer admin;
  private TopologyService topology;

  private TempuraServer(ServeSettings settings) {
    this.settings = settings;
  }

  /**
   * Starts everything, or closes what had started and rethrows.
   *
   * @throws IOException when a port cannot be bound
   */
  public static TempuraServer start(ServeSettings settings) throws IOException {
    requireNonNull(settings, "settings");
    Logging.install(); // gRPC's own lines in the same format, also when embedded
    TempuraServer server = new TempuraServer(settings);
    try {
      server.startAll();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  // synchronized with close(), which a shutdown hook may run on another thread
  private synchronized void startAll() throws IOException {
    // settings that would expose or break something fail before anything is opened
    AdminAccess.requireAuthenticationOffLoopback(settings);
    SecuritySettings security = settings.security();
    Map<String, String> adminTokens = AdminAccess.tokens(security);
    SecurityConfig backendsConfig =
        security.backendsConfig() == null
            ? SecurityConfig.NONE
            : SecurityConfig.load(security.backendsConfig(), System.getenv());
    TlsReloader adminTls = opened(new TlsReloader(TlsReloader.DEFAULT_INTERVAL));
    javax.net.ssl.SSLContext adminSsl = null;
    if (security.adminTlsCert() != null) {
      try {
        adminSsl =
            adminTls.sslContext(
                security.adminTlsCert(), security.adminTlsKey(), security.adminTlsClientCa());
      } catch (java.security.GeneralSecurityException e) {
        throw new IOException("admin API TLS: " + e.getMessage(), e);
      }
    }
    Path auditFile = settings.auditLogFile();
    AuditLog audit = opened(auditFile == null ? AuditLog.toStdout() : AuditLog.toFile(auditFile));
    Stores stores = opened(Stores.open(settings.store(), settings.dataDir()));
    TopologyService topology = opened(loadTopology(stores.topology()));
    this.topology = topology;
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // CPU time in seconds only (ProcessCpuMetrics), not also Micrometer's nanoseconds
    metrics
        .config()
        .meterFilter(
            io.micrometer.core.instrument.config.MeterFilter.denyNameStartsWith(
                "process.cpu.time"));
    BuildInfo build = BuildInfo.current();
    // an Info metric of its own: Micrometer would strip the _info suffix from a gauge
    io.prometheus.metrics.core.metrics.Info.builder()
        .name("tempura_build_info")
        .help("1, labelled with the version and commit of the running build")
        .labelNames("version", "commit")
        .register(metrics.getPrometheusRegistry())
        .addLabelValues(build.version(), build.commit());
    io.micrometer.core.instrument.Gauge.builder(
            "tempura_topology_rejected_entries", topology, t -> t.current().rejected().size())
        .description(
            "Stored topology entries that are not served because they break a rule (see"
                + " 'tempura namespace list'); 0 when the topology is clean")
        .register(metrics);
    proxy =
        opened(
            TempuraProxy.start(
                ProxyOptions.builder()
                    .bindAddress(settings.bind())
                    .port(settings.grpcPort())
                    .meterRegistry(metrics)
                    .serverTls(security.serverTls())
                    .security(backendsConfig)
                    .maxMessageBytes(security.maxMessageBytes())
                    .maxParkedPollsPerClient(security.maxParkedPollsPerClient())
                    .rateLimitPerNamespace(security.rateLimitPerNamespace())
                    .tracing(
                        settings.otlpTraces() == null
                            ? null
                            : new dev.tempura.proxy.trace.TracingOptions(
                                settings.otlpTraces(),
                                dev.tempura.proxy.trace.TracingOptions.SERVICE_NAME,
                                build.version(),
                                dev.tempura.proxy.trace.TracingOptions.DEFAULT_EXPORT_DELAY))
                    .build(),
                topology,
                stores));
    Map<String, Map<String, AdminRoute>> routes = new java.util.LinkedHashMap<>();
    routes.put("/healthz", Map.of("GET", health()));
    routes.put("/readyz", Map.of("GET", readiness()));
    routes.put("/metrics", Map.of("GET", metrics(metrics)));
    routes.putAll(new DrainRoutes(topology, proxy).routes());
    TempuraProxy started = proxy;
    AdminOptions.Builder adminOptions =
        AdminOptions.builder()
            .bindAddress(settings.adminBind())
            .port(settings.adminPort())
            .tokens(adminTokens)
            .auditLog(audit);
    if (adminSsl != null) {
      adminOptions.https(adminSsl, security.adminTlsClientCa() != null);
    }
    admin =
        opened(
            AdminServer.start(
                adminOptions.build(),
                topology,
                routes,
                started::physicalDetails,
                started::checkAdd));
    ready.set(true);
    log.info(
        "Tempura ready: gRPC on {}:{}, admin API on {}:{}, store {}",
        settings.bind(),
        proxy.port(),
        settings.adminBind(),
        admin.port(),
        settings.embeddedStore()
            ? settings.dataDir().toAbsolutePath().normalize()
            : RedisStoreOptions.builder(settings.store()).build());
  }

  /**
   * The stored topology. One that cannot be read stops the start, naming the offline repair: the
   * embedded store names it itself; for a shared store it is added here.
   */
  private TopologyService loadTopology(TopologyStore store) {
    try {
      return TopologyService.load(store);
    } catch (CompletionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      if (settings.embeddedStore() || cause instanceof StoreUnavailableException) {
        throw e;
      }
      throw new IllegalStateException(
          cause.getMessage()
              + "; repair it offline with 'tempura topology apply -f FILE --store URI"
              + " --force'",
          cause);
    }
  }

  private <T extends AutoCloseable> T opened(T resource) {
    closeOrder.push(resource);
    return resource;
  }

  private static AdminRoute metrics(PrometheusMeterRegistry registry) {
    return (method, query, body) ->
        new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
  }

  private static AdminRoute health() {
    return (method, query, body) -> AdminResponse.text(200, "ok\n");
  }

  private AdminRoute readiness() {
    return (method, query, body) ->
        ready.get() ? AdminResponse.text(200, "ready\n") : AdminResponse.text(503, "not ready\n");
  }

  /** The topology served, entries that cannot be served included ({@code rejected()}). */
  public TopologyService topology() {
    return topology;
  }

  /** The bound gRPC port, the chosen one when the settings asked for 0. */
  public int grpcPort() {
    return proxy.port();
  }

  /** The bound admin port, the chosen one when the settings asked for 0. */
  public int adminPort() {
    return admin.port();
  }

  /**
   * Closes the admin API, the proxy, the topology, the mapping cache and the store, in that order,
   * so that nothing is still serving while what it depends on goes away. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ready.set(false);
    log.info("Stopping Tempura");
    while (!closeOrder.isEmpty()) {
      AutoCloseable resource = closeOrder.pop();
      try {
        resource.close();
      } catch (Exception e) {
        // the rest must still close, above all the store, whose file lock would block a restart
        log.warn("Closing {} failed", resource, e);
      }
    }
    log.info("Tempura stopped");
  }
}
