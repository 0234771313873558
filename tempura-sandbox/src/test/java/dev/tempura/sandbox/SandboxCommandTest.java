package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.local.Ports;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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

  /** PASS or FAIL, and what follows up to the report line (FAIL's problems, one a line). */
  private static final Pattern VERDICT = Pattern.compile("(?ms)^(PASS|FAIL):(.*?)^HTML report: ");

  @TempDir Path reportDir;

  /**
   * The mechanics of a short run, and the live watch through {@code --admin-port}. The verdict's
   * SLO half is not asserted: a 20 s phase on a busy 2-core machine is too short for a steady Start
   * p95 (CPU, not the emulated capacity, may set it), so a short run may fail on the SLO alone;
   * README shows a default run's verdict. Everything else must hold in any run: every workflow
   * completed, phase 2 on both backends, the throughput and latency lines, the report.
   */
  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void sandbox_short_completesEveryWorkflowOnBothBackendsInPhaseTwoAndCanBeWatchedLive()
      throws Exception {
    int adminPort = Ports.freePort();
    StringWriter out = new StringWriter();
    ExecutorService background = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> run =
          background.submit(
              () ->
                  SandboxMain.commandLine()
                      .setOut(new PrintWriter(out))
                      .execute(
                          "sandbox",
                          "--short",
                          "--admin-port",
                          Integer.toString(adminPort),
                          "--report-dir",
                          reportDir.toString()));

      // tempura namespace get, from outside the run, sees it while it runs
      String adminUrl = "http://127.0.0.1:" + adminPort;
      await()
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                assertThat(run.isDone())
                    .as("the run ended before it was watched:%n%s", out)
                    .isFalse();
                CliRun get = namespaceGet(adminUrl);
                assertThat(get.exitCode()).as(get.err()).isZero();
                assertThat(get.out()).contains("namespace-a");
              });

      int exitCode = run.get(150, TimeUnit.SECONDS);
      String output = out.toString();
      assertThat(output)
          .contains(
              "Virtual namespace 'my-app-namespace' created successfully\n",
              "Physical namespace 'namespace-a' added to virtual namespace 'my-app-namespace'\n",
              "Physical namespace 'namespace-b' added to virtual namespace 'my-app-namespace'\n",
              "Watch it live from another terminal: ./tempura namespace get my-app-namespace"
                  + " --admin "
                  + adminUrl
                  + "\n");
      // the gain the scenario is about, in one line, and the start latency before and after
      assertThat(output)
          .containsPattern(
              "(?m)^Throughput: phase 1 \\d+\\.\\d/s, phase 2 \\d+\\.\\d/s \\(×(\\d+\\.\\d| -)\\)$")
          .containsPattern(
              "(?m)^Steady Start p95: phase 1 \\d+ ms, phase 2 \\d+ ms \\(SLO 150 ms\\)$")
          .containsPattern(
              "(?m)^Start p50/p95: phase 1 \\d+/\\d+ ms, phase 2 \\d+/\\d+ ms \\(whole phases\\)$");
      // the verdict: PASS, or FAIL for the SLO alone; never for a lost or unfinished workflow
      Matcher verdict = VERDICT.matcher(output);
      assertThat(verdict.find()).as(output).isTrue();
      if (verdict.group(1).equals("PASS")) {
        assertThat(exitCode).as(output).isZero();
      } else {
        assertThat(exitCode).as(output).isEqualTo(1);
        assertThat(verdict.group(2).lines().filter(l -> !l.isBlank()))
            .as(output)
            .isNotEmpty()
            .allSatisfy(
                problem ->
                    assertThat(problem)
                        .containsAnyOf(
                            "Start p95 did not come back under the 150 ms SLO",
                            "cluster A alone was not overloaded",
                            "steady half"));
      }

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
          .contains("Throughput: phase 1 ", "Steady Start p95: ")
          // self-contained: no script, stylesheet, font or image fetched from anywhere
          .doesNotContain("<script", "<link", "@import", "url(", "src=", "href=")
          .doesNotContainPattern("(src|href)\\s*=\\s*[\"']?https?://");
    } finally {
      background.shutdownNow();
    }
  }

  @Test
  void sandbox_sameGrpcAndAdminPort_isBadUsageNamingBoth() {
    StringWriter err = new StringWriter();

    int exitCode =
        SandboxMain.commandLine()
            .setErr(new PrintWriter(err))
            .execute("sandbox", "--grpc-port", "8100", "--admin-port", "8100");

    assertThat(exitCode).isEqualTo(2);
    assertThat(err.toString()).contains("--grpc-port and --admin-port are both 8100");
  }

  private static CliRun namespaceGet(String adminUrl) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        SandboxMain.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute("namespace", "get", "my-app-namespace", "--admin", adminUrl);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  private record CliRun(int exitCode, String out, String err) {}

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
