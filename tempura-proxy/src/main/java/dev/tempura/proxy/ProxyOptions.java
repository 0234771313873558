package dev.tempura.proxy;

import static java.util.Objects.requireNonNull;

import dev.tempura.proxy.lifecycle.MappingReconciler;
import dev.tempura.proxy.placement.PlacementPolicy;
import dev.tempura.proxy.placement.RendezvousPlacement;
import dev.tempura.proxy.poll.PollOptions;
import dev.tempura.proxy.security.AuthorizationConfig;
import dev.tempura.proxy.security.BackendConfig;
import dev.tempura.proxy.security.SecurityConfig;
import dev.tempura.proxy.security.ServerTls;
import dev.tempura.proxy.security.TlsReloader;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** How the proxy listens and behaves. Immutable; build with {@link #builder()}. */
public final class ProxyOptions {
  /** Temporal's SDKs accept histories up to this size; every hop must too. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

  /** Parked polls one client may hold; a worker fleet behind one address may need more. */
  public static final int DEFAULT_MAX_PARKED_POLLS_PER_CLIENT = 1000;

  private final String bindAddress;
  private final int port;
  private final int maxMessageBytes;
  private final PlacementPolicy placement;
  private final PollOptions polls;
  private final java.time.Duration retentionFallback;
  private final java.time.Duration retentionRefresh;
  private final MappingReconciler.Options reconciler;
  private final MeterRegistry meterRegistry;
  private final java.time.Duration startLatencySlo;
  private final dev.tempura.proxy.health.HealthOptions health;
  private final ServerTls serverTls;
  private final java.time.Duration tlsReloadInterval;
  private final java.util.Map<String, BackendConfig> backends;
  private final AuthorizationConfig authorization;
  private final double rateLimitPerNamespace;
  private final java.util.Map<String, Double> rateLimits;
  private final int maxParkedPollsPerClient;
  private final java.time.Duration locateTimeout;
  private final dev.tempura.proxy.onboard.OnboardingOptions onboarding;
  private final dev.tempura.proxy.trace.TracingOptions tracing;

  private ProxyOptions(Builder b) {
    this.tracing = b.tracing;
    this.locateTimeout = b.locateTimeout;
    this.onboarding = b.onboarding;
    this.serverTls = b.serverTls;
    this.tlsReloadInterval = b.tlsReloadInterval;
    this.backends = java.util.Map.copyOf(b.backends);
    this.authorization = b.authorization;
    this.rateLimitPerNamespace = b.rateLimitPerNamespace;
    this.rateLimits = java.util.Map.copyOf(b.rateLimits);
    this.maxParkedPollsPerClient = b.maxParkedPollsPerClient;
    this.startLatencySlo = b.startLatencySlo;
    this.health = b.health;
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.maxMessageBytes = b.maxMessageBytes;
    this.placement = b.placement;
    this.polls = b.polls;
    this.retentionFallback = b.retentionFallback;
    this.retentionRefresh = b.retentionRefresh;
    this.reconciler = b.reconciler;
    this.meterRegistry = b.meterRegistry;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String bindAddress() {
    return bindAddress;
  }

  /** The gRPC port; 0 picks a free one (see {@link TempuraProxy#port()}). */
  public int port() {
    return port;
  }

  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  public PlacementPolicy placement() {
    return placement;
  }

  public PollOptions polls() {
    return polls;
  }

  /** The TTL of a closed workflow's mapping when its backend does not report a retention. */
  public java.time.Duration retentionFallback() {
    return retentionFallback;
  }

  /** How often a physical namespace's retention is read again. */
  public java.time.Duration retentionRefresh() {
    return retentionRefresh;
  }

  /** The reconciler's pace, or null when it is off. */
  public MappingReconciler.Options reconciler() {
    return reconciler;
  }

  /** The StartWorkflowExecution p95 the adaptive policy holds each backend to. */
  public java.time.Duration startLatencySlo() {
    return startLatencySlo;
  }

  public dev.tempura.proxy.health.HealthOptions health() {
    return health;
  }

  /** Where the proxy's metrics go. */
  public MeterRegistry meterRegistry() {
    return meterRegistry;
  }

  /** TLS on the gRPC port, or null for plaintext. */
  public ServerTls serverTls() {
    return serverTls;
  }

  /** How often certificate files (server and backends) are checked for a new version. */
  public java.time.Duration tlsReloadInterval() {
    return tlsReloadInterval;
  }

  /** Cluster address → TLS and API key; addresses not listed are plaintext. */
  public java.util.Map<String, BackendConfig> backends() {
    return backends;
  }

  /** Who may use which virtual namespace, or null when every client may use all of them. */
  public AuthorizationConfig authorization() {
    return authorization;
  }

  /** Requests per second per virtual namespace not in {@link #rateLimits()}; 0: unlimited. */
  public double rateLimitPerNamespace() {
    return rateLimitPerNamespace;
  }

  /** Virtual namespace → requests per second; 0: unlimited. */
  public java.util.Map<String, Double> rateLimits() {
    return rateLimits;
  }

  /** Client polls one client (identity, else IP address) may have parked at once; 0: unlimited. */
  public int maxParkedPollsPerClient() {
    return maxParkedPollsPerClient;
  }

  /**
   * How long each backend has to answer when a workflow without a mapping is looked for; one still
   * silent then makes the call UNAVAILABLE (docs/routing.md).
   */
  public java.time.Duration locateTimeout() {
    return locateTimeout;
  }

  /** The pace of the imports of adopted namespaces. */
  public dev.tempura.proxy.onboard.OnboardingOptions onboarding() {
    return onboarding;
  }

  /** Where the calls' spans go, or null when tracing is off (the default). */
  public dev.tempura.proxy.trace.TracingOptions tracing() {
    return tracing;
  }

  public Builder toBuilder() {
    return new Builder()
        .tracing(tracing)
        .onboarding(onboarding)
        .bindAddress(bindAddress)
        .port(port)
        .maxMessageBytes(maxMessageBytes)
        .placement(placement)
        .polls(polls)
        .retentionFallback(retentionFallback)
        .retentionRefresh(retentionRefresh)
        .reconciler(reconciler)
        .meterRegistry(meterRegistry)
        .startLatencySlo(startLatencySlo)
        .health(health)
        .serverTls(serverTls)
        .tlsReloadInterval(tlsReloadInterval)
        .backends(backends)
        .authorization(authorization)
        .rateLimitPerNamespace(rateLimitPerNamespace)
        .rateLimits(rateLimits)
        .maxParkedPollsPerClient(maxParkedPollsPerClient)
        .locateTimeout(locateTimeout);
  }

  public static final class Builder {
    private String bindAddress = "0.0.0.0";
    private int port = 8088;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private PlacementPolicy placement = new RendezvousPlacement();
    private PollOptions polls = PollOptions.DEFAULTS;
    // Temporal's own default for a namespace registered without one
    private java.time.Duration retentionFallback = java.time.Duration.ofDays(3);
    private java.time.Duration retentionRefresh = java.time.Duration.ofMinutes(5);
    private MappingReconciler.Options reconciler = MappingReconciler.Options.DEFAULTS;
    private MeterRegistry meterRegistry = new SimpleMeterRegistry();
    // the scale-out scenario's SLO
    private java.time.Duration startLatencySlo = java.time.Duration.ofMillis(150);
    private dev.tempura.proxy.health.HealthOptions health =
        dev.tempura.proxy.health.HealthOptions.DEFAULTS;
    private ServerTls serverTls;
    private java.time.Duration tlsReloadInterval = TlsReloader.DEFAULT_INTERVAL;
    private java.util.Map<String, BackendConfig> backends = java.util.Map.of();
    private AuthorizationConfig authorization;
    private double rateLimitPerNamespace;
    private java.util.Map<String, Double> rateLimits = java.util.Map.of();
    private int maxParkedPollsPerClient = DEFAULT_MAX_PARKED_POLLS_PER_CLIENT;
    private java.time.Duration locateTimeout =
        dev.tempura.proxy.locate.WorkflowLocator.DEFAULT_TIMEOUT;

    private Builder() {}

    public Builder locateTimeout(java.time.Duration timeout) {
      requireNonNull(timeout, "locateTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("locateTimeout: " + timeout + " (expected: > 0)");
      }
      this.locateTimeout = timeout;
      return this;
    }

    private dev.tempura.proxy.onboard.OnboardingOptions onboarding =
        dev.tempura.proxy.onboard.OnboardingOptions.DEFAULTS;
    private dev.tempura.proxy.trace.TracingOptions tracing;

    /** Spans of every call sent over OTLP; null (the default) for no tracing at all. */
    public Builder tracing(dev.tempura.proxy.trace.TracingOptions tracing) {
      this.tracing = tracing;
      return this;
    }

    public Builder onboarding(dev.tempura.proxy.onboard.OnboardingOptions onboarding) {
      this.onboarding = java.util.Objects.requireNonNull(onboarding, "onboarding");
      return this;
    }

    /** TLS on the gRPC port; null for plaintext. */
    public Builder serverTls(ServerTls serverTls) {
      this.serverTls = serverTls;
      return this;
    }

    public Builder tlsReloadInterval(java.time.Duration interval) {
      requireNonNull(interval, "tlsReloadInterval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("tlsReloadInterval: " + interval + " (expected: > 0)");
      }
      this.tlsReloadInterval = interval;
      return this;
    }

    /** Cluster address → TLS and API key. */
    public Builder backends(java.util.Map<String, BackendConfig> backends) {
      this.backends = requireNonNull(backends, "backends");
      return this;
    }

    /** Null lets every client use every virtual namespace. */
    public Builder authorization(AuthorizationConfig authorization) {
      this.authorization = authorization;
      return this;
    }

    /** 0 (the default) for no limit. */
    public Builder rateLimitPerNamespace(double rps) {
      if (rps < 0 || Double.isNaN(rps)) {
        throw new IllegalArgumentException("rateLimitPerNamespace: " + rps + " (expected: >= 0)");
      }
      this.rateLimitPerNamespace = rps;
      return this;
    }

    /** Virtual namespace → requests per second, overriding {@link #rateLimitPerNamespace}. */
    public Builder rateLimits(java.util.Map<String, Double> rateLimits) {
      this.rateLimits = requireNonNull(rateLimits, "rateLimits");
      return this;
    }

    /** 0 for no limit. */
    public Builder maxParkedPollsPerClient(int max) {
      if (max < 0) {
        throw new IllegalArgumentException("maxParkedPollsPerClient: " + max + " (expected: >= 0)");
      }
      this.maxParkedPollsPerClient = max;
      return this;
    }

    /** The backends, authorization and per-namespace rate limits of a config file. */
    public Builder security(SecurityConfig config) {
      requireNonNull(config, "config");
      return backends(config.backends())
          .authorization(config.authorization())
          .rateLimits(config.rateLimits());
    }

    public Builder startLatencySlo(java.time.Duration startLatencySlo) {
      this.startLatencySlo = requireNonNull(startLatencySlo, "startLatencySlo");
      return this;
    }

    public Builder health(dev.tempura.proxy.health.HealthOptions health) {
      this.health = requireNonNull(health, "health");
      return this;
    }

    public Builder retentionFallback(java.time.Duration retentionFallback) {
      this.retentionFallback = requireNonNull(retentionFallback, "retentionFallback");
      return this;
    }

    public Builder retentionRefresh(java.time.Duration retentionRefresh) {
      this.retentionRefresh = requireNonNull(retentionRefresh, "retentionRefresh");
      return this;
    }

    /** Null turns the reconciler off. */
    public Builder reconciler(MappingReconciler.Options reconciler) {
      this.reconciler = reconciler;
      return this;
    }

    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = requireNonNull(meterRegistry, "meterRegistry");
      return this;
    }

    public Builder bindAddress(String bindAddress) {
      this.bindAddress = requireNonNull(bindAddress, "bindAddress");
      return this;
    }

    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
      }
      this.port = port;
      return this;
    }

    public Builder maxMessageBytes(int maxMessageBytes) {
      if (maxMessageBytes <= 0) {
        throw new IllegalArgumentException(
            "maxMessageBytes: " + maxMessageBytes + " (expected: > 0)");
      }
      this.maxMessageBytes = maxMessageBytes;
      return this;
    }

    public Builder placement(PlacementPolicy placement) {
      this.placement = requireNonNull(placement, "placement");
      return this;
    }

    public Builder polls(PollOptions polls) {
      this.polls = requireNonNull(polls, "polls");
      return this;
    }

    public ProxyOptions build() {
      return new ProxyOptions(this);
    }
  }
}
