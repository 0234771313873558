package dev.tempura.bench;

import dev.tempura.local.Ports;
import dev.tempura.testing.ChildProcess;
import io.grpc.ManagedChannel;
import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Temporal's in-memory test server in its own JVM ({@code io.temporal.testserver.TestServer
 * <port>}, real time): the backend every comparison shares. It accepts any namespace name.
 */
final class TestServerProcess implements AutoCloseable {
  static final List<String> JVM_FLAGS = List.of("-Xms512m", "-Xmx4g", "-XX:+UseParallelGC");

  private final ChildProcess process;
  private final int port;

  private TestServerProcess(ChildProcess process, int port) {
    this.process = process;
    this.port = port;
  }

  static TestServerProcess start(String name, Path workDir) throws IOException {
    int port = Ports.freePort();
    List<String> command = new java.util.ArrayList<>();
    command.add(Jvm.java());
    command.addAll(JVM_FLAGS);
    command.addAll(
        List.of(
            "-cp", Jvm.classpath(), "io.temporal.testserver.TestServer", Integer.toString(port)));
    ChildProcess p = Jvm.start(name, command, workDir);
    try {
      p.awaitPort(port, Duration.ofSeconds(60));
      TestServerProcess server = new TestServerProcess(p, port);
      server.awaitServing();
      return server;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private void awaitServing() {
    ManagedChannel ch = Grpc.channel(address());
    try {
      WorkflowServiceGrpc.newBlockingStub(ch)
          .withDeadlineAfter(30, TimeUnit.SECONDS)
          .withWaitForReady()
          .getSystemInfo(GetSystemInfoRequest.getDefaultInstance());
    } finally {
      Grpc.close(ch);
    }
  }

  String address() {
    return "127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  ChildProcess process() {
    return process;
  }

  @Override
  public void close() {
    process.stop();
  }
}
