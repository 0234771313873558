package dev.tempura.loadgen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link LoadRunner} starts, where, and for how long.
 *
 * @param concurrency workflows kept in flight ({@code -c})
 * @param workflowType the workflow type started ({@code -t})
 * @param signalType when present, each workflow is started with SignalWithStartWorkflowExecution
 *     carrying this signal, as benchmark-workers' {@code -s} does
 * @param signalAfterStart sends that signal with a separate SignalWorkflowExecution after
 *     StartWorkflowExecution instead, so that a proxy must route the signal to where the start went
 * @param waitForCompletion whether a slot waits for its workflow's result before starting the next
 *     ({@code -w}, on by default as in benchmark-workers); without it there are no completions and
 *     no end-to-end latencies
 * @param inputs the workflow's arguments, one JSON text each
 * @param duration stop starting workflows after this long; forever when empty
 * @param metricsPort serve Prometheus text at {@code /metrics} on this port; 0 for none
 * @param maxWorkflows stop after this many start attempts; 0 for no limit
 * @param disableBackoff keep starting at full speed after failures
 * @param backoffMaxInterval the pause after consecutive failures grows from one second by {@code
 *     backoffFactor} while it stays below this
 * @param drainTimeout how long a stopping run waits for workflows in flight before abandoning them
 */
public record RunnerSettings(
    String endpoint,
    String namespace,
    String taskQueue,
    Optional<TlsSettings> tls,
    int concurrency,
    String workflowType,
    Optional<String> signalType,
    boolean signalAfterStart,
    boolean waitForCompletion,
    List<String> inputs,
    Optional<Duration> duration,
    Duration reportInterval,
    int metricsPort,
    long maxWorkflows,
    boolean disableBackoff,
    Duration backoffMaxInterval,
    int backoffFactor,
    Duration drainTimeout) {

  public static final int DEFAULT_CONCURRENCY = 10;
  public static final String DEFAULT_WORKFLOW_TYPE = BenchmarkTypes.EXECUTE_ACTIVITY;
  public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BACKOFF_MAX_INTERVAL = Duration.ofSeconds(60);
  public static final int DEFAULT_BACKOFF_FACTOR = 2;
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);

  private static final ObjectMapper JSON = new ObjectMapper();

  public RunnerSettings {
    endpoint = LoadgenSettings.requireText(endpoint, "endpoint");
    namespace = LoadgenSettings.requireText(namespace, "namespace");
    taskQueue = LoadgenSettings.requireText(taskQueue, "taskQueue");
    Objects.requireNonNull(tls, "tls");
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency: " + concurrency + " (expected: 1 or more)");
    }
    workflowType = LoadgenSettings.requireText(workflowType, "workflowType");
    signalType = Objects.requireNonNull(signalType, "signalType").filter(s -> !s.isEmpty());
    if (signalAfterStart && signalType.isEmpty()) {
      throw new IllegalArgumentException("signalAfterStart needs a signal type");
    }
    inputs = List.copyOf(inputs);
    inputs.forEach(RunnerSettings::parse);
    Objects.requireNonNull(duration, "duration");
    duration.ifPresent(d -> requirePositive(d, "duration"));
    requirePositive(reportInterval, "reportInterval");
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new IllegalArgumentException("metricsPort: " + metricsPort + " (expected: 0-65535)");
    }
    if (maxWorkflows < 0) {
      throw new IllegalArgumentException("maxWorkflows: " + maxWorkflows + " (expected: >= 0)");
    }
    Objects.requireNonNull(backoffMaxInterval, "backoffMaxInterval");
    if (backoffFactor < 1) {
      throw new IllegalArgumentException("backoffFactor: " + backoffFactor + " (expected: >= 1)");
    }
    Objects.requireNonNull(drainTimeout, "drainTimeout");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings from benchmark-workers' runner variables ({@code TEMPORAL_GRPC_ENDPOINT}, {@code
   * TEMPORAL_NAMESPACE}, {@code TEMPORAL_TASK_QUEUE}, {@code TEMPORAL_CONCURRENT_WORKFLOWS}, {@code
   * TEMPORAL_WORKFLOW_TYPE}, {@code TEMPORAL_SIGNAL_TYPE}, {@code TEMPORAL_WAIT}, {@code
   * TEMPORAL_DISABLE_ERROR_BACKOFF}, {@code TEMPORAL_BACKOFF_MAX_INTERVAL} in seconds, {@code
   * TEMPORAL_BACKOFF_FACTOR}, the {@code TEMPORAL_TLS_*} files), defaults for the rest.
   *
   * @throws IllegalArgumentException when a number or boolean does not parse
   */
  public static Builder fromEnvironment(Map<String, String> environment) {
    Env env = new Env(environment);
    Builder builder = new Builder();
    env.string(Env.GRPC_ENDPOINT).ifPresent(builder::endpoint);
    env.string(Env.NAMESPACE).ifPresent(builder::namespace);
    env.string(Env.TASK_QUEUE).ifPresent(builder::taskQueue);
    env.tls().ifPresent(builder::tls);
    env.integer(Env.CONCURRENT_WORKFLOWS).ifPresent(builder::concurrency);
    env.string(Env.WORKFLOW_TYPE).ifPresent(builder::workflowType);
    env.string(Env.SIGNAL_TYPE).ifPresent(builder::signalType);
    env.bool(Env.WAIT).ifPresent(builder::waitForCompletion);
    env.bool(Env.DISABLE_ERROR_BACKOFF).ifPresent(builder::disableBackoff);
    env.integer(Env.BACKOFF_MAX_INTERVAL)
        .ifPresent(s -> builder.backoffMaxInterval(Duration.ofSeconds(s)));
    env.integer(Env.BACKOFF_FACTOR).ifPresent(builder::backoffFactor);
    return builder;
  }

  public Builder toBuilder() {
    return new Builder()
        .endpoint(endpoint)
        .namespace(namespace)
        .taskQueue(taskQueue)
        .tls(tls.orElse(null))
        .concurrency(concurrency)
        .workflowType(workflowType)
        .signalType(signalType.orElse(null))
        .signalAfterStart(signalAfterStart)
        .waitForCompletion(waitForCompletion)
        .inputs(inputs)
        .duration(duration.orElse(null))
        .reportInterval(reportInterval)
        .metricsPort(metricsPort)
        .maxWorkflows(maxWorkflows)
        .disableBackoff(disableBackoff)
        .backoffMaxInterval(backoffMaxInterval)
        .backoffFactor(backoffFactor)
        .drainTimeout(drainTimeout);
  }

  /** The inputs as workflow arguments, parsed afresh so that callers cannot alter the settings. */
  Object[] arguments() {
    return inputs.stream().map(RunnerSettings::parse).toArray();
  }

  static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "workflow input is not JSON: " + json + " (" + e.getOriginalMessage() + ")", e);
    }
  }

  private static void requirePositive(Duration value, String name) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: positive)");
    }
  }

  public static final class Builder {
    private String endpoint = LoadgenSettings.DEFAULT_ENDPOINT;
    private String namespace = LoadgenSettings.DEFAULT_NAMESPACE;
    private String taskQueue = LoadgenSettings.DEFAULT_TASK_QUEUE;
    private TlsSettings tls;
    private int concurrency = DEFAULT_CONCURRENCY;
    private String workflowType = DEFAULT_WORKFLOW_TYPE;
    private String signalType;
    private boolean signalAfterStart;
    private boolean waitForCompletion = true;
    private List<String> inputs = List.of();
    private Duration duration;
    private Duration reportInterval = DEFAULT_REPORT_INTERVAL;
    private int metricsPort;
    private long maxWorkflows;
    private boolean disableBackoff;
    private Duration backoffMaxInterval = DEFAULT_BACKOFF_MAX_INTERVAL;
    private int backoffFactor = DEFAULT_BACKOFF_FACTOR;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;

    private Builder() {}

    public Builder endpoint(String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    public Builder taskQueue(String taskQueue) {
      this.taskQueue = taskQueue;
      return this;
    }

    /** Plaintext when null. */
    public Builder tls(TlsSettings tls) {
      this.tls = tls;
      return this;
    }

    public Builder concurrency(int concurrency) {
      this.concurrency = concurrency;
      return this;
    }

    public Builder workflowType(String workflowType) {
      this.workflowType = workflowType;
      return this;
    }

    /** No signal when null or empty. */
    public Builder signalType(String signalType) {
      this.signalType = signalType;
      return this;
    }

    public Builder signalAfterStart(boolean signalAfterStart) {
      this.signalAfterStart = signalAfterStart;
      return this;
    }

    public Builder waitForCompletion(boolean waitForCompletion) {
      this.waitForCompletion = waitForCompletion;
      return this;
    }

    /** JSON texts, one per workflow argument. */
    public Builder inputs(List<String> inputs) {
      this.inputs = List.copyOf(inputs);
      return this;
    }

    public Builder input(String... inputs) {
      return inputs(List.of(inputs));
    }

    /** Forever when null. */
    public Builder duration(Duration duration) {
      this.duration = duration;
      return this;
    }

    public Builder reportInterval(Duration reportInterval) {
      this.reportInterval = reportInterval;
      return this;
    }

    public Builder metricsPort(int metricsPort) {
      this.metricsPort = metricsPort;
      return this;
    }

    public Builder maxWorkflows(long maxWorkflows) {
      this.maxWorkflows = maxWorkflows;
      return this;
    }

    public Builder disableBackoff(boolean disableBackoff) {
      this.disableBackoff = disableBackoff;
      return this;
    }

    public Builder backoffMaxInterval(Duration backoffMaxInterval) {
      this.backoffMaxInterval = backoffMaxInterval;
      return this;
    }

    public Builder backoffFactor(int backoffFactor) {
      this.backoffFactor = backoffFactor;
      return this;
    }

    public Builder drainTimeout(Duration drainTimeout) {
      this.drainTimeout = drainTimeout;
      return this;
    }

    public RunnerSettings build() {
      return new RunnerSettings(
          endpoint,
          namespace,
          taskQueue,
          Optional.ofNullable(tls),
          concurrency,
          workflowType,
          Optional.ofNullable(signalType),
          signalAfterStart,
          waitForCompletion,
          inputs,
          Optional.ofNullable(duration),
          reportInterval,
          metricsPort,
          maxWorkflows,
          disableBackoff,
          backoffMaxInterval,
          backoffFactor,
          drainTimeout);
    }
  }
}
