package dev.tempura.app.sandbox;

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
          + " capacity (shards x service time per state-changing call: an emulation of"
          + " shard-lock contention, not Temporal's real behaviour); Tempura with its embedded"
          + " store in front; a benchmark-workers-compatible worker and runner driving"
          + " ExecuteActivity{Count: 10, Activity: Echo} through Tempura on virtual namespace"
          + " my-app-namespace.",
      "Phase 1 runs on namespace-a (cluster A) only, until its Start p95 as Tempura measures it"
          + " passes the SLO for two intervals in a row (or --max-phase1 passes); then namespace-b"
          + " (cluster B) is added through the admin API under load, and phase 2 runs on both for"
          + " --phase-duration. Prints a summary table and writes a self-contained HTML report.",
      "Exits 0 when every started workflow completed and phase 2 ran workflows on both"
          + " namespaces."
    })
public final class SandboxCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--short",
      description =
          "A quick run for CI, about 20-30 s: 3s warm-up, phase 1 at most 8s, phase 2 of 10s,"
              + " 1s intervals (flags given explicitly still win).")
  private boolean shortRun;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "" + SandboxSettings.DEFAULT_CONCURRENCY,
      description = "Workflows the runner keeps in flight, as its -c (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--phase-duration",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description =
          "How long phase 2 (both clusters) runs, e.g. 40s, 2m (default: 40s; --short: 10s).")
  private Duration phaseDuration;

  @Option(
      names = "--max-phase1",
      paramLabel = "DURATION",
      converter = DurationConverter.WithUnit.class,
      description =
          "The longest phase 1 waits for namespace-a to pass the SLO before cluster B is added"
              + " anyway (default: 30s; --short: 8s).")
  private Duration maxPhase1;

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
      defaultValue = "40ms",
      converter = DurationConverter.WithUnit.class,
      description =
          "How long each state-changing call holds its shard; shards / service time is a"
              + " cluster's capacity in state transitions a second (default: ${DEFAULT-VALUE}).")
  private Duration serviceTime;

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

  @Override
  public Integer call() throws Exception {
    SandboxSettings settings;
    try {
      settings =
          new SandboxSettings(
              concurrency,
              shards,
              serviceTime,
              slo,
              orDefault(
                  maxPhase1, SandboxSettings.SHORT_MAX_PHASE1, SandboxSettings.DEFAULT_MAX_PHASE1),
              orDefault(
                  phaseDuration,
                  SandboxSettings.SHORT_PHASE_DURATION,
                  SandboxSettings.DEFAULT_PHASE_DURATION),
              orDefault(interval, SandboxSettings.SHORT_INTERVAL, SandboxSettings.DEFAULT_INTERVAL),
              orDefault(warmup, SandboxSettings.SHORT_WARMUP, SandboxSettings.DEFAULT_WARMUP),
              reportDir);
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
