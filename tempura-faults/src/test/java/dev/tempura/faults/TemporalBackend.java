package dev.tempura.faults;

import static org.awaitility.Awaitility.await;

import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
  private final int port;
  private final ChildProcess process;
  private WorkflowServiceStubs stubs;

  private TemporalBackend(String name, String namespace, int port, ChildProcess process) {
    this.name = name;
    this.namespace = namespace;
    this.port = port;
    this.process = process;
  }

  /** Starts the JVM; {@link #awaitReady()} waits until it serves. */
  static TemporalBackend launch(String name, String namespace, Path logDir) {
    int port = Ports.freePort();
    List<String> command = new ArrayList<>();
    command.add(ChildProcess.java());
    command.addAll(ChildProcess.smallJvmOptions());
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "io.temporal.testserver.TestServer",
            Integer.toString(port)));
    return new TemporalBackend(name, namespace, port, ChildProcess.start(name, command, logDir));
  }

  TemporalBackend awaitReady() {
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(address()).build());
    await("backend " + name + " serving")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited:\n" + process.tail());
              }
              try {
                stubs
                    .blockingStub()
                    .withDeadlineAfter(2, TimeUnit.SECONDS)
                    .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
                return true;
              } catch (StatusRuntimeException e) {
                return e.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
              }
            });
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
    return "127.0.0.1:" + port;
  }

  ChildProcess process() {
    return process;
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
    process.close();
  }
}
