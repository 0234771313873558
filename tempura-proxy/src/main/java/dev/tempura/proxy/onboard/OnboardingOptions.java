package dev.tempura.proxy.onboard;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * The pace of onboarding imports.
 *
 * @param pageSize executions asked for per visibility page
 * @param workflowsPerSecond at most this many listed executions a second are written, per imported
 *     namespace: the import must not load the backend's visibility store or the mapping store
 * @param lease how long a replica's claim on an import lasts without progress; another replica
 *     takes it over after that (a replica that stopped mid-import)
 * @param followInterval how often a replica that does not run an import reads its progress
 */
public record OnboardingOptions(
    int pageSize, double workflowsPerSecond, Duration lease, Duration followInterval) {
  public static final OnboardingOptions DEFAULTS =
      new OnboardingOptions(100, 200, Duration.ofSeconds(60), Duration.ofSeconds(2));

  public OnboardingOptions {
    if (pageSize <= 0 || pageSize > 1000) {
      throw new IllegalArgumentException("pageSize: " + pageSize + " (expected: 1 to 1000)");
    }
    if (!(workflowsPerSecond > 0) || Double.isInfinite(workflowsPerSecond)) {
      throw new IllegalArgumentException(
          "workflowsPerSecond: " + workflowsPerSecond + " (expected: > 0)");
    }
    requireNonNull(lease, "lease");
    requireNonNull(followInterval, "followInterval");
    if (lease.isNegative() || lease.isZero() || followInterval.isNegative()) {
      throw new IllegalArgumentException("lease and followInterval must be positive");
    }
  }
}
