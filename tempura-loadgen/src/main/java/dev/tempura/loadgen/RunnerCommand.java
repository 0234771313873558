package dev.tempura.loadgen;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "runner",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Start benchmark workflows, keeping -c in flight, and report latencies.",
    description =
        "Keeps -c workflows in flight, as benchmark-workers' runner does: each slot starts a"
            + " workflow (with signal -s), waits for its result (-w), then starts the next."
            + " Prints start and end-to-end latency percentiles every report interval and a"
            + " summary at the end. Flags win over environment variables, which win over"
            + " defaults.",
    footer = {
      "",
      "Environment variables (used if the flag is not set):",
      "  TEMPORAL_GRPC_ENDPOINT, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,",
      "  TEMPORAL_CONCURRENT_WORKFLOWS, TEMPORAL_WORKFLOW_TYPE, TEMPORAL_SIGNAL_TYPE,",
      "  TEMPORAL_WAIT, TEMPORAL_DISABLE_ERROR_BACKOFF, TEMPORAL_BACKOFF_MAX_INTERVAL,",
      "  TEMPORAL_BACKOFF_FACTOR, TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY (PKCS#8),",
      "  TEMPORAL_TLS_CA, TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
      "",
      "Example:",
      "  runner -c 50 -t ExecuteActivity \\",
      "      '{ \"Count\": 10, \"Activity\": \"Echo\", \"Input\": { \"Message\": \"test\" } }'"
    })
final class RunnerCommand implements Callable<Integer> {
  /** How long SIGINT waits for the summary beyond the drain, so that the JVM still exits. */
  private static final Duration SUMMARY_GRACE = Duration.ofSeconds(15);

  private final Map<String, String> environment;

  @Spec private CommandSpec spec;

  @Mixin private ConnectionOptions connection = new ConnectionOptions();

  @Option(
      names = {"-c", "--concurrency"},
      paramLabel = "N",
      description = "Workflows kept in flight (TEMPORAL_CONCURRENT_WORKFLOWS; default 10)")
  private Integer concurrency;

  @Option(
      names = {"-t", "--workflow-type"},
      paramLabel = "TYPE",
      description = "Workflow type (TEMPORAL_WORKFLOW_TYPE; default ExecuteActivity)")
  private String workflowType;

  @Option(
      names = {"-s", "--signal-type"},
      paramLabel = "NAME",
      description =
          "Start each workflow with SignalWithStart carrying this signal, as for ReceiveSignal"
              + " (TEMPORAL_SIGNAL_TYPE; default none)")
  private String signalType;

  @Option(
      names = {"-w", "--wait"},
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description =
          "Wait for each workflow to complete before starting the next; -w=false only starts"
              + " them (TEMPORAL_WAIT; default true)")
  private Boolean wait;

  @Option(
      names = {"-max-interval", "--max-interval"},
      paramLabel = "SECONDS",
      description =
          "The pause after failures grows while below this (TEMPORAL_BACKOFF_MAX_INTERVAL;"
              + " default 60)")
  private Integer maxInterval;

  @Option(
      names = {"-backoff-factor", "--backoff-factor"},
      paramLabel = "N",
      description = "Backoff multiplier (TEMPORAL_BACKOFF_FACTOR; default 2)")
  private Integer backoffFactor;

  @Option(
      names = {"-disable-backoff", "--disable-backoff"},
      arity = "0..1",
      fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Do not pause after failures (TEMPORAL_DISABLE_ERROR_BACKOFF; default false)")
  private Boolean disableBackoff;

  @Option(
      names = "--signal-after-start",
      description =
          "With -s: send StartWorkflowExecution, then SignalWorkflowExecution, instead of one"
              + " SignalWithStart, so that the signal must be routed to the started workflow")
  private boolean signalAfterStart;

  @Option(
      names = "--duration",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "Stop starting workflows after this long, e.g. 90s or 5m (default: until SIGINT)")
  private Duration duration;

  @Option(
      names = "--max-workflows",
      paramLabel = "N",
      description = "Stop after this many start attempts (default: no limit)")
  private Long maxWorkflows;

  @Option(
      names = "--report-interval",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Print a report line this often (default 10s)")
  private Duration reportInterval;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description = "Serve Prometheus text at http://*:PORT/metrics (default 0: off)")
  private Integer metricsPort;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "When stopping, wait this long for workflows in flight (default 10s)")
  private Duration drainTimeout;

  @Parameters(
      paramLabel = "INPUT",
      arity = "0..*",
      description = "Workflow arguments, one JSON value each")
  private List<String> inputs = new ArrayList<>();

  RunnerCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  RunnerSettings settings() {
    try {
      RunnerSettings.Builder settings = RunnerSettings.fromEnvironment(environment);
      connection.applyTo(settings::endpoint, settings::namespace, settings::taskQueue);
      if (concurrency != null) {
        settings.concurrency(concurrency);
      }
      if (workflowType != null) {
        settings.workflowType(workflowType);
      }
      if (signalType != null) {
        settings.signalType(signalType);
      }
      if (wait != null) {
        settings.waitForCompletion(wait);
      }
      if (maxInterval != null) {
        settings.backoffMaxInterval(Duration.ofSeconds(maxInterval));
      }
      if (backoffFactor != null) {
        settings.backoffFactor(backoffFactor);
      }
      if (disableBackoff != null) {
        settings.disableBackoff(disableBackoff);
      }
      if (duration != null) {
        settings.duration(duration);
      }
      if (maxWorkflows != null) {
        settings.maxWorkflows(maxWorkflows);
      }
      if (reportInterval != null) {
        settings.reportInterval(reportInterval);
      }
      if (metricsPort != null) {
        settings.metricsPort(metricsPort);
      }
      if (drainTimeout != null) {
        settings.drainTimeout(drainTimeout);
      }
      return settings.signalAfterStart(signalAfterStart).inputs(inputs).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    RunnerSettings settings = settings();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    out.printf(
        "Running %s on %s namespace %s task queue %s, %d in flight%s%n",
        settings.workflowType(),
        settings.endpoint(),
        settings.namespace(),
        settings.taskQueue(),
        settings.concurrency(),
        settings.waitForCompletion() ? "" : ", not waiting for results");
    LoadRunner runner = LoadRunner.start(settings, new Printer(out, err));
    CountDownLatch summarized = new CountDownLatch(1);
    // SIGINT ends the run the way --duration does, and holds the JVM until the summary is out
    Thread hook =
        new Thread(
            () -> {
              runner.stop();
              try {
                summarized.await(
                    settings.drainTimeout().plus(SUMMARY_GRACE).toMillis(), TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "loadgen-runner-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      RunSummary summary = runner.awaitSummary();
      out.print(Reports.summary(summary));
      out.flush();
      return 0;
    } finally {
      runner.close();
      summarized.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running and about to see the latch
      }
    }
  }

  private static final class Printer implements LoadListener {
    private final PrintWriter out;
    private final PrintWriter err;

    Printer(PrintWriter out, PrintWriter err) {
      this.out = out;
      this.err = err;
    }

    @Override
    public void onInterval(IntervalStats stats) {
      out.println(Reports.interval(stats));
      out.flush();
    }

    @Override
    public void onWorkflowFinished(WorkflowFinished finished) {
      // one line per failure on stderr, as benchmark-workers' runner prints them
      finished
          .failure()
          .ifPresent(f -> err.println("workflow " + finished.workflowId() + " failed: " + f));
    }
  }
}
