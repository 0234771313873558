package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tempura.proxy.aggregate.Strategy;
import dev.tempura.proxy.fuzz.FuzzHarness;
import dev.tempura.proxy.fuzz.SampleMessages;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random and mutated bytes sent as every WorkflowService method through a running proxy, over a
 * {@link RecordingBackend}: each call ends with INVALID_ARGUMENT, or, when the bytes happen to be a
 * request the proxy can route, with the backend's own answer (the recording backend answers OK) or
 * the proxy's own answer to a well-formed request: NOT_FOUND for a namespace it does not serve,
 * FAILED_PRECONDITION for namespace and cluster administration, which it refuses. A poll the proxy
 * accepts is parked until its deadline, as a long poll is. Nothing else (no INTERNAL, UNKNOWN,
 * UNAVAILABLE, no hang: every call has a deadline and a bound), and after every method the proxy
 * still serves a plain call.
 *
 * <p>{@code -Dtempura.fuzz.e2eRuns=N} sets the inputs per method (default 60).
 */
class ProxyFuzzTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final Duration POLL_DEADLINE = Duration.ofMillis(800);

  @TempDir Path dir;
  private RecordingBackend backend;
  private ProxyFixture tempura;
  private ManagedChannel channel;
  private PhysicalNamespace physical;

  @BeforeEach
  void setUp() {
    backend = new RecordingBackend();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backend.address());
    physical =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .physicalNamespaces()
            .get(0);
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backend.close();
  }

  @Test
  void
      randomBytesAsEveryMethod_getOnlyInvalidArgumentOrTheBackendsAnswer_andTheProxyKeepsServing() {
    List<MethodRoute> routes =
        dev.tempura.proxy.MethodTable.build().routes(WorkflowServiceGrpc.getServiceDescriptor());
    int perMethod = Integer.getInteger("tempura.fuzz.e2eRuns", 60);
    Duration budgetPerMethod = FuzzHarness.budget().multipliedBy(4).dividedBy(routes.size());
    byte[] token = TaskTokens.wrap(physical.id(), "wf-1", new byte[] {1, 2, 3});
    SampleMessages samples = new SampleMessages(ProxyFixture.VIRTUAL, token, 3);
    Map<Status.Code, Integer> outcomes = new EnumMap<>(Status.Code.class);
    Map<String, String> perRoute = new TreeMap<>();

    for (MethodRoute route : routes) {
      List<byte[]> seeds = new ArrayList<>(samples.samples(route.requestType(), 7, 3));
      FuzzHarness.Generator inputs = FuzzHarness.mix(seeds, 150);
      Map<Status.Code, Integer> here = new EnumMap<>(Status.Code.class);
      if (route.kind() == RouteKind.POLL) {
        pollConcurrently(route, inputs, perMethod, here);
      } else {
        FuzzHarness.run(
            "proxy " + route.bareMethodName(),
            perMethod,
            budgetPerMethod,
            DEADLINE.plusSeconds(1),
            inputs,
            allowedFor(route),
            bytes -> {
              Status.Code code = call(route, bytes, DEADLINE);
              here.merge(code, 1, Integer::sum);
              if (code != Status.Code.OK) {
                throw new CallEnded(code, bytes);
              }
            });
      }
      here.forEach((c, n) -> outcomes.merge(c, n, Integer::sum));
      perRoute.put(route.bareMethodName(), here.toString());
      assertStillServing(route);
    }
    System.out.println("outcomes over " + routes.size() + " methods: " + outcomes);
    perRoute.forEach((m, o) -> System.out.println("  " + m + " " + o));
    assertThat(outcomes).containsKeys(Status.Code.OK, Status.Code.INVALID_ARGUMENT);
    assertThat(backend.received()).isNotEmpty();
  }

  /**
   * What a route's calls may end with, besides OK: INVALID_ARGUMENT; NOT_FOUND when the request
   * names a namespace other than the virtual one; the proxy's documented refusal of namespace and
   * cluster administration (FAILED_PRECONDITION); and for a poll, its deadline while parked.
   */
  private static Predicate<Throwable> allowedFor(MethodRoute route) {
    Strategy strategy = (Strategy) route.aggregation();
    boolean refused =
        strategy == Strategy.REJECT_NAMESPACE_ADMIN || strategy == Strategy.REJECT_CLUSTER_ADMIN;
    return t -> {
      if (!(t instanceof CallEnded e)) {
        return false;
      }
      return switch (e.code) {
        case INVALID_ARGUMENT -> true;
        case NOT_FOUND -> !ProxyFixture.VIRTUAL.equals(namespaceOf(route, e.request));
        case FAILED_PRECONDITION -> refused;
        case DEADLINE_EXCEEDED -> route.kind() == RouteKind.POLL;
        default -> false;
      };
    };
  }

  /** The namespace the proxy reads from the request: its last top-level namespace field. */
  private static String namespaceOf(MethodRoute route, byte[] request) {
    if (route.namespacePath() == null) {
      return null;
    }
    try {
      return WireFields.string(request, route.namespacePath());
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  /** Parked polls wait out their deadline, so a poll route's inputs go out all at once. */
  private void pollConcurrently(
      MethodRoute route, FuzzHarness.Generator inputs, int count, Map<Status.Code, Integer> here) {
    Random random = new Random(FuzzHarness.seed("proxy " + route.bareMethodName()));
    List<byte[]> sent = new ArrayList<>();
    List<com.google.common.util.concurrent.ListenableFuture<byte[]>> calls = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] bytes = inputs.next(random);
      sent.add(bytes);
      calls.add(
          ClientCalls.futureUnaryCall(
              channel.newCall(
                  route.method(),
                  CallOptions.DEFAULT.withDeadlineAfter(
                      POLL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)),
              bytes));
    }
    Predicate<Throwable> allowed = allowedFor(route);
    assertTimeoutPreemptively(
        POLL_DEADLINE.plus(DEADLINE),
        () -> {
          for (int i = 0; i < calls.size(); i++) {
            Status.Code code;
            try {
              calls.get(i).get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
              code = Status.Code.OK;
            } catch (ExecutionException e) {
              code = Status.fromThrowable(e.getCause()).getCode();
            } catch (TimeoutException e) {
              throw new AssertionError(
                  route.bareMethodName() + " input " + HEX.formatHex(sent.get(i)) + " hung");
            }
            here.merge(code, 1, Integer::sum);
            if (code != Status.Code.OK && !allowed.test(new CallEnded(code, sent.get(i)))) {
              throw new AssertionError(
                  route.bareMethodName()
                      + " input "
                      + HEX.formatHex(sent.get(i))
                      + " ended with "
                      + code);
            }
          }
        });
  }

  private Status.Code call(MethodRoute route, byte[] bytes, Duration deadline) {
    try {
      ClientCalls.blockingUnaryCall(
          channel,
          route.method(),
          CallOptions.DEFAULT.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS),
          bytes);
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  private void assertStillServing(MethodRoute after) {
    try {
      WorkflowServiceGrpc.newBlockingStub(channel)
          .withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
          .describeNamespace(
              DescribeNamespaceRequest.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build());
    } catch (StatusRuntimeException e) {
      throw new AssertionError(
          "the proxy stopped serving after fuzzing " + after.bareMethodName(), e);
    }
  }

  /** A call's status, thrown so that the harness sees the outcome. */
  private static final class CallEnded extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Status.Code code;
    final transient byte[] request;

    CallEnded(Status.Code code, byte[] request) {
      super(code.name(), null, false, false);
      this.code = code;
      this.request = request;
    }
  }
}
