package dev.tempura.sandbox;

import dev.tempura.loadgen.DurationConverter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tempura sandbox}: the scale-out scenario, end to end, in this process. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the scale-out scenario in this process, with no external service: two in-memory"
          + " Temporal servers stand in for clusters A and B, each behind an emulated fixed"
          + " capacity (shards, each state-changing call holding one for a service time: an emulation of"
          + " shard-lock contention, not Temporal's real behaviour); Tempura with its embedded"
          + " store in front; a benchmark-workers-compatible worker and runner driving"
          + " ExecuteActivity{Count: 10, Activity: Echo} through Tempura on virtual namespace"
          + " my-app-namespace, at the scenario's -c 50 unless told otherwise.",
      "Phase 1 runs on namespace-a (cluster A) alone for --phase1-duration, long enough to show"
          + " A's steady throughput and Start p95; then namespace-b (cluster B) is added through"
          + " the admin API under load, and phase 2 runs on both for --phase2-duration. The last"
          + " half of each phase is its steady state. Prints a summary table, each phase's"
          + " throughput and Start latency, and writes a self-contained HTML report.",
      "Exits 0 (PASS) when every started workflow completed, phase 2 ran workflows on both"
          + " namespaces, and the steady Start p95 was over the SLO with A alone and came back"
          + " under it after B was added; 1 (FAIL, each reason listed) otherwise."
    })
public final class SandboxCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--short",
      description =
          "A quick run for CI, about 50 s: 3s warm-up, phases of 20s each, 1s intervals"
              + " (flags given explicitly still win). Too short for steady numbers on a busy"
              + " machine: the verdict of a short run may say FAIL where a default run passes.")
  private boolean shortRun;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "" + SandboxSettings.DEFAULT_CONCURRENCY,
      description = "Workflows the runner keeps in flight, as its -c (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--phase1-duration",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description =
          "How long phase 1 (cluster A alone) runs before cluster B is added (default: 40s;"
              + " --short: 20s).")
  private Duration phase1Duration;

  @Option(
      names = "--phase2-duration",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description = "How long phase 2 (both clusters) runs (default: 60s; --short: 20s).")
  private Duration phase2Duration;

  @Option(
      names = "--slo",
      paramLabel = "DURATION",
      defaultValue = "150ms",
      converter = DurationConverter.WithUnit.class,
      description = "The Start p95 SLO (default: ${DEFAULT-VALUE}).")
  private Duration slo;

  @Option(
      names = "--shards",
      paramLabel = "N",
      defaultValue = "" + SandboxSettings.DEFAULT_SHARDS,
      description =
          "Emulated history shards per cluster: state-changing calls served at once"
              + " (default: ${DEFAULT-VALUE}).")
  private int shards;

  @Option(
      names = "--service-time",
      paramLabel = "DURATION",
      defaultValue = "170ms",
      converter = DurationConverter.WithUnit.class,
      description =
          "How long each state-changing call but a start (a task completion, a signal) holds its"
              + " shard (default: ${DEFAULT-VALUE}).")
  private Duration serviceTime;

  @Option(
      names = "--start-service-time",
      paramLabel = "DURATION",
      defaultValue = "20ms",
      converter = DurationConverter.WithUnit.class,
      description =
          "How long a start holds its shard: little work, but it queues behind the rest"
              + " (default: ${DEFAULT-VALUE}).")
  private Duration startServiceTime;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description =
          "Sampling interval for progress, SLO checks and charts (default: 2s; --short: 1s).")
  private Duration interval;

  @Option(
      names = "--warmup",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description =
          "Light load before the scenario, not counted, so that JIT compilation is not mistaken"
              + " for overload; 0s for none (default: 5s; --short: 3s).")
  private Duration warmup;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      defaultValue = "sandbox-report",
      description = "Where the HTML report is written (default: ./${DEFAULT-VALUE}).")
  private Path reportDir;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description =
          "Tempura's gRPC port on 127.0.0.1, e.g. 8088 to point your own worker or client at the"
              + " run (default: a free port).")
  private int grpcPort;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      defaultValue = "0",
      description =
          "Tempura's admin API port on 127.0.0.1: with 8089, `tempura namespace get"
              + " my-app-namespace` in another terminal watches the run live (default: a free"
              + " port).")
  private int adminPort;

  @Option(
      names = "--placement",
      paramLabel = "POLICY",
      defaultValue = SandboxSettings.DEFAULT_PLACEMENT,
      description =
          "my-app-namespace's placement policy: adaptive (new workflows lean away from a backend"
              + " over the SLO), rendezvous (Tempura's default: an even split by workflow id) or"
              + " round-robin (default: ${DEFAULT-VALUE}).")
  private String placement;

  @Override
  public Integer call() throws Exception {
    SandboxSettings settings;
    try {
      settings =
          new SandboxSettings(
              concurrency,
              shards,
              serviceTime,
              startServiceTime,
              slo,
              orDefault(
                  phase1Duration,
                  SandboxSettings.SHORT_PHASE1_DURATION,
                  SandboxSettings.DEFAULT_PHASE1_DURATION),
              orDefault(
                  phase2Duration,
                  SandboxSettings.SHORT_PHASE2_DURATION,
                  SandboxSettings.DEFAULT_PHASE2_DURATION),
              orDefault(interval, SandboxSettings.SHORT_INTERVAL, SandboxSettings.DEFAULT_INTERVAL),
              orDefault(warmup, SandboxSettings.SHORT_WARMUP, SandboxSettings.DEFAULT_WARMUP),
              reportDir,
              grpcPort,
              adminPort,
              placement);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    ScenarioRunner.Outcome outcome =
        new ScenarioRunner(spec.commandLine().getOut(), settings).run();
    return outcome.result().passed() ? 0 : 1;
  }

  private Duration orDefault(Duration given, Duration shortDefault, Duration normalDefault) {
    if (given != null) {
      return given;
    }
    return shortRun ? shortDefault : normalDefault;
  }
}
