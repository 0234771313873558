package dev.tempura.proxy;

import static java.util.Objects.requireNonNull;

import dev.tempura.proxy.aggregate.NamespaceWideHandler;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.backend.IoLoops;
import dev.tempura.proxy.call.CallObservers;
import dev.tempura.proxy.consistency.ConsistencyCheck;
import dev.tempura.proxy.forward.BackendResolver;
import dev.tempura.proxy.forward.Forwarder;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.health.BackendHealth;
import dev.tempura.proxy.lifecycle.DrainReporter;
import dev.tempura.proxy.lifecycle.MappingLifecycle;
import dev.tempura.proxy.lifecycle.MappingReconciler;
import dev.tempura.proxy.lifecycle.RetentionCache;
import dev.tempura.proxy.lifecycle.WorkflowRecorder;
import dev.tempura.proxy.locate.WorkflowLocator;
import dev.tempura.proxy.metrics.InstrumentedMappingStore;
import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.nexus.NexusHandlers;
import dev.tempura.proxy.onboard.Onboarding;
import dev.tempura.proxy.pipeline.Observers;
import dev.tempura.proxy.pipeline.ProxyHandler;
import dev.tempura.proxy.pipeline.ProxyPipeline;
import dev.tempura.proxy.pipeline.UnknownMethodRegistry;
import dev.tempura.proxy.placement.AdaptivePlacement;
import dev.tempura.proxy.placement.BackendStats;
import dev.tempura.proxy.placement.CrossBackendCommands;
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
import dev.tempura.proxy.trace.CallTracer;
import dev.tempura.proxy.trace.OtlpTracing;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
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
import java.util.ArrayDeque;
import java.util.Deque;
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

  private final Deque<AutoCloseable> closeOrder = new ArrayDeque<>();
  private final TlsReloader tls;
  private final IoLoops ioLoops;
  private final BackendChannels channels;
  private final ScheduledExecutorService timer;
  private final ExecutorService offload;
  private final CachingMappingStore mappings;
  private final PollDispatcher polls;
  private final MappingReconciler reconciler;
  private final BackendHealth backendHealth;
  private final BackendStats stats;
  private final PlacementPolicies policies;
  private final DrainReporter drains;
  private final Onboarding onboarding;
  private final ConsistencyCheck consistency;
  private final TopologyService topology;
  private final ProxyPipeline pipeline;
  private final HealthStatusManager health;
  private final Server server;

  /**
   * Starts serving from {@code stores}: the mappings (the proxy puts its instrumentation and local
   * cache in front), the progress of onboarding imports (so that an import resumes after a
   * restart), and the hand-off of held tasks between replicas that share the store
   * (docs/polling.md). The caller owns {@code topology} and {@code stores} and closes them after
   * this proxy.
   */
  public static TempuraProxy start(ProxyOptions options, TopologyService topology, Stores stores)
      throws IOException {
    requireNonNull(options, "options");
    requireNonNull(topology, "topology");
    requireNonNull(stores, "stores");
    return new TempuraProxy(
        options, topology, stores.mappings(), stores.progress(), stores.handoff());
  }

  /**
   * Opens the parts in the order they depend on each other, each one recorded as it opens; {@link
   * #close()} (or a failure half way) closes what was opened, last first.
   */
  private TempuraProxy(
      ProxyOptions options,
      TopologyService topology,
      MappingStore store,
      dev.tempura.store.ProgressStore progress,
      dev.tempura.store.TaskHandoff handoff)
      throws IOException {
    this.topology = topology;
    try {
      MeterRegistry registry = options.meterRegistry();
      bindProcessMetrics(registry);
      ProxyMetrics metrics = new ProxyMetrics(registry);
      mappings =
          CachingMappingStore.builder(new InstrumentedMappingStore(store, registry, store.kind()))
              .build();
      registerCacheMetrics(registry, mappings);
      RoutingTable routes = MethodTable.build();
      Translations translations = new Translations(routes.schema());

      // certificates, keys and JWKS first: a bad file fails the start before anything runs
      tls = opened(new TlsReloader(options.tlsReloadInterval()));
      ServerCredentials credentials = serverCredentials(options, tls);
      JwtVerifier jwt =
          options.authorization() == null || options.authorization().jwt() == null
              ? null
              : JwtVerifier.create(options.authorization().jwt());
      // the server's connections and the backend channels share these loops (see BackendChannels)
      ioLoops = opened(IoLoops.create());
      channels =
          opened(new BackendChannels(options.maxMessageBytes(), options.backends(), tls, ioLoops));
      CallGuard guard =
          new CallGuard(
              topology,
              options.authorization() == null ? null : new Authorizer(options.authorization()),
              new RateLimits(options.rateLimitPerNamespace(), options.rateLimits()),
              // who the caller is (certificate, token, address), for authorization and limits
              new ClientIdentities(jwt));
      timer = Executors.newSingleThreadScheduledExecutor(daemon("tempura-timer"));
      opened(timer::shutdownNow);
      // continuations of store answers; the store's own threads must stay free for the store
      offload =
          Executors.newFixedThreadPool(
              Math.max(2, Runtime.getRuntime().availableProcessors()), daemon("tempura-offload"));
      opened(offload::shutdownNow);

      // unexpected exceptions for one backend stay with it: the work for the others goes on
      BackendFaults faults = new BackendFaults(registry);
      // entries removed from the topology are forgotten, with their meters
      opened(topology.addListener(faults::retain));
      WorkflowRecorder recorder = new WorkflowRecorder(mappings);
      recorder.start(timer, java.time.Duration.ofSeconds(1));
      registerRecorderMetrics(registry, recorder);
      polls =
          opened(
              new PollDispatcher(
                  topology,
                  channels,
                  translations,
                  recorder,
                  timer,
                  options.polls(),
                  metrics,
                  faults,
                  options.maxParkedPollsPerClient(),
                  handoff));
      RetentionCache retention =
          new RetentionCache(
              channels,
              options.retentionFallback(),
              options.retentionRefresh(),
              translations.ids(),
              faults);
      retention.prefetch(topology.current());
      opened(topology.addListener(retention::prefetch));
      MappingLifecycle lifecycle = new MappingLifecycle(mappings, retention, metrics);
      reconciler =
          options.reconciler() == null
              ? null
              : opened(
                  new MappingReconciler(
                      mappings,
                      topology,
                      channels,
                      lifecycle,
                      timer,
                      options.reconciler(),
                      faults));
      if (reconciler != null) {
        registerReconcilerMetrics(registry, reconciler);
        reconciler.start();
      }
      backendHealth =
          opened(new BackendHealth(topology, channels, timer, options.health(), registry, faults));
      backendHealth.start();
      stats = new BackendStats(java.time.Duration.ofSeconds(10));
      policies =
          new PlacementPolicies(
              options.placement(), new AdaptivePlacement(stats, options.startLatencySlo()));
      WorkflowLocator locator = new WorkflowLocator(channels, options.locateTimeout());
      // what the physical namespaces of a virtual namespace must agree on, checked when one is
      // added
      consistency =
          new ConsistencyCheck(
              channels, java.time.Duration.ofSeconds(5), java.time.Duration.ofMinutes(1));
      opened(topology.addListener(consistency::retain));
      onboarding =
          opened(new Onboarding(progress, mappings, channels, options.onboarding(), registry));
      drains = new DrainReporter(mappings, new BackendCaller(channels), lifecycle);

      // spans of each call's stages, when an OTLP endpoint is configured; closed after the
      // server's drain, so the last calls' spans are sent
      CallTracer tracer =
          options.tracing() == null ? CallTracer.OFF : opened(OtlpTracing.start(options.tracing()));
      // the request pipeline: three peers, and the observers every call's outcome goes to
      pipeline =
          new ProxyPipeline(
              guard,
              topology,
              new NamespaceWideHandler(
                  topology,
                  translations,
                  new BackendCaller(channels),
                  routes,
                  mappings,
                  locator,
                  (call, namespace) -> guard.maySee(call::identity, namespace)),
              polls,
              new Forwarder(
                  new BackendResolver(
                      mappings,
                      policies,
                      backendHealth,
                      locator,
                      recorder,
                      onboarding,
                      new NexusHandlers(mappings, topology, registry)),
                  recorder,
                  // off the call's path: reports signals/cancels to workflows on another backend
                  new CrossBackendCommands(mappings, registry),
                  translations,
                  channels,
                  faults,
                  offload),
              tracer);
      CallObservers observers =
          Observers.standard(topology, metrics, backendHealth, stats, recorder, lifecycle);

      health = new HealthStatusManager();
      server = startServer(options, credentials, ioLoops, routes, pipeline, observers, health);
      // a graceful stop of the server comes first, while everything it needs is still open
      opened(this::drain);
      // after the server: an import's first page can wait, a client's call cannot
      onboarding.start(topology);
    } catch (java.security.GeneralSecurityException e) {
      closeOpened();
      throw new IOException("TLS for the gRPC port: " + e.getMessage(), e);
    } catch (IOException | RuntimeException | Error e) {
      closeOpened();
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
  }

  private static ServerCredentials serverCredentials(ProxyOptions options, TlsReloader tls)
      throws IOException, java.security.GeneralSecurityException {
    return options.serverTls() == null
        ? InsecureServerCredentials.create()
        : tls.serverCredentials(options.serverTls());
  }

  /** Every method of every served service bound to the one handler, with its route. */
  private static Server startServer(
      ProxyOptions options,
      ServerCredentials credentials,
      IoLoops ioLoops,
      RoutingTable routes,
      ProxyPipeline pipeline,
      CallObservers observers,
      HealthStatusManager health)
      throws IOException {
    health.setStatus("", ServingStatus.SERVING);
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
    for (ServiceDescriptor original : RoutingTable.SERVICES) {
      ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(original.getName());
      for (MethodRoute route : routes.routes(original)) {
        service.addMethod(route.method(), new ProxyHandler(route, pipeline, observers));
      }
      builder.addService(service.build());
      health.setStatus(original.getName(), ServingStatus.SERVING);
    }
    return builder.build().start();
  }

  private <T extends AutoCloseable> T opened(T resource) {
    closeOrder.push(resource);
    return resource;
  }

  private void closeOpened() {
    while (!closeOrder.isEmpty()) {
      AutoCloseable resource = closeOrder.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed", resource, e);
      } catch (Error e) {
        log.error("closing {} failed", resource, e);
      }
    }
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
    closeOpened();
  }

  /** The graceful part of {@link #close()}: see there. */
  private void drain() {
    health.enterTerminalState();
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
  }

  private static void registerCacheMetrics(MeterRegistry registry, CachingMappingStore mappings) {
    FunctionCounter.builder("tempura_mapping_cache_hits", mappings, CachingMappingStore::hits)
        .description("Mapping lookups the local cache answered")
        .register(registry);
    FunctionCounter.builder("tempura_mapping_cache_misses", mappings, CachingMappingStore::misses)
        .description("Mapping lookups that went to the store")
        .register(registry);
  }

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

  /** JVM, process CPU and container throttling, as the Kubernetes latency guide asks. */
  private static void bindProcessMetrics(MeterRegistry registry) {
    new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.UptimeMetrics().bindTo(registry);
    new dev.tempura.proxy.metrics.CgroupCpuMetrics().bindTo(registry);
    new dev.tempura.proxy.metrics.ProcessCpuMetrics().bindTo(registry);
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
   * says why in one line), its measured Start p95, the adaptive policy's weight factor, and for one
   * declared to hold existing workflows, its import ({@code onboarding}, an object).
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
    java.util.Map<String, Object> onboarded = onboarding.details(virtualName, p);
    if (!onboarded.isEmpty()) {
      out.put("onboarding", onboarded);
    }
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
