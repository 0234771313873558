package dev.tempura.proxy;

import static java.util.Objects.requireNonNull;

import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.forward.ProxyHandler;
import dev.tempura.proxy.forward.ProxyPipeline;
import dev.tempura.proxy.forward.UnknownMethodRegistry;
import dev.tempura.proxy.forward.WorkflowRecorder;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.health.BackendHealth;
import dev.tempura.proxy.lifecycle.DrainReporter;
import dev.tempura.proxy.lifecycle.MappingLifecycle;
import dev.tempura.proxy.lifecycle.MappingReconciler;
import dev.tempura.proxy.lifecycle.RetentionCache;
import dev.tempura.proxy.locate.WorkflowLocator;
import dev.tempura.proxy.metrics.InstrumentedMappingStore;
import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.placement.AdaptivePlacement;
import dev.tempura.proxy.placement.BackendStats;
import dev.tempura.proxy.placement.PlacementPolicies;
import dev.tempura.proxy.poll.PollDispatcher;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.security.Authorizer;
import dev.tempura.proxy.security.CallGuard;
import dev.tempura.proxy.security.ClientIdentities;
import dev.tempura.proxy.security.JwtVerifier;
import dev.tempura.proxy.security.RateLimits;
import dev.tempura.proxy.security.TlsReloader;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.store.MappingStore;
import dev.tempura.store.cache.CachingMappingStore;
import dev.tempura.topology.TopologyService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running proxy: a gRPC server that speaks Temporal's WorkflowService and serves virtual
 * namespaces from the physical namespaces the topology maps them to.
 */
public final class TempuraProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TempuraProxy.class);
  static final String API_VERSION = "io.temporal:temporal-serviceclient 1.38.0";

  /** Time for workers to complete the last tasks they got before the server stops taking calls. */
  private final Server server;

  private final BackendChannels channels;
  private final PollDispatcher polls;
  private final ProxyPipeline pipeline;
  private final MappingReconciler reconciler;
  private final MappingStore mappings;
  private BackendHealth backendHealth;
  private dev.tempura.proxy.backend.IoLoops ioLoops;
  private BackendStats stats;
  private PlacementPolicies policies;
  private TopologyService topology;
  private DrainReporter drains;
  private dev.tempura.proxy.consistency.ConsistencyCheck consistency;
  private TlsReloader tls;
  private final HealthStatusManager health;
  private final ScheduledExecutorService timer;
  private final ExecutorService offload;

  private TempuraProxy(
      Server server,
      BackendChannels channels,
      PollDispatcher polls,
      ProxyPipeline pipeline,
      MappingReconciler reconciler,
      MappingStore mappings,
      HealthStatusManager health,
      ScheduledExecutorService timer,
      ExecutorService offload) {
    this.server = server;
    this.channels = channels;
    this.polls = polls;
    this.pipeline = pipeline;
    this.reconciler = reconciler;
    this.mappings = mappings;
    this.health = health;
    this.timer = timer;
    this.offload = offload;
  }

  /**
   * Starts serving. The caller owns {@code topology} and {@code store} and closes them after this
   * proxy; the proxy puts its instrumentation and local cache in front of the store.
   */
  public static TempuraProxy start(
      ProxyOptions options, TopologyService topology, MappingStore store) throws IOException {
    requireNonNull(options, "options");
    requireNonNull(topology, "topology");
    requireNonNull(store, "store");
    MeterRegistry registry = options.meterRegistry();
    bindProcessMetrics(registry);
    ProxyMetrics metrics = new ProxyMetrics(registry);
    CachingMappingStore mappings =
        CachingMappingStore.builder(
                new InstrumentedMappingStore(store, registry, store.getClass().getSimpleName()))
            .build();
    FunctionCounter.builder("tempura_mapping_cache_hits", mappings, CachingMappingStore::hits)
        .description("Mapping lookups the local cache answered")
        .register(registry);
    FunctionCounter.builder("tempura_mapping_cache_misses", mappings, CachingMappingStore::misses)
        .description("Mapping lookups that went to the store")
        .register(registry);
    RoutingTable routes = MethodTable.build();
    Translations translations = new Translations(routes.schema());
    // certificates, keys and JWKS first: a bad file fails the start before anything runs
    TlsReloader tls = new TlsReloader(options.tlsReloadInterval());
    ServerCredentials credentials;
    BackendChannels channels;
    JwtVerifier jwt;
    // the server's connections and the backend channels share these loops (see BackendChannels)
    dev.tempura.proxy.backend.IoLoops ioLoops = dev.tempura.proxy.backend.IoLoops.create();
    try {
      credentials =
          options.serverTls() == null
              ? InsecureServerCredentials.create()
              : tls.serverCredentials(options.serverTls());
      channels = new BackendChannels(options.maxMessageBytes(), options.backends(), tls, ioLoops);
      jwt =
          options.authorization() == null || options.authorization().jwt() == null
              ? null
              : JwtVerifier.create(options.authorization().jwt());
    } catch (java.security.GeneralSecurityException e) {
      tls.close();
      ioLoops.close();
      throw new IOException("TLS for the gRPC port: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      tls.close();
      ioLoops.close();
      throw e;
    }
    CallGuard guard =
        new CallGuard(
            topology,
            options.authorization() == null ? null : new Authorizer(options.authorization()),
            new RateLimits(options.rateLimitPerNamespace(), options.rateLimits()),
            // who the caller is (certificate, token, address), for authorization and limits
            new ClientIdentities(jwt));
    ScheduledExecutorService timer =
        Executors.newSingleThreadScheduledExecutor(daemon("tempura-timer"));
    // continuations of store answers; the store's own threads must stay free for the store
    ExecutorService offload =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("tempura-offload"));
    // unexpected exceptions for one backend stay with it: the work for the others goes on
    BackendFaults faults = new BackendFaults(registry);
    WorkflowRecorder recorder = new WorkflowRecorder(mappings);
    recorder.start(timer, java.time.Duration.ofSeconds(1));
    registerRecorderMetrics(registry, recorder);
    PollDispatcher polls =
        new PollDispatcher(
            topology,
            channels,
            translations,
            recorder,
            timer,
            options.polls(),
            metrics,
            faults,
            options.maxParkedPollsPerClient());
    RetentionCache retention =
        new RetentionCache(
            channels,
            options.retentionFallback(),
            options.retentionRefresh(),
            translations.ids(),
            faults);
    retention.prefetch(topology.current());
    topology.addListener(retention::prefetch);
    MappingLifecycle lifecycle = new MappingLifecycle(mappings, retention, metrics);
    MappingReconciler reconciler = null;
    if (options.reconciler() != null) {
      reconciler =
          new MappingReconciler(
              mappings, topology, channels, lifecycle, timer, options.reconciler(), faults);
      registerReconcilerMetrics(options.meterRegistry(), reconciler);
      reconciler.start();
    }
    BackendHealth backendHealth =
        new BackendHealth(topology, channels, timer, options.health(), registry, faults);
    // entries removed from the topology are forgotten, with their meters
    topology.addListener(faults::retain);
    backendHealth.start();
    BackendStats stats = new BackendStats(java.time.Duration.ofSeconds(10));
    PlacementPolicies policies =
        new PlacementPolicies(
            options.placement(), new AdaptivePlacement(stats, options.startLatencySlo()));
    ProxyPipeline pipeline =
        ProxyPipeline.create(
            topology,
            mappings,
            policies,
            backendHealth,
            stats,
            new WorkflowLocator(channels),
            translations,
            channels,
            polls,
            recorder,
            lifecycle,
            metrics,
            routes,
            offload,
            guard);

    List<ServerServiceDefinition> services = new ArrayList<>();
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    for (ServiceDescriptor original : RoutingTable.SERVICES) {
      ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(original.getName());
      for (MethodRoute route : routes.routes(original)) {
        service.addMethod(route.method(), new ProxyHandler(route, pipeline));
      }
      services.add(service.build());
      health.setStatus(original.getName(), ServingStatus.SERVING);
    }

    Server server;
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(
                  new InetSocketAddress(options.bindAddress(), options.port()), credentials)
              // handlers never block: they rewrite bytes and start async calls
              .directExecutor()
              .bossEventLoopGroup(ioLoops.boss())
              .workerEventLoopGroup(ioLoops.workers())
              .channelType(ioLoops.serverChannelType())
              .maxInboundMessageSize(options.maxMessageBytes())
              // SDKs ping every 30 s or so; the default policy would answer with GOAWAY
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .addService(health.getHealthService())
              .fallbackHandlerRegistry(new UnknownMethodRegistry(API_VERSION));
      for (ServerServiceDefinition service : services) {
        builder.addService(service);
      }
      server = builder.build().start();
    } catch (IOException | RuntimeException e) {
      // nothing else will stop what was started for a server that never ran
      if (reconciler != null) {
        reconciler.close();
      }
      polls.close();
      channels.close();
      tls.close();
      timer.shutdownNow();
      offload.shutdownNow();
      ioLoops.close();
      throw e;
    }
    log.info(
        "Tempura serving WorkflowService on {}:{} ({})",
        options.bindAddress(),
        server.getPort(),
        options.serverTls() == null
            ? "plaintext"
            : "TLS, client certificates "
                + options.serverTls().clientAuth().name().toLowerCase(java.util.Locale.ROOT));
    TempuraProxy proxy =
        new TempuraProxy(
            server, channels, polls, pipeline, reconciler, mappings, health, timer, offload);
    proxy.backendHealth = backendHealth;
    proxy.ioLoops = ioLoops;
    proxy.stats = stats;
    proxy.policies = policies;
    proxy.topology = topology;
    proxy.tls = tls;
    proxy.consistency =
        new dev.tempura.proxy.consistency.ConsistencyCheck(
            channels, java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(1));
    topology.addListener(proxy.consistency::retain);
    proxy.drains =
        new DrainReporter(
            mappings, new dev.tempura.proxy.backend.BackendCaller(channels), lifecycle);
    return proxy;
  }

  public int port() {
    return server.getPort();
  }

  /** Client polls parked right now; for metrics and tests. */
  public int parkedPolls() {
    return polls.parkedPolls();
  }

  /** Tasks handed to workers' polls after a graceful stop began; for tests. */
  public int tasksDeliveredWhileStopping() {
    return polls.deliveredWhileDraining();
  }

  /** Client polls one client (identity, else IP address) has parked right now; for tests. */
  public int parkedPollsOf(String client) {
    return polls.parkedPollsOf(client);
  }

  /**
   * Stops gracefully, in the order that loses no task:
   *
   * <ol>
   *   <li>health turns NOT_SERVING, so load balancers stop sending new connections;
   *   <li>no new backend polls. None is cancelled either (a poll cancelled as its backend matches
   *       it loses the task): the outstanding ones come back on their own, within {@link
   *       dev.tempura.proxy.poll.PollOptions#maxBackendPoll()}, and their tasks go to parked client
   *       polls or to the next poll a worker sends;
   *   <li>as soon as the polls parked here can take every task still on its way, the server stops
   *       taking new calls (GOAWAY): workers send their next calls, completions included,
   *       elsewhere;
   *   <li>once every backend poll is back, parked polls are answered empty, well before their
   *       deadline, so workers poll elsewhere;
   *   <li>other long polls (history, update results) end with UNAVAILABLE, which SDKs retry, and
   *       calls in flight get 5 s to finish.
   * </ol>
   *
   * Cutting streams instead would reach clients as CANCELLED, which SDKs do not retry.
   */
  @Override
  public void close() {
    health.enterTerminalState();
    backendHealth.close();
    if (reconciler != null) {
      reconciler.close();
    }
    // the server stops taking new calls (GOAWAY) once the polls parked here can take every task
    // still on its way; until then workers' new polls must reach this instance
    polls.close(polls.options().maxBackendPoll().plusSeconds(2), server::shutdown);
    // long polls would hold the stop for up to a minute; their clients retry them elsewhere
    pipeline.abortLongPolls(TimeUnit.SECONDS.toNanos(15));
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        int aborted = pipeline.abortInFlight();
        log.info("ended {} calls still in flight with UNAVAILABLE", aborted);
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    }
    channels.close();
    tls.close();
    timer.shutdownNow();
    offload.shutdownNow();
    if (ioLoops != null) {
      ioLoops.close();
    }
  }

  /** JVM, process CPU and container throttling, as the Kubernetes latency guide asks. */
  private static void registerRecorderMetrics(MeterRegistry registry, WorkflowRecorder recorder) {
    io.micrometer.core.instrument.Gauge.builder(
            "tempura_mapping_backlog", recorder, WorkflowRecorder::backlogSize)
        .description("Mappings the store could not take, kept here until it answers again")
        .register(registry);
    FunctionCounter.builder(
            "tempura_mapping_backlog_recorded", recorder, WorkflowRecorder::recordedLate)
        .description("Mappings written from the backlog once the store answered again")
        .register(registry);
    FunctionCounter.builder(
            "tempura_mapping_backlog_overflowed", recorder, WorkflowRecorder::backlogOverflowed)
        .description(
            "Mappings not kept because the backlog was full; their workflows are located on the next call")
        .register(registry);
  }

  private static void bindProcessMetrics(MeterRegistry registry) {
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
    new dev.tempura.proxy.metrics.CgroupCpuMetrics().bindTo(registry);
  }

  private static void registerReconcilerMetrics(MeterRegistry registry, MappingReconciler r) {
    FunctionCounter.builder("tempura_reconciler_mappings_scanned", r, MappingReconciler::scanned)
        .description("Mappings the reconciler has read from the store")
        .register(registry);
    FunctionCounter.builder("tempura_reconciler_mappings_checked", r, MappingReconciler::checked)
        .description("Open mappings whose workflow the reconciler looked up on its backend")
        .register(registry);
    FunctionCounter.builder("tempura_reconciler_mappings_closed", r, MappingReconciler::closedFound)
        .description("Open mappings found closed or gone and given the retention TTL")
        .register(registry);
    FunctionCounter.builder("tempura_reconciler_cycles", r, MappingReconciler::cycles)
        .description("Complete walks of the mapping store")
        .register(registry);
    FunctionCounter.builder("tempura_reconciler_errors", r, MappingReconciler::errors)
        .description("Failed store pages or backend lookups")
        .register(registry);
    r.bindOpenMappingGauges(registry);
  }

  /**
   * Live facts about a physical namespace for the admin API: its health ("unknown" until its first
   * check answers), whether Tempura can use it at all ({@code usable}; when not, {@code problem}
   * says why in one line), its measured Start p95, and the adaptive policy's weight factor.
   */
  public java.util.Map<String, Object> physicalDetails(
      String virtualName, dev.tempura.topology.PhysicalNamespace p) {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("health", backendHealth.describe(p));
    String problem = backendHealth.faults().problem(p);
    out.put("usable", problem == null);
    if (problem != null) {
      out.put("problem", problem);
    }
    long p95 = stats.startP95(p.id());
    if (p95 >= 0) {
      out.put("start_latency_p95_ms", Math.round(p95 / 1e5) / 10.0);
    }
    out.put("adaptive_factor", Math.round(policies.adaptive().factor(p) * 1000) / 1000.0);
    topology
        .virtualNamespace(virtualName)
        .ifPresent(vns -> out.put("consistency", consistency.details(vns, p)));
    return out;
  }

  /**
   * Whether {@code candidate} may join {@code virtual}: null, or one line naming what does not
   * match the others (see {@link dev.tempura.proxy.consistency.ConsistencyReport}). Bounded: a
   * backend that does not answer in 5 s makes its part unknown, which refuses nothing.
   */
  public String checkAdd(
      dev.tempura.topology.VirtualNamespace virtual,
      dev.tempura.topology.PhysicalNamespace candidate) {
    return consistency.refusal(virtual, candidate);
  }

  /** How many open workflows a physical namespace still holds; for draining. */
  public java.util.concurrent.CompletableFuture<DrainReporter.Report> drainReport(
      dev.tempura.topology.VirtualNamespace vns, dev.tempura.topology.PhysicalNamespace p) {
    return drains.report(vns, p);
  }

  /** The channels to the backends; for tests, which inject faults into them. */
  public BackendChannels backendChannels() {
    return channels;
  }

  /** The mappings as the proxy sees them: through its local cache. */
  public MappingStore mappings() {
    return mappings;
  }

  /** The mapping reconciler, or null when it is off; for tests. */
  public MappingReconciler reconciler() {
    return reconciler;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
