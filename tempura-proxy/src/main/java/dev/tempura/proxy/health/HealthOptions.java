package dev.tempura.proxy.health;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How backends are judged healthy.
 *
 * @param checkInterval how often each backend's gRPC health service is asked
 * @param checkTimeout how long an answer may take; a stalled backend fails by this
 * @param unhealthyAfter consecutive failed checks that make a backend unhealthy
 * @param ejectAfterErrors consecutive UNAVAILABLE or DEADLINE_EXCEEDED answers to real calls that
 *     eject a backend from placement (passive outlier detection, as Envoy does)
 * @param ejection how long the first ejection lasts; each further one in a row lasts longer, up to
 *     ten times this
 * @param throttle how long a backend stays out of placement after it answered RESOURCE_EXHAUSTED
 *     for lack of capacity (rate limit, overload); each such answer starts it again
 */
public record HealthOptions(
    Duration checkInterval,
    Duration checkTimeout,
    int unhealthyAfter,
    int ejectAfterErrors,
    Duration ejection,
    Duration throttle) {
  public static final HealthOptions DEFAULTS =
      new HealthOptions(
          Duration.ofMillis(500), Duration.ofMillis(800), 2, 5, Duration.ofSeconds(5));

  /** With the default throttle of 1 s. */
  public HealthOptions(
      Duration checkInterval,
      Duration checkTimeout,
      int unhealthyAfter,
      int ejectAfterErrors,
      Duration ejection) {
    this(
        checkInterval,
        checkTimeout,
        unhealthyAfter,
        ejectAfterErrors,
        ejection,
        Duration.ofSeconds(1));
  }

  public HealthOptions {
    requireNonNull(checkInterval, "checkInterval");
    requireNonNull(checkTimeout, "checkTimeout");
    requireNonNull(ejection, "ejection");
    requireNonNull(throttle, "throttle");
    if (unhealthyAfter < 1 || ejectAfterErrors < 1) {
      throw new IllegalArgumentException("thresholds must be >= 1");
    }
  }
}
