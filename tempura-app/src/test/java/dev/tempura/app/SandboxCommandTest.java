package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SandboxCommandTest {
  /** A table row: optional phase label, physical namespace, started, completed, then the rest. */
  private static final Pattern ROW =
      Pattern.compile("^(?:(\\d+): .*?)?\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+\\d+%\\s+.*$");

  private static final Pattern REPORT = Pattern.compile("(?m)^HTML report: (.+)$");

  @TempDir Path reportDir;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void sandbox_short_passesWithPhaseTwoOnBothBackendsAndWritesASelfContainedReport()
      throws Exception {
    StringWriter out = new StringWriter();

    int exitCode =
        TempuraCommand.commandLine()
            .setOut(new PrintWriter(out))
            .execute("sandbox", "--short", "--report-dir", reportDir.toString());

    String output = out.toString();
    assertThat(exitCode).as(output).isZero();
    assertThat(output)
        .contains(
            "Virtual namespace 'my-app-namespace' created successfully\n",
            "Physical namespace 'namespace-a' added to virtual namespace 'my-app-namespace'\n",
            "Physical namespace 'namespace-b' added to virtual namespace 'my-app-namespace'\n",
            "\nPASS: ");
    // the gain the scenario is about, in one line, and the start latency before and after
    assertThat(output)
        .containsPattern(
            "(?m)^Throughput: phase 1 \\d+\\.\\d/s, phase 2 \\d+\\.\\d/s \\(×\\d+\\.\\d\\)$")
        .containsPattern("(?m)^Start p50/p95: phase 1 \\d+/\\d+ ms, phase 2 \\d+/\\d+ ms$");

    Map<String, int[]> phaseTwo = rows(output, 2);
    assertThat(phaseTwo).as(output).containsKeys("namespace-a", "namespace-b");
    for (String ns : new String[] {"namespace-a", "namespace-b"}) {
      int[] startedCompleted = phaseTwo.get(ns);
      assertThat(startedCompleted[0]).as("%s started in phase 2%n%s", ns, output).isPositive();
      assertThat(startedCompleted[1])
          .as("%s completed in phase 2%n%s", ns, output)
          .isEqualTo(startedCompleted[0]);
    }

    Matcher printed = REPORT.matcher(output);
    assertThat(printed.find()).as(output).isTrue();
    Path report = Path.of(printed.group(1).strip());
    assertThat(report).exists().isRegularFile();
    assertThat(report.getParent()).isEqualTo(reportDir.toAbsolutePath().normalize());
    String html = Files.readString(report);
    assertThat(html)
        .startsWith("<!DOCTYPE html>")
        .contains("<svg", "data-series=\"namespace-a\"", "data-series=\"namespace-b\"")
        // self-contained: no script, stylesheet, font or image fetched from anywhere
        .doesNotContain("<script", "<link", "@import", "url(", "src=", "href=")
        .doesNotContainPattern("(src|href)\\s*=\\s*[\"']?https?://");
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
        rows.put(
            m.group(2), new int[] {Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4))});
      }
    }
    return rows;
  }
}
