package dev.tempura.sandbox;

import dev.tempura.app.TempuraCommand;
import dev.tempura.loadgen.LoadgenCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;

/**
 * The sandbox jar's {@code tempura}: every command of the production jar, plus the two that need
 * the in-memory Temporal server and the SDK's worker, which the production jar leaves out: {@code
 * sandbox} and {@code loadgen} (the benchmark-workers-compatible worker and runner). {@code
 * ./tempura} runs this jar for those two and the production jar for the rest.
 */
public final class SandboxMain {
  private SandboxMain() {}

  public static void main(String[] args) {
    TempuraCommand.launch(commandLine(), args);
  }

  /** The command line as {@link #main} runs it, for running it in-process. */
  public static CommandLine commandLine() {
    Map<String, Object> more = new LinkedHashMap<>();
    more.put("sandbox", new SandboxCommand());
    // the benchmark-workers-compatible worker and runner, as the sandbox drives them
    more.put("loadgen", LoadgenCommand.commandLine(System.getenv()));
    return TempuraCommand.commandLine(more);
  }
}
