package dev.tempura.loadgen;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Serve benchmark-workers' workflows and activities until SIGINT or SIGTERM.",
    description =
        "Polls for the workflows ExecuteActivity, ReceiveSignal and DSL and the activities Echo"
            + " and Sleep, under benchmark-workers' type names. Flags win over environment"
            + " variables, which win over defaults.",
    footer = {
      "",
      "Environment variables (used if the flag is not set):",
      "  TEMPORAL_GRPC_ENDPOINT, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE,",
      "  TEMPORAL_MAX_WORKFLOW_TASK_POLLERS (or TEMPORAL_WORKFLOW_TASK_POLLERS),",
      "  TEMPORAL_MAX_ACTIVITY_TASK_POLLERS (or TEMPORAL_ACTIVITY_TASK_POLLERS),",
      "  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY (PKCS#8), TEMPORAL_TLS_CA,",
      "  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION"
    })
final class WorkerCommand implements Runnable {
  private final Map<String, String> environment;

  @Spec private CommandSpec spec;

  @Mixin private ConnectionOptions connection = new ConnectionOptions();

  @Option(
      names = {"-wp", "--max-workflow-pollers"},
      paramLabel = "N",
      description =
          "Maximum workflow task pollers, autoscaled (TEMPORAL_MAX_WORKFLOW_TASK_POLLERS;"
              + " default -1: two fixed pollers, the Go SDK's default; 0: none)")
  private Integer maxWorkflowPollers;

  @Option(
      names = {"-ap", "--max-activity-pollers"},
      paramLabel = "N",
      description =
          "Maximum activity task pollers, autoscaled (TEMPORAL_MAX_ACTIVITY_TASK_POLLERS;"
              + " default -1: two fixed pollers; 0: none)")
  private Integer maxActivityPollers;

  WorkerCommand(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  LoadgenSettings settings() {
    try {
      LoadgenSettings.Builder settings = LoadgenSettings.fromEnvironment(environment);
      connection.applyTo(settings::endpoint, settings::namespace, settings::taskQueue);
      if (maxWorkflowPollers != null) {
        settings.maxWorkflowTaskPollers(maxWorkflowPollers);
      }
      if (maxActivityPollers != null) {
        settings.maxActivityTaskPollers(maxActivityPollers);
      }
      return settings.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  @Override
  public void run() {
    LoadWorker worker = LoadWorker.start(settings());
    // SIGINT and SIGTERM run shutdown hooks: stop polling and let running tasks finish
    Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "loadgen-worker-shutdown"));
    try {
      worker.awaitClosed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      worker.close();
    }
  }
}
