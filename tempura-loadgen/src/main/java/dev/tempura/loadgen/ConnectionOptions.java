package dev.tempura.loadgen;

import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The flags that say where to connect, shared by the worker and the runner (a picocli mixin). */
final class ConnectionOptions {
  @Option(
      names = "--endpoint",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend (TEMPORAL_GRPC_ENDPOINT; default 127.0.0.1:7233)")
  private String endpoint;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAME",
      description = "Namespace (TEMPORAL_NAMESPACE; default \"default\")")
  private String namespace;

  @Option(
      names = {"-tq", "--task-queue"},
      paramLabel = "QUEUE",
      description = "Task queue (TEMPORAL_TASK_QUEUE; default \"benchmark\")")
  private String taskQueue;

  /** Hands each flag that was given to its setter; the others keep what the environment said. */
  void applyTo(Consumer<String> endpoint, Consumer<String> namespace, Consumer<String> taskQueue) {
    if (this.endpoint != null) {
      endpoint.accept(this.endpoint);
    }
    if (this.namespace != null) {
      namespace.accept(this.namespace);
    }
    if (this.taskQueue != null) {
      taskQueue.accept(this.taskQueue);
    }
  }
}
