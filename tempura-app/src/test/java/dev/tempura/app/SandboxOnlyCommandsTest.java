package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The production command has no sandbox or loadgen, and says where they are when asked. */
class SandboxOnlyCommandsTest {
  @Test
  void sandboxAndLoadgen_areBadUsageNamingTheSandboxJar() {
    for (String command : new String[] {"sandbox", "loadgen"}) {
      StringWriter err = new StringWriter();

      int exitCode =
          TempuraCommand.commandLine().setErr(new PrintWriter(err, true)).execute(command);

      assertThat(exitCode).isEqualTo(2);
      assertThat(err.toString())
          .contains(
              "'" + command + "' is not in this jar",
              "./tempura " + command,
              "tempura-sandbox.jar");
    }
  }

  @Test
  void anotherUnknownCommand_getsNoSandboxHint() {
    StringWriter err = new StringWriter();

    int exitCode =
        TempuraCommand.commandLine().setErr(new PrintWriter(err, true)).execute("sandbx");

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString()).contains("Unmatched argument").doesNotContain("is not in this jar");
  }
}
