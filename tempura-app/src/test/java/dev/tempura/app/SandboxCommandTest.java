package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SandboxCommandTest {
  /** A table row: optional phase label, physical namespace, started, completed, p50, p95. */
  private static final Pattern ROW =
      Pattern.compile("^(?:(\\d+): .*?)?\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+\\S+(?: ms)?\\s+\\S+(?: ms)?$");

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void sandbox_shortRun_passesWithPhaseTwoOnBothNamespaces() {
    StringWriter out = new StringWriter();

    // 8 slots, not fewer: the proxy does not extend worker polls parked before namespace-b was
    // added to it, so when every slot's first phase-2 workflow lands there (1 run in 2^slots)
    // they wait about a minute for a poll to be renewed
    int exitCode =
        TempuraCommand.commandLine()
            .setOut(new PrintWriter(out))
            .execute("sandbox", "--duration", "8s", "--concurrency", "8");

    String output = out.toString();
    assertThat(exitCode).as(output).isZero();
    assertThat(output)
        .contains(
            "Virtual namespace 'my-app-namespace' created successfully\n",
            "Physical namespace 'namespace-a' added to virtual namespace 'my-app-namespace'\n",
            "Physical namespace 'namespace-b' added to virtual namespace 'my-app-namespace'\n",
            "\nPASS: ");
    Map<String, int[]> phaseTwo = rows(output, 2);
    assertThat(phaseTwo).as(output).containsKeys("namespace-a", "namespace-b");
    for (String ns : new String[] {"namespace-a", "namespace-b"}) {
      int[] startedCompleted = phaseTwo.get(ns);
      assertThat(startedCompleted[0]).as("%s started in phase 2%n%s", ns, output).isPositive();
      assertThat(startedCompleted[1])
          .as("%s completed in phase 2%n%s", ns, output)
          .isEqualTo(startedCompleted[0]);
    }
  }

  /** Physical namespace → {started, completed} in the summary table's rows of {@code phase}. */
  private static Map<String, int[]> rows(String output, int phase) {
    Map<String, int[]> rows = new LinkedHashMap<>();
    int current = 0;
    for (String line : output.split("\n")) {
      Matcher m = ROW.matcher(line);
      if (!m.matches()) {
        continue;
      }
      if (m.group(1) != null) {
        current = Integer.parseInt(m.group(1));
      }
      if (current == phase) {
        rows.put(m.group(2), new int[] {Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))});
      }
    }
    return rows;
  }
}
