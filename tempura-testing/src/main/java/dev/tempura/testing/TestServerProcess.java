package dev.tempura.testing;

import dev.tempura.local.Ports;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One "cluster" in a JVM of its own: Temporal's in-memory test server ({@code
 * io.temporal.testserver.TestServer <port>}, real time), so that it can be paused, killed and
 * measured like a real frontend. Its state lives and dies with the process; it accepts any
 * namespace name. In-process clusters are {@code tempura-local}'s {@code TemporalClusters}.
 */
public final class TestServerProcess implements AutoCloseable {
  private final ChildProcess process;
  private final int port;

  private TestServerProcess(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  /**
   * Starts the JVM on a free port, its output in {@code <logDir>/<name>.log}, with {@code jvmFlags}
   * and a classpath that holds {@code temporal-testing}; {@link #awaitServing} waits until it
   * answers.
   */
  public static TestServerProcess launch(
      String name, List<String> jvmFlags, String classpath, Path logDir) {
    int port = Ports.freePort();
    List<String> command = new ArrayList<>();
    command.add(ChildProcess.java());
    command.addAll(jvmFlags);
    command.addAll(
        List.of("-cp", classpath, "io.temporal.testserver.TestServer", Integer.toString(port)));
    return new TestServerProcess(ChildProcess.start(name, command, logDir), port);
  }

  /** As {@link #launch}, then {@link #awaitServing}; the process is stopped if it never serves. */
  public static TestServerProcess start(
      String name, List<String> jvmFlags, String classpath, Path logDir, Duration timeout) {
    TestServerProcess server = launch(name, jvmFlags, classpath, logDir);
    try {
      return server.awaitServing(timeout);
    } catch (RuntimeException e) {
      server.process.close();
      throw e;
    }
  }

  /**
   * Waits until the server answers GetSystemInfo; fails with the end of its log if it exits first
   * or does not answer within {@code timeout}.
   */
  public TestServerProcess awaitServing(Duration timeout) {
    long until = System.nanoTime() + timeout.toNanos();
    ManagedChannel channel = ManagedChannelBuilder.forTarget(address()).usePlaintext().build();
    try {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(process.name() + " exited:\n" + process.tail());
        }
        try {
          WorkflowServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(2, TimeUnit.SECONDS)
              .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
          return this;
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
            return this; // serving, just without this method
          }
        }
        if (System.nanoTime() > until) {
          throw new IllegalStateException(
              process.name() + " did not serve within " + timeout + ":\n" + process.tail());
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for " + process.name(), e);
        }
      }
    } finally {
      channel.shutdownNow();
    }
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The process, to pause, resume, kill or measure it. */
  public ChildProcess process() {
    return process;
  }

  /** Stops the process (SIGTERM, then SIGKILL if it lingers). */
  @Override
  public void close() {
    process.stop();
  }
}
