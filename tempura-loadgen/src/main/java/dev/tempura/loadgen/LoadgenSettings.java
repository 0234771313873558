package dev.tempura.loadgen;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link LoadWorker} connects to and how hard it polls.
 *
 * @param endpoint the frontend's host:port
 * @param maxWorkflowTaskPollers as benchmark-workers' {@code -wp}: -1 keeps the Go SDK's default of
 *     two fixed pollers (rather than the Java SDK's five, so that either worker puts the same poll
 *     load on the server); 0 polls no workflow tasks; above 0 autoscales up to that many
 * @param maxActivityTaskPollers the same for activity tasks ({@code -ap})
 */
public record LoadgenSettings(
    String endpoint,
    String namespace,
    String taskQueue,
    int maxWorkflowTaskPollers,
    int maxActivityTaskPollers,
    Optional<TlsSettings> tls) {

  public static final String DEFAULT_ENDPOINT = "127.0.0.1:7233";
  public static final String DEFAULT_NAMESPACE = "default";
  public static final String DEFAULT_TASK_QUEUE = "benchmark";
  public static final int DEFAULT_POLLERS = -1;

  public LoadgenSettings {
    endpoint = requireText(endpoint, "endpoint");
    namespace = requireText(namespace, "namespace");
    taskQueue = requireText(taskQueue, "taskQueue");
    requirePollers(maxWorkflowTaskPollers, "maxWorkflowTaskPollers");
    requirePollers(maxActivityTaskPollers, "maxActivityTaskPollers");
    Objects.requireNonNull(tls, "tls");
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings from benchmark-workers' worker variables: {@code TEMPORAL_GRPC_ENDPOINT}, {@code
   * TEMPORAL_NAMESPACE}, {@code TEMPORAL_TASK_QUEUE}, {@code TEMPORAL_MAX_WORKFLOW_TASK_POLLERS}
   * and {@code TEMPORAL_MAX_ACTIVITY_TASK_POLLERS} (or their older names without {@code MAX_}), and
   * the {@code TEMPORAL_TLS_*} files; the defaults for whatever is unset.
   *
   * @param environment usually {@link System#getenv()}
   * @throws IllegalArgumentException when a number does not parse
   */
  public static Builder fromEnvironment(Map<String, String> environment) {
    Env env = new Env(environment);
    Builder builder = new Builder();
    env.string(Env.GRPC_ENDPOINT).ifPresent(builder::endpoint);
    env.string(Env.NAMESPACE).ifPresent(builder::namespace);
    env.string(Env.TASK_QUEUE).ifPresent(builder::taskQueue);
    pollers(env, Env.MAX_WORKFLOW_TASK_POLLERS, Env.WORKFLOW_TASK_POLLERS)
        .ifPresent(builder::maxWorkflowTaskPollers);
    pollers(env, Env.MAX_ACTIVITY_TASK_POLLERS, Env.ACTIVITY_TASK_POLLERS)
        .ifPresent(builder::maxActivityTaskPollers);
    env.tls().ifPresent(builder::tls);
    return builder;
  }

  public Builder toBuilder() {
    return new Builder()
        .endpoint(endpoint)
        .namespace(namespace)
        .taskQueue(taskQueue)
        .maxWorkflowTaskPollers(maxWorkflowTaskPollers)
        .maxActivityTaskPollers(maxActivityTaskPollers)
        .tls(tls.orElse(null));
  }

  private static Optional<Integer> pollers(Env env, String name, String olderName) {
    var value = env.integer(name);
    if (value.isEmpty()) {
      value = env.integer(olderName);
    }
    return value.isPresent() ? Optional.of(value.getAsInt()) : Optional.empty();
  }

  static String requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value;
  }

  private static void requirePollers(int pollers, String name) {
    if (pollers < -1) {
      throw new IllegalArgumentException(name + ": " + pollers + " (expected: -1 or more)");
    }
  }

  public static final class Builder {
    private String endpoint = DEFAULT_ENDPOINT;
    private String namespace = DEFAULT_NAMESPACE;
    private String taskQueue = DEFAULT_TASK_QUEUE;
    private int maxWorkflowTaskPollers = DEFAULT_POLLERS;
    private int maxActivityTaskPollers = DEFAULT_POLLERS;
    private TlsSettings tls;

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

    public Builder maxWorkflowTaskPollers(int maxWorkflowTaskPollers) {
      this.maxWorkflowTaskPollers = maxWorkflowTaskPollers;
      return this;
    }

    public Builder maxActivityTaskPollers(int maxActivityTaskPollers) {
      this.maxActivityTaskPollers = maxActivityTaskPollers;
      return this;
    }

    /** Plaintext when null. */
    public Builder tls(TlsSettings tls) {
      this.tls = tls;
      return this;
    }

    public LoadgenSettings build() {
      return new LoadgenSettings(
          endpoint,
          namespace,
          taskQueue,
          maxWorkflowTaskPollers,
          maxActivityTaskPollers,
          Optional.ofNullable(tls));
    }
  }
}
