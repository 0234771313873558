package dev.tempura.faults;

import dev.tempura.testing.ChildProcess;
import dev.tempura.testing.TestServerProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One "cluster": Temporal's in-memory test server ({@code io.temporal.testserver.TestServer}) in a
 * JVM of its own, so that it can be paused and killed like a real frontend. Its state lives and
 * dies with the process. {@link #describe} asks it directly, behind the proxy's back: the backends
 * are the truth about which workflows exist and how they ended.
 */
final class TemporalBackend implements AutoCloseable {
  private final String name;
  private final String namespace;
  private final TestServerProcess server;
  private WorkflowServiceStubs stubs;

  private TemporalBackend(String name, String namespace, TestServerProcess server) {
    this.name = name;
    this.namespace = namespace;
    this.server = server;
  }

  /** Starts the JVM; {@link #awaitReady()} waits until it serves. */
  static TemporalBackend launch(String name, String namespace, Path logDir) {
    return new TemporalBackend(
        name,
        namespace,
        TestServerProcess.launch(
            name, ChildProcess.smallJvmOptions(), System.getProperty("java.class.path"), logDir));
  }

  TemporalBackend awaitReady() {
    server.awaitServing(Duration.ofSeconds(60));
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address()).build());
    return this;
  }

  String name() {
    return name;
  }

  /** The physical namespace the suite gives this backend. */
  String namespace() {
    return namespace;
  }

  String address() {
    return server.address();
  }

  ChildProcess process() {
    return server.process();
  }

  /**
   * The workflow as this backend has it, empty when it has none by that id.
   *
   * @throws StatusRuntimeException when the backend does not answer
   */
  Optional<DescribeWorkflowExecutionResponse> describe(String workflowId) {
    try {
      return Optional.of(
          stubs
              .blockingStub()
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .describeWorkflowExecution(
                  DescribeWorkflowExecutionRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                      .build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public void close() {
    if (stubs != null) {
      stubs.shutdownNow();
    }
    // killed, not stopped: its state goes with it, as the suite expects of a cluster it drops
    server.process().close();
  }
}
