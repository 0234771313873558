package dev.tempura.proxy.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.token.InvalidTaskTokenException;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.wire.MalformedMessageException;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.temporal.api.common.v1.Link;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.history.v1.ChildWorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Random and mutated bytes through the translation paths: every outcome is a result or one of the
 * two documented exceptions, never another exception and never a hang.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TranslationsFuzzTest {
  private static final int RUNS = 2_000;
  private static final PhysicalNamespace PHYS =
      new PhysicalNamespace(
          "phys", ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1);

  private static RoutingTable table;
  private static Translations translations;
  private static Translation t;

  @BeforeAll
  static void setUp() {
    table = dev.tempura.proxy.MethodTable.build();
    translations = new Translations(table.schema());
    t = translations.of("virt", PHYS);
  }

  private record Outcomes(int results, int malformed, int invalidToken) {}

  @Test
  void request_startWorkflow_randomBytes_onlyResultOrMalformed() {
    MethodRoute route =
        table.route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName());
    Outcomes o = run(new Random(1), this::randomBytes, b -> translations.request(route, b, t));
    assertThat(o.results() + o.malformed() + o.invalidToken()).isEqualTo(RUNS);
    assertThat(o.malformed()).isPositive();
  }

  @Test
  void response_pollWorkflowTask_randomBytes_onlyResultOrMalformed() {
    MethodRoute route =
        table.route(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod().getFullMethodName());
    Outcomes o = run(new Random(2), this::randomBytes, b -> translations.response(route, b, t));
    assertThat(o.results() + o.malformed() + o.invalidToken()).isEqualTo(RUNS);
    assertThat(o.malformed()).isPositive();
  }

  @Test
  void request_startWorkflow_mutatedValidMessages_onlyResultOrMalformed() {
    MethodRoute route =
        table.route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod().getFullMethodName());
    byte[] valid = validStart().toByteArray();
    Outcomes o = run(new Random(3), r -> mutate(r, valid), b -> translations.request(route, b, t));
    assertThat(o.results()).isPositive();
    assertThat(o.malformed()).isPositive();
  }

  @Test
  void response_pollWorkflowTask_mutatedValidMessages_onlyResultOrMalformed() {
    MethodRoute route =
        table.route(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod().getFullMethodName());
    byte[] valid = validPoll().toByteArray();
    Outcomes o = run(new Random(4), r -> mutate(r, valid), b -> translations.response(route, b, t));
    assertThat(o.results()).isPositive();
    assertThat(o.malformed()).isPositive();
  }

  @Test
  void request_respondActivityTaskCompleted_mutatedTokens_onlyResultMalformedOrInvalidToken() {
    MethodRoute route =
        table.route(
            WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod().getFullMethodName());
    byte[] valid =
        RespondActivityTaskCompletedRequest.newBuilder()
            .setTaskToken(ByteString.copyFrom(TaskTokens.wrap(PHYS.id(), "wf-1", new byte[40])))
            .setNamespace("virt")
            .setIdentity("me")
            .setResult(
                Payloads.newBuilder()
                    .addPayloads(Payload.newBuilder().setData(ByteString.copyFromUtf8("1"))))
            .build()
            .toByteArray();
    Outcomes o = run(new Random(5), r -> mutate(r, valid), b -> translations.request(route, b, t));
    assertThat(o.invalidToken()).isPositive();
    assertThat(o.malformed()).isPositive();
  }

  private static Outcomes run(
      Random random, Function<Random, byte[]> inputs, Function<byte[], byte[]> translate) {
    int results = 0;
    int malformed = 0;
    int invalidToken = 0;
    for (int i = 0; i < RUNS; i++) {
      byte[] in = inputs.apply(random);
      byte[] copy = in.clone();
      try {
        byte[] out = translate.apply(in);
        assertThat(out).isNotNull();
        results++;
      } catch (MalformedMessageException e) {
        malformed++;
      } catch (InvalidTaskTokenException e) {
        invalidToken++;
      } catch (RuntimeException | StackOverflowError e) {
        fail("input #" + i + " " + Arrays.toString(in) + " threw " + e, e);
      }
      assertThat(in).as("input #%d must not be modified", i).isEqualTo(copy);
    }
    return new Outcomes(results, malformed, invalidToken);
  }

  private byte[] randomBytes(Random random) {
    byte[] b = new byte[random.nextInt(256)];
    random.nextBytes(b);
    return b;
  }

  /** One to four random edits: flip, overwrite, insert, delete, truncate. */
  private static byte[] mutate(Random random, byte[] valid) {
    byte[] b = valid.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = random.nextInt(b.length);
      switch (random.nextInt(5)) {
        case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> b[at] = (byte) random.nextInt(256);
        case 2 -> {
          byte[] longer = new byte[b.length + 1];
          System.arraycopy(b, 0, longer, 0, at);
          longer[at] = (byte) random.nextInt(256);
          System.arraycopy(b, at, longer, at + 1, b.length - at);
          b = longer;
        }
        case 3 -> {
          byte[] shorter = new byte[b.length - 1];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
          b = shorter;
        }
        default -> b = Arrays.copyOf(b, at);
      }
    }
    return b;
  }

  private static StartWorkflowExecutionRequest validStart() {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace("virt")
        .setWorkflowId("wf-1")
        .setIdentity("me")
        .addLinks(
            Link.newBuilder()
                .setWorkflowEvent(
                    Link.WorkflowEvent.newBuilder().setNamespace("virt").setWorkflowId("p")))
        .build();
  }

  private static PollWorkflowTaskQueueResponse validPoll() {
    return PollWorkflowTaskQueueResponse.newBuilder()
        .setTaskToken(ByteString.copyFromUtf8("token"))
        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1"))
        .setHistory(
            History.newBuilder()
                .addEvents(
                    HistoryEvent.newBuilder()
                        .setEventId(1)
                        .setWorkflowExecutionStartedEventAttributes(
                            WorkflowExecutionStartedEventAttributes.newBuilder()
                                .setParentWorkflowNamespace("phys")))
                .addEvents(
                    HistoryEvent.newBuilder()
                        .setEventId(2)
                        .setChildWorkflowExecutionStartedEventAttributes(
                            ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                                .setNamespace("phys"))))
        .build();
  }
}
