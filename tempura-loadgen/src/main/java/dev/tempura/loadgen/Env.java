package dev.tempura.loadgen;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads benchmark-workers' environment variables with their rules: an empty value counts as unset.
 * Unlike theirs, a value that does not parse is an error rather than silently ignored, so that a
 * typo does not run a load test with the wrong settings.
 */
final class Env {
  static final String GRPC_ENDPOINT = "TEMPORAL_GRPC_ENDPOINT";
  static final String NAMESPACE = "TEMPORAL_NAMESPACE";
  static final String TASK_QUEUE = "TEMPORAL_TASK_QUEUE";
  static final String TLS_CERT = "TEMPORAL_TLS_CERT";
  static final String TLS_KEY = "TEMPORAL_TLS_KEY";
  static final String TLS_CA = "TEMPORAL_TLS_CA";
  static final String TLS_DISABLE_HOST_VERIFICATION = "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION";
  static final String MAX_WORKFLOW_TASK_POLLERS = "TEMPORAL_MAX_WORKFLOW_TASK_POLLERS";
  static final String MAX_ACTIVITY_TASK_POLLERS = "TEMPORAL_MAX_ACTIVITY_TASK_POLLERS";
  // the names benchmark-workers read before it switched to autoscaling pollers (Nov 2025), which
  // older guides still pass
  static final String WORKFLOW_TASK_POLLERS = "TEMPORAL_WORKFLOW_TASK_POLLERS";
  static final String ACTIVITY_TASK_POLLERS = "TEMPORAL_ACTIVITY_TASK_POLLERS";
  static final String CONCURRENT_WORKFLOWS = "TEMPORAL_CONCURRENT_WORKFLOWS";
  static final String WORKFLOW_TYPE = "TEMPORAL_WORKFLOW_TYPE";
  static final String SIGNAL_TYPE = "TEMPORAL_SIGNAL_TYPE";
  static final String WAIT = "TEMPORAL_WAIT";
  static final String DISABLE_ERROR_BACKOFF = "TEMPORAL_DISABLE_ERROR_BACKOFF";
  static final String BACKOFF_MAX_INTERVAL = "TEMPORAL_BACKOFF_MAX_INTERVAL";
  static final String BACKOFF_FACTOR = "TEMPORAL_BACKOFF_FACTOR";

  /** What Go's strconv.ParseBool accepts. */
  private static final Set<String> TRUE = Set.of("1", "t", "T", "TRUE", "true", "True");

  private static final Set<String> FALSE = Set.of("0", "f", "F", "FALSE", "false", "False");

  private final Map<String, String> variables;

  Env(Map<String, String> variables) {
    this.variables = Map.copyOf(variables);
  }

  Optional<String> string(String name) {
    String value = variables.get(name);
    return value == null || value.isEmpty() ? Optional.empty() : Optional.of(value);
  }

  OptionalInt integer(String name) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return OptionalInt.empty();
    }
    try {
      return OptionalInt.of(Integer.parseInt(value.get().trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + "=" + value.get() + " is not a whole number", e);
    }
  }

  Optional<Boolean> bool(String name) {
    Optional<String> value = string(name);
    if (value.isEmpty()) {
      return Optional.empty();
    }
    if (TRUE.contains(value.get())) {
      return Optional.of(true);
    }
    if (FALSE.contains(value.get())) {
      return Optional.of(false);
    }
    throw new IllegalArgumentException(
        name + "=" + value.get() + " is not a boolean (expected: true or false)");
  }

  /** TLS as benchmark-workers enables it: only when both a certificate and a key are named. */
  Optional<TlsSettings> tls() {
    Optional<String> cert = string(TLS_CERT);
    Optional<String> key = string(TLS_KEY);
    if (cert.isEmpty() || key.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        new TlsSettings(
            Path.of(cert.get()),
            Path.of(key.get()),
            string(TLS_CA).map(Path::of),
            // any non-empty value, as theirs
            string(TLS_DISABLE_HOST_VERIFICATION).isPresent()));
  }
}
