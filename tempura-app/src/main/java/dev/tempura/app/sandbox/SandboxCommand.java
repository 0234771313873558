package dev.tempura.app.sandbox;

import dev.tempura.app.DurationConverter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tempura sandbox}: a short, self-contained run of the scale-out scenario. */
@Command(
    name = "sandbox",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a short scale-out scenario in this process, with no external service: two in-memory"
          + " Temporal clusters, Tempura in front of them, and load on virtual namespace"
          + " my-app-namespace. Phase 1 runs on namespace-a (cluster A) only; then namespace-b"
          + " (cluster B) is added through the admin API under load, and phase 2 runs on both.",
      "Exits 0 when every workflow completed and phase 2 ran workflows on both namespaces."
    })
public final class SandboxCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--concurrency",
      paramLabel = "N",
      defaultValue = "20",
      description = "Workflows kept in flight at once (default: ${DEFAULT-VALUE}).")
  private int concurrency;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "How long the load runs, split into two equal phases, e.g. 500ms, 30s, 2m"
              + " (default: ${DEFAULT-VALUE}).")
  private Duration duration;

  @Override
  public Integer call() throws Exception {
    if (concurrency <= 0) {
      throw new ParameterException(spec.commandLine(), "--concurrency must be at least 1");
    }
    if (duration.isNegative() || duration.isZero()) {
      throw new ParameterException(spec.commandLine(), "--duration must be positive");
    }
    ScenarioResult result =
        new ScenarioRunner(spec.commandLine().getOut(), concurrency, duration).run();
    return result.passed() ? 0 : 1;
  }
}
