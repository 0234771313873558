package dev.tempura.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

class SettingsTest {
  private static final String EXAMPLE = WireFormatTest.EXAMPLE_INPUT;

  @Test
  void runnerDefaultsAreBenchmarkWorkersDefaults() {
    RunnerSettings settings = runner(Map.of());

    assertThat(settings.endpoint()).isEqualTo("127.0.0.1:7233");
    assertThat(settings.namespace()).isEqualTo("default");
    assertThat(settings.taskQueue()).isEqualTo("benchmark");
    assertThat(settings.concurrency()).isEqualTo(10);
    assertThat(settings.workflowType()).isEqualTo("ExecuteActivity");
    assertThat(settings.signalType()).isEmpty();
    assertThat(settings.waitForCompletion()).isTrue();
    assertThat(settings.inputs()).isEmpty();
    assertThat(settings.duration()).isEmpty();
    assertThat(settings.reportInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(settings.metricsPort()).isZero();
    assertThat(settings.maxWorkflows()).isZero();
    assertThat(settings.disableBackoff()).isFalse();
    assertThat(settings.backoffMaxInterval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(settings.backoffFactor()).isEqualTo(2);
    assertThat(settings.tls()).isEmpty();
  }

  @Test
  void runnerReadsBenchmarkWorkersEnvironmentVariables() {
    RunnerSettings settings =
        runner(
            Map.ofEntries(
                Map.entry("TEMPORAL_GRPC_ENDPOINT", "tempura.example.com:8088"),
                Map.entry("TEMPORAL_NAMESPACE", "my-app-namespace"),
                Map.entry("TEMPORAL_TASK_QUEUE", "bench"),
                Map.entry("TEMPORAL_CONCURRENT_WORKFLOWS", "50"),
                Map.entry("TEMPORAL_WORKFLOW_TYPE", "ReceiveSignal"),
                Map.entry("TEMPORAL_SIGNAL_TYPE", "go"),
                Map.entry("TEMPORAL_WAIT", "f"),
                Map.entry("TEMPORAL_DISABLE_ERROR_BACKOFF", "1"),
                Map.entry("TEMPORAL_BACKOFF_MAX_INTERVAL", "30"),
                Map.entry("TEMPORAL_BACKOFF_FACTOR", "3")));

    assertThat(settings.endpoint()).isEqualTo("tempura.example.com:8088");
    assertThat(settings.namespace()).isEqualTo("my-app-namespace");
    assertThat(settings.taskQueue()).isEqualTo("bench");
    assertThat(settings.concurrency()).isEqualTo(50);
    assertThat(settings.workflowType()).isEqualTo("ReceiveSignal");
    assertThat(settings.signalType()).contains("go");
    assertThat(settings.waitForCompletion()).isFalse();
    assertThat(settings.disableBackoff()).isTrue();
    assertThat(settings.backoffMaxInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.backoffFactor()).isEqualTo(3);
  }

  @Test
  void runnerFlagsWinOverEnvironmentVariables() {
    Map<String, String> env =
        Map.of(
            "TEMPORAL_NAMESPACE", "from-env",
            "TEMPORAL_TASK_QUEUE", "from-env",
            "TEMPORAL_CONCURRENT_WORKFLOWS", "50",
            "TEMPORAL_WORKFLOW_TYPE", "ReceiveSignal",
            "TEMPORAL_WAIT", "false",
            "TEMPORAL_GRPC_ENDPOINT", "env:7233");

    RunnerSettings settings =
        runner(
            env,
            "-n",
            "from-flag",
            "-tq",
            "flag-queue",
            "-c",
            "4",
            "-t",
            "ExecuteActivity",
            "-w",
            "--endpoint",
            "flag:7233");

    assertThat(settings.namespace()).isEqualTo("from-flag");
    assertThat(settings.taskQueue()).isEqualTo("flag-queue");
    assertThat(settings.concurrency()).isEqualTo(4);
    assertThat(settings.workflowType()).isEqualTo("ExecuteActivity");
    assertThat(settings.waitForCompletion()).isTrue();
    assertThat(settings.endpoint()).isEqualTo("flag:7233");
  }

  @Test
  void emptyEnvironmentVariablesCountAsUnsetAsInBenchmarkWorkers() {
    RunnerSettings settings =
        runner(Map.of("TEMPORAL_NAMESPACE", "", "TEMPORAL_CONCURRENT_WORKFLOWS", ""));

    assertThat(settings.namespace()).isEqualTo("default");
    assertThat(settings.concurrency()).isEqualTo(10);
  }

  @Test
  void theScenarioCommandLineParsesWithItsJsonInput() {
    RunnerSettings settings = runner(Map.of(), "-c", "50", "-t", "ExecuteActivity", EXAMPLE);

    assertThat(settings.concurrency()).isEqualTo(50);
    assertThat(settings.inputs()).containsExactly(EXAMPLE);
    assertThat(settings.arguments()).containsExactly(RunnerSettings.parse(EXAMPLE));
  }

  @Test
  void aBareWaitFlagDoesNotSwallowTheJsonInput() {
    RunnerSettings settings = runner(Map.of("TEMPORAL_WAIT", "false"), "-w", EXAMPLE);

    assertThat(settings.waitForCompletion()).isTrue();
    assertThat(settings.inputs()).containsExactly(EXAMPLE);
  }

  @Test
  void waitCanBeTurnedOffTheGoWay() {
    assertThat(runner(Map.of(), "-w=false", EXAMPLE).waitForCompletion()).isFalse();
    assertThat(runner(Map.of(), "--wait", "false").waitForCompletion()).isFalse();
  }

  @Test
  void severalInputsBecomeSeveralArguments() {
    assertThat(runner(Map.of(), "-t", "Other", "1", "\"two\"", "[3]").arguments()).hasSize(3);
  }

  @Test
  void inputThatIsNotJsonIsAUsageError() {
    assertThatThrownBy(() -> runner(Map.of(), "{ Count: 10 "))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("not JSON");
  }

  @Test
  void anEnvironmentVariableThatDoesNotParseIsNamedInTheError() {
    assertThatThrownBy(() -> runner(Map.of("TEMPORAL_CONCURRENT_WORKFLOWS", "fifty")))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("TEMPORAL_CONCURRENT_WORKFLOWS=fifty");
    assertThatThrownBy(() -> runner(Map.of("TEMPORAL_WAIT", "yes")))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("TEMPORAL_WAIT=yes");
  }

  @Test
  void javaOnlyFlagsTakeHumanDurations() {
    RunnerSettings settings =
        runner(
            Map.of(),
            "--duration",
            "5m",
            "--report-interval",
            "500ms",
            "--drain-timeout",
            "PT2S",
            "--metrics-port",
            "9464",
            "--max-workflows",
            "20",
            "-s",
            "go",
            "--signal-after-start");

    assertThat(settings.duration()).contains(Duration.ofMinutes(5));
    assertThat(settings.reportInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(settings.drainTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(settings.metricsPort()).isEqualTo(9464);
    assertThat(settings.maxWorkflows()).isEqualTo(20);
    assertThat(settings.signalType()).contains("go");
    assertThat(settings.signalAfterStart()).isTrue();
  }

  @Test
  void goStyleBackoffFlagsAreAccepted() {
    RunnerSettings settings =
        runner(Map.of(), "-max-interval", "8", "-backoff-factor", "4", "-disable-backoff");

    assertThat(settings.backoffMaxInterval()).isEqualTo(Duration.ofSeconds(8));
    assertThat(settings.backoffFactor()).isEqualTo(4);
    assertThat(settings.disableBackoff()).isTrue();
  }

  @Test
  void signallingAfterStartNeedsASignalType() {
    assertThatThrownBy(() -> runner(Map.of(), "--signal-after-start"))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("signal type");
  }

  @Test
  void workerDefaultsKeepTheGoSdkPollerDefault() {
    LoadgenSettings settings = worker(Map.of());

    assertThat(settings.endpoint()).isEqualTo("127.0.0.1:7233");
    assertThat(settings.namespace()).isEqualTo("default");
    assertThat(settings.taskQueue()).isEqualTo("benchmark");
    assertThat(settings.maxWorkflowTaskPollers()).isEqualTo(-1);
    assertThat(settings.maxActivityTaskPollers()).isEqualTo(-1);
    assertThat(LoadWorker.workerOptions(settings).getWorkflowTaskPollersBehavior())
        .hasFieldOrPropertyWithValue("maxConcurrentTaskPollers", 2);
  }

  @Test
  void workerReadsCurrentAndOlderPollerVariables() {
    LoadgenSettings older =
        worker(
            Map.of("TEMPORAL_WORKFLOW_TASK_POLLERS", "16", "TEMPORAL_ACTIVITY_TASK_POLLERS", "8"));
    LoadgenSettings both =
        worker(
            Map.of(
                "TEMPORAL_WORKFLOW_TASK_POLLERS", "16",
                "TEMPORAL_MAX_WORKFLOW_TASK_POLLERS", "32",
                "TEMPORAL_MAX_ACTIVITY_TASK_POLLERS", "3"));

    assertThat(older.maxWorkflowTaskPollers()).isEqualTo(16);
    assertThat(older.maxActivityTaskPollers()).isEqualTo(8);
    assertThat(both.maxWorkflowTaskPollers()).isEqualTo(32);
    assertThat(both.maxActivityTaskPollers()).isEqualTo(3);
  }

  @Test
  void workerFlagsWinOverEnvironmentVariables() {
    LoadgenSettings settings =
        worker(
            Map.of(
                "TEMPORAL_NAMESPACE", "env",
                "TEMPORAL_TASK_QUEUE", "env",
                "TEMPORAL_MAX_WORKFLOW_TASK_POLLERS", "32",
                "TEMPORAL_GRPC_ENDPOINT", "env:7233"),
            "-n",
            "flag",
            "-tq",
            "flag",
            "-wp",
            "3",
            "-ap",
            "0",
            "--endpoint",
            "flag:1");

    assertThat(settings.namespace()).isEqualTo("flag");
    assertThat(settings.taskQueue()).isEqualTo("flag");
    assertThat(settings.maxWorkflowTaskPollers()).isEqualTo(3);
    assertThat(settings.maxActivityTaskPollers()).isZero();
    assertThat(settings.endpoint()).isEqualTo("flag:1");
  }

  @Test
  void aPollerMaximumAutoscalesFromAtMostFivePollers() {
    LoadgenSettings settings = LoadgenSettings.builder().maxWorkflowTaskPollers(3).build();

    assertThat(LoadWorker.workerOptions(settings).getWorkflowTaskPollersBehavior())
        .hasFieldOrPropertyWithValue("maxConcurrentTaskPollers", 3)
        .hasFieldOrPropertyWithValue("initialConcurrentTaskPollers", 3);
  }

  @Test
  void tlsIsOnlyUsedWhenBothCertificateAndKeyAreNamed() {
    assertThat(worker(Map.of("TEMPORAL_TLS_CERT", "/c.pem")).tls()).isEmpty();

    Optional<TlsSettings> tls =
        worker(
                Map.of(
                    "TEMPORAL_TLS_CERT", "/c.pem",
                    "TEMPORAL_TLS_KEY", "/k.pem",
                    "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", "x"))
            .tls();

    assertThat(tls)
        .hasValueSatisfying(
            t -> {
              assertThat(t.certificate()).hasToString("/c.pem");
              assertThat(t.key()).hasToString("/k.pem");
              assertThat(t.certificateAuthority()).isEmpty();
              assertThat(t.disableHostVerification()).isTrue();
            });
  }

  @Test
  void settingsAreImmutable() {
    List<String> inputs = new java.util.ArrayList<>(List.of("1"));
    RunnerSettings settings = RunnerSettings.builder().inputs(inputs).build();
    inputs.add("2");

    assertThat(settings.inputs()).containsExactly("1");
    assertThatThrownBy(() -> settings.inputs().add("3"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(settings.toBuilder().concurrency(3).build().concurrency()).isEqualTo(3);
    assertThat(settings.concurrency()).isEqualTo(10);
  }

  @Test
  void helpListsTheBenchmarkWorkersFlags() {
    StringWriter out = new StringWriter();
    CommandLine commandLine = LoadgenCommand.commandLine(Map.of());
    commandLine.setOut(new PrintWriter(out));

    int exit = commandLine.execute("runner", "--help");

    assertThat(exit).isZero();
    assertThat(out.toString())
        .contains("-c, --concurrency", "-t, --workflow-type", "-s, --signal-type", "-w, --wait")
        .contains("-n, --namespace", "-tq, --task-queue", "--duration", "--report-interval")
        .contains("--metrics-port", "--max-workflows", "TEMPORAL_CONCURRENT_WORKFLOWS");
  }

  @Test
  void noSubcommandIsAUsageError() {
    CommandLine commandLine = LoadgenCommand.commandLine(Map.of());
    commandLine.setErr(new PrintWriter(new StringWriter()));

    assertThat(commandLine.execute()).isEqualTo(2);
  }

  private static RunnerSettings runner(Map<String, String> env, String... args) {
    CommandLine.ParseResult parsed =
        LoadgenCommand.commandLine(env).parseArgs(prepend("runner", args));
    return ((RunnerCommand) parsed.subcommand().commandSpec().userObject()).settings();
  }

  private static LoadgenSettings worker(Map<String, String> env, String... args) {
    CommandLine.ParseResult parsed =
        LoadgenCommand.commandLine(env).parseArgs(prepend("worker", args));
    return ((WorkerCommand) parsed.subcommand().commandSpec().userObject()).settings();
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
