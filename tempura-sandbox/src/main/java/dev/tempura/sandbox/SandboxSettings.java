package dev.tempura.sandbox;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a sandbox run goes.
 *
 * @param concurrency workflows the runner keeps in flight ({@code runner -c})
 * @param shards state-changing calls each emulated cluster serves at once
 * @param serviceTime how long each of them but the starts holds its shard
 * @param startServiceTime how long a start holds its shard
 * @param slo the Start p95 above which a cluster counts as overloaded
 * @param phase1Duration how long phase 1 (cluster A alone) runs
 * @param phase2Duration how long phase 2 (both clusters) runs
 * @param interval the sampling interval: charts, the printed progress and the SLO check
 * @param warmup how long a light load runs before the scenario, so that JIT compilation and class
 *     loading are not mistaken for overload; zero for none
 * @param reportDir where the HTML report goes
 * @param grpcPort Tempura's gRPC port on loopback; 0 for a free one
 * @param adminPort Tempura's admin API port on loopback; 0 for a free one
 * @param placement the virtual namespace's placement policy (rendezvous, round-robin, adaptive)
 */
record SandboxSettings(
    int concurrency,
    int shards,
    Duration serviceTime,
    Duration startServiceTime,
    Duration slo,
    Duration phase1Duration,
    Duration phase2Duration,
    Duration interval,
    Duration warmup,
    Path reportDir,
    int grpcPort,
    int adminPort,
    String placement) {

  /** The scenario's own load, {@code runner -c 50}; the emulated capacity below is sized for it. */
  static final int DEFAULT_CONCURRENCY = 50;

  /**
   * 24 shards, a start holding one for 20 ms and every other state-changing call for 170 ms: a
   * workflow (a start, 21 completions) needs 3.59 s of shard time, so a cluster serves about 6.7
   * workflows/s, 147 state transitions/s. Sized so that -c 50 overloads one cluster and not two.
   *
   * <p>The runner's loop is closed. About 25 workflows keep the 24 shards busy (each also spends a
   * little time in the worker and the servers), so on A alone the other 25 of the 50 wait in the
   * queue, and a start waits about 25 x 163 ms (the mean service time) / 24 shards = 170 ms for a
   * shard, about 190 ms all told: over the 150 ms SLO. With B, the 25 workflows a cluster holds
   * just fit: a start takes its 20 ms and little more. And since a cluster that is not saturated
   * completes more the more workflows it holds, an even placement drains A's backlog onto B by
   * itself; with both saturated nothing would (each would complete at its capacity, half the new
   * starts going to each), and A would keep its backlog. The long task service time also keeps the
   * calls few (about 300 a second with both clusters), so that on two busy cores the emulated
   * capacity, not the CPU, is the limit; one short service time for every call would need twice the
   * calls for the same latencies, and the CPU's hiccups would then set the p95.
   */
  static final int DEFAULT_SHARDS = 24;

  static final Duration DEFAULT_SERVICE_TIME = Duration.ofMillis(170);
  static final Duration DEFAULT_START_SERVICE_TIME = Duration.ofMillis(20);
  static final Duration DEFAULT_SLO = Duration.ofMillis(150);

  /** Long enough for a steady half: the first half fills A's queue, the second measures it. */
  static final Duration DEFAULT_PHASE1_DURATION = Duration.ofSeconds(40);

  /** Longer than phase 1: its steady half should outlast a hiccup of a busy machine. */
  static final Duration DEFAULT_PHASE2_DURATION = Duration.ofSeconds(60);

  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
  static final Duration DEFAULT_WARMUP = Duration.ofSeconds(5);

  /**
   * Short, but each steady half still holds a wave of starts: on A alone a workflow takes about 50
   * / 6.7 = 7.5 s (every one of its 22 calls waits its turn), and the 50, started together, start
   * again together.
   */
  static final Duration SHORT_PHASE1_DURATION = Duration.ofSeconds(20);

  static final Duration SHORT_PHASE2_DURATION = Duration.ofSeconds(20);
  static final Duration SHORT_INTERVAL = Duration.ofSeconds(1);
  static final Duration SHORT_WARMUP = Duration.ofSeconds(3);
  static final Path DEFAULT_REPORT_DIR = Path.of("sandbox-report");

  /** Tempura's own default: an even split by workflow id, as in the scenario. */
  static final String DEFAULT_PLACEMENT = "rendezvous";

  static final java.util.Set<String> PLACEMENTS =
      java.util.Set.of("rendezvous", "round-robin", "adaptive");

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
    requirePositive(startServiceTime, "--start-service-time");
    requirePositive(slo, "--slo");
    requirePositive(phase1Duration, "--phase1-duration");
    requirePositive(phase2Duration, "--phase2-duration");
    requirePositive(interval, "--interval");
    if (warmup == null || warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must not be negative");
    }
    requireNonNull(reportDir, "reportDir");
    if (!PLACEMENTS.contains(placement)) {
      throw new IllegalArgumentException(
          "--placement must be rendezvous, round-robin or adaptive; got " + placement);
    }
    requirePort(grpcPort, "--grpc-port");
    requirePort(adminPort, "--admin-port");
    if (grpcPort != 0 && grpcPort == adminPort) {
      throw new IllegalArgumentException(
          "--grpc-port and --admin-port are both " + grpcPort + "; give two different ports");
    }
  }

  /** Workflows of the scenario's kind a second one emulated cluster can serve. */
  double workflowsPerSecond() {
    long shardNanos =
        startServiceTime.toNanos()
            + (ScenarioRunner.TRANSITIONS_PER_WORKFLOW - 1) * serviceTime.toNanos();
    return shards * 1e9 / shardNanos;
  }

  /** State transitions a second one emulated cluster can serve, with the scenario's mix. */
  double capacityPerSecond() {
    return workflowsPerSecond() * ScenarioRunner.TRANSITIONS_PER_WORKFLOW;
  }

  double sloMillis() {
    return slo.toNanos() / 1e6;
  }

  private static void requirePositive(Duration value, String flag) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
  }

  private static void requirePort(int port, String flag) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(
          flag + " must be a port number from 1 to 65535, or 0 for a free one; got " + port);
    }
  }
}
