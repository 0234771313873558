package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code tempura loadgen worker|runner} is the benchmark-workers-compatible generator. */
class LoadgenSubcommandTest {
  @Test
  void loadgenRunnerAndWorker_areSubcommands() {
    for (String command : new String[] {"runner", "worker"}) {
      StringWriter out = new StringWriter();
      picocli.CommandLine cli = SandboxMain.commandLine();
      cli.setOut(new PrintWriter(out));
      assertThat(cli.execute("loadgen", command, "--help")).isZero();
      assertThat(out.toString()).contains("TEMPORAL_GRPC_ENDPOINT");
    }
  }
}
