package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tempura.proxy.placement.CrossBackendCommands;
import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.testing.TemporalClustersExtension;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.ExternalWorkflowStub;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A workflow that signals or cancels a workflow placed on another backend: Temporal cannot deliver
 * that across clusters, so it fails inside the workflow; Tempura sees the command pass and says so
 * with a metric and one WARN line naming both workflows and the affinity-group fix. Real SDK
 * workflows over two in-memory clusters, which deliver external signals within one cluster.
 */
class CrossBackendCommandsTest {
  private static final String QUEUE = "cross-backend";

  @RegisterExtension
  final TemporalClustersExtension<ProxyFixture> env = ProxyFixture.onTwoClusters();

  private ProxyFixture tempura;
  private WorkflowClient client;
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;

  /** Signals (or cancels) another workflow by id and tells whether that worked. */
  @WorkflowInterface
  public interface Messenger {
    @WorkflowMethod
    String run(String targetId, boolean cancel);
  }

  public static final class MessengerImpl implements Messenger {
    @Override
    public String run(String targetId, boolean cancel) {
      ExternalWorkflowStub target = Workflow.newUntypedExternalWorkflowStub(targetId);
      if (cancel) {
        // sent, not awaited: the in-memory server never fails a cancellation request for a
        // workflow it does not have, it leaves it pending
        Async.procedure(target::cancel);
        return "requested";
      }
      try {
        target.signal("add", "hello");
        return "delivered";
      } catch (RuntimeException e) {
        return "failed";
      }
    }
  }

  @BeforeEach
  void setUp() {
    tempura = env.front();
    client = tempura.newClient();
    tempura.startEchoWorker(
        client, QUEUE, TestWorkflows.InteractiveImpl.class, MessengerImpl.class);
    logs = new ListAppender<>();
    logs.start();
    logger = (Logger) LoggerFactory.getLogger(CrossBackendCommands.class);
    logger.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(logs);
  }

  /** Maps {@code id} to a backend before its start, which then follows the mapping. */
  private void placeOn(String id, String physicalName) {
    String physicalId =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(physicalName)
            .get(0)
            .id();
    tempura
        .mappings()
        .putIfAbsent(Keyspace.WORKFLOW.key(ProxyFixture.VIRTUAL, id), physicalId)
        .join();
  }

  private void startTarget(String id) {
    WorkflowClient.start(
        client.newWorkflowStub(
                TestWorkflows.Interactive.class,
                WorkflowOptions.newBuilder().setTaskQueue(QUEUE).setWorkflowId(id).build())
            ::run,
        id);
  }

  private String runMessenger(String id, String targetId, boolean cancel) {
    return client
        .newWorkflowStub(
            Messenger.class,
            WorkflowOptions.newBuilder()
                .setTaskQueue(QUEUE)
                .setWorkflowId(id)
                .setWorkflowRunTimeout(Duration.ofSeconds(30))
                .build())
        .run(targetId, cancel);
  }

  private double counted(String kind) {
    return tempura
        .scrape()
        .lines()
        .filter(l -> l.startsWith("tempura_cross_backend_commands_total{"))
        .filter(l -> l.contains("kind=\"" + kind + "\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  private List<String> warnings() {
    return logs.list.stream()
        .filter(e -> e.getLevel() == Level.WARN)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void signalToAWorkflowOnTheSameBackend_isDelivered_andNotReported() {
    placeOn("target-same", "namespace-a");
    placeOn("sender-same", "namespace-a");
    startTarget("target-same");

    assertThat(runMessenger("sender-same", "target-same", false)).isEqualTo("delivered");
    assertThat(client.newUntypedWorkflowStub("target-same").query("items", List.class))
        .containsExactly("hello");

    // the lookup of a same-backend target is as fast as a cross-backend one: once a
    // cross-backend command is counted, the same-backend one would have been too
    placeOn("target-other", "namespace-b");
    placeOn("sender-other", "namespace-a");
    startTarget("target-other");
    assertThat(runMessenger("sender-other", "target-other", false)).isEqualTo("failed");
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> counted("signal_external") >= 1);
    assertThat(counted("signal_external")).isEqualTo(1);
    assertThat(warnings()).noneMatch(w -> w.contains("sender-same"));
  }

  @Test
  void signalAndCancelToAWorkflowOnAnotherBackend_failOrNeverArrive_andAreReported() {
    placeOn("target-b", "namespace-b");
    placeOn("signaller-a", "namespace-a");
    placeOn("canceller-a", "namespace-a");
    startTarget("target-b");

    assertThat(runMessenger("signaller-a", "target-b", false)).isEqualTo("failed");
    assertThat(runMessenger("canceller-a", "target-b", true)).isEqualTo("requested");

    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> counted("signal_external") >= 1 && counted("request_cancel_external") >= 1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> warnings().size() >= 2);
    assertThat(warnings())
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("signaller-a")
                    .contains("target-b")
                    .contains("signal")
                    .contains("affinity group"))
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("canceller-a")
                    .contains("target-b")
                    .contains("cancellation")
                    .contains("affinity group"));
    // the target itself never heard of either
    assertThat(client.newUntypedWorkflowStub("target-b").query("items", List.class)).isEmpty();
  }
}
