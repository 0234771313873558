package dev.tempura.app.logging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.app.Logging;
import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraCommand;
import dev.tempura.app.TempuraServer;
import dev.tempura.local.AdminClient;
import dev.tempura.local.Ports;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Everything the process logs, java.util.logging included, comes out in one format: text lines with
 * full ISO-8601 timestamps, or JSON objects with {@code --log-format json}; an unreachable backend
 * is one stack trace at most, not one every few seconds.
 */
class LogFormatTest {
  private static final Pattern TEXT_LINE =
      Pattern.compile(
          "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)"
              + " (TRACE|DEBUG|INFO |WARN |ERROR) \\[[^\\]]*\\] \\S+ - .*");

  @TempDir Path dataDir;

  @AfterEach
  void backToText() {
    Logging.use(Logging.Format.TEXT);
  }

  /** What {@code body} writes to stderr while it runs. */
  private static List<String> stderrOf(ThrowingRunnable body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static void logBoth() {
    LoggerFactory.getLogger("dev.tempura.logtest").warn("from slf4j");
    // as gRPC and Netty log: through java.util.logging
    java.util.logging.Logger.getLogger("io.grpc.logtest").warning("from jul");
  }

  @Test
  void text_isOneFormat_julIncluded() throws Exception {
    Logging.use(Logging.Format.TEXT);
    List<String> lines = stderrOf(LogFormatTest::logBoth);
    assertThat(lines).hasSize(2);
    assertThat(lines).allMatch(l -> TEXT_LINE.matcher(l).matches(), "matches " + TEXT_LINE);
    assertThat(lines.get(0)).contains("dev.tempura.logtest - from slf4j");
    assertThat(lines.get(1)).contains("io.grpc.logtest - from jul");
  }

  @Test
  void logFormatJson_isOneObjectALine_julIncluded() throws Exception {
    // as `tempura --log-format json <command>` sets it
    List<String> lines =
        stderrOf(
            () -> {
              assertThat(
                      TempuraCommand.commandLine()
                          .execute("--log-format", "json", "namespace", "--help"))
                  .isZero();
              logBoth();
            });
    ObjectMapper json = new ObjectMapper();
    List<String> logLines = lines.stream().filter(l -> l.startsWith("{")).toList();
    assertThat(logLines).hasSize(2);
    JsonNode slf4j = json.readTree(logLines.get(0));
    JsonNode jul = json.readTree(logLines.get(1));
    assertThat(slf4j.path("level").asText()).isEqualTo("WARN");
    assertThat(slf4j.path("loggerName").asText()).isEqualTo("dev.tempura.logtest");
    assertThat(slf4j.path("formattedMessage").asText()).isEqualTo("from slf4j");
    assertThat(slf4j.path("timestamp").asLong()).isPositive();
    assertThat(jul.path("loggerName").asText()).isEqualTo("io.grpc.logtest");
    assertThat(jul.path("formattedMessage").asText()).isEqualTo("from jul");
  }

  @Test
  void logFormat_otherThanTextOrJson_isBadUsage() {
    assertThat(TempuraCommand.commandLine().execute("--log-format", "xml", "namespace", "list"))
        .isEqualTo(2);
  }

  @Test
  void unreachableBackend_isOneLinePerEvent_notAStackTraceEveryFewSeconds() throws Exception {
    Logging.use(Logging.Format.TEXT);
    int closedPort = Ports.freePort();
    List<String> lines =
        stderrOf(
            () -> {
              try (TempuraServer tempura = TempuraServer.start(ServeSettings.loopback(dataDir))) {
                AdminClient admin =
                    new AdminClient(URI.create("http://127.0.0.1:" + tempura.adminPort()));
                admin.createVirtualNamespace("v");
                admin.addPhysicalNamespace("v", "gone", "127.0.0.1:" + closedPort);
                WorkflowServiceStubs stubs =
                    WorkflowServiceStubs.newServiceStubs(
                        WorkflowServiceStubsOptions.newBuilder()
                            .setTarget("127.0.0.1:" + tempura.grpcPort())
                            .build());
                try {
                  // calls for about 12 s: health checks, retention lookups and calls all fail
                  long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
                  for (int i = 0; System.nanoTime() < end; i++) {
                    try {
                      stubs
                          .blockingStub()
                          .withDeadlineAfter(1, TimeUnit.SECONDS)
                          .startWorkflowExecution(
                              StartWorkflowExecutionRequest.newBuilder()
                                  .setNamespace("v")
                                  .setWorkflowId("w-" + i)
                                  .setRequestId("r-" + i)
                                  .setWorkflowType(WorkflowType.newBuilder().setName("T"))
                                  .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                                  .build());
                    } catch (StatusRuntimeException expected) {
                      Thread.sleep(200);
                    }
                  }
                } finally {
                  stubs.shutdownNow();
                }
              }
            });
    // a line that does not start with a timestamp continues the one before: a stack trace
    long traces =
        java.util.stream.IntStream.range(1, lines.size())
            .filter(
                i ->
                    !TEXT_LINE.matcher(lines.get(i)).matches()
                        && TEXT_LINE.matcher(lines.get(i - 1)).matches())
            .count();
    assertThat(traces).as(String.join("\n", lines)).isLessThanOrEqualTo(1);
    assertThat(lines.stream().filter(l -> TEXT_LINE.matcher(l).matches()).count())
        .as(String.join("\n", lines))
        .isLessThan(20);
  }
}
