package dev.tempura.app.sandbox;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a sandbox run goes.
 *
 * @param concurrency workflows the runner keeps in flight ({@code runner -c})
 * @param shards state-changing calls each emulated cluster serves at once
 * @param serviceTime how long each of them holds its shard
 * @param slo the Start p95 above which namespace-a counts as overloaded
 * @param maxPhase1 how long phase 1 may wait for the SLO to be passed before B is added anyway
 * @param phaseDuration how long phase 2 (both clusters) runs
 * @param interval the sampling interval: charts, the printed progress and the SLO check
 * @param warmup how long a light load runs before the scenario, so that JIT compilation and class
 *     loading are not mistaken for overload; zero for none
 * @param reportDir where the HTML report goes
 */
record SandboxSettings(
    int concurrency,
    int shards,
    Duration serviceTime,
    Duration slo,
    Duration maxPhase1,
    Duration phaseDuration,
    Duration interval,
    Duration warmup,
    Path reportDir) {

  static final int DEFAULT_CONCURRENCY = 16;
  static final int DEFAULT_SHARDS = 4;
  static final Duration DEFAULT_SERVICE_TIME = Duration.ofMillis(40);
  static final Duration DEFAULT_SLO = Duration.ofMillis(150);
  static final Duration DEFAULT_MAX_PHASE1 = Duration.ofSeconds(30);
  static final Duration DEFAULT_PHASE_DURATION = Duration.ofSeconds(40);
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);
  static final Duration SHORT_MAX_PHASE1 = Duration.ofSeconds(8);
  static final Duration SHORT_PHASE_DURATION = Duration.ofSeconds(10);
  static final Duration SHORT_INTERVAL = Duration.ofSeconds(1);
  static final Duration SHORT_WARMUP = Duration.ofSeconds(3);
  static final Path DEFAULT_REPORT_DIR = Path.of("sandbox-report");

  /** Intervals in a row over the SLO that count as overload (intervals with no start skipped). */
  static final int INTERVALS_OVER_SLO = 2;

  SandboxSettings {
    if (concurrency < 1) {
      throw new IllegalArgumentException("--concurrency must be at least 1");
    }
    if (shards < 1) {
      throw new IllegalArgumentException("--shards must be at least 1");
    }
    requirePositive(serviceTime, "--service-time");
    requirePositive(slo, "--slo");
    requirePositive(maxPhase1, "--max-phase1");
    requirePositive(phaseDuration, "--phase-duration");
    requirePositive(interval, "--interval");
    if (warmup == null || warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative");
    }
    requireNonNull(reportDir, "reportDir");
  }

  /** State transitions a second one emulated cluster can serve. */
  double capacityPerSecond() {
    return shards * 1e9 / serviceTime.toNanos();
  }

  private static void requirePositive(Duration value, String flag) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
  }
}
