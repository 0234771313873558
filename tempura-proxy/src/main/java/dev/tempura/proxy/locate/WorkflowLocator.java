package dev.tempura.proxy.locate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeScheduleRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Finds which backend holds a workflow (or schedule) that has no mapping (started before Tempura,
 * by a schedule, or whose mapping was lost) by asking every physical namespace in parallel.
 *
 * <p>"Not there" is only concluded from answers: a backend that could not answer (UNAVAILABLE,
 * DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, a stall up to the lookup's deadline, any unexpected error)
 * may be the one holding it. So when no backend says it holds the id and at least one did not
 * answer, the lookup fails with UNAVAILABLE naming those backends: SDKs retry UNAVAILABLE, whereas
 * a NOT_FOUND is final and a mapping recorded then would point at the wrong backend.
 */
public final class WorkflowLocator {
  /** How long each backend has to answer a lookup, unless the proxy's options say otherwise. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final MethodDescriptor<byte[], byte[]> DESCRIBE =
      WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  private static final MethodDescriptor<byte[], byte[]> DESCRIBE_SCHEDULE =
      WorkflowServiceGrpc.getDescribeScheduleMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  private final BackendChannels channels;
  private final long timeoutNanos;

  public WorkflowLocator(BackendChannels channels) {
    this(channels, DEFAULT_TIMEOUT);
  }

  /**
   * @param timeout how long each backend has to answer; one still silent then counts as one that
   *     could not answer
   */
  public WorkflowLocator(BackendChannels channels, Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("locate timeout must be positive, got " + timeout);
    }
    this.channels = channels;
    this.timeoutNanos = timeout.toNanos();
  }

  /**
   * Completes with the physical namespace holding {@code workflowId}, or null when every backend
   * answered that it does not hold it. When several hold one (an id reused after a mapping
   * expired), the most recently started wins. Fails with UNAVAILABLE when none holds it and some
   * could not answer.
   */
  public CompletableFuture<PhysicalNamespace> locate(VirtualNamespace vns, String workflowId) {
    return ask(
        vns,
        "workflow " + workflowId,
        DESCRIBE,
        p ->
            DescribeWorkflowExecutionRequest.newBuilder()
                .setNamespace(p.name())
                .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
                .build()
                .toByteArray(),
        WorkflowLocator::startMillis);
  }

  /**
   * Completes with the physical namespace holding the schedule, or null when every backend answered
   * that it does not; fails with UNAVAILABLE as {@link #locate} does.
   */
  public CompletableFuture<PhysicalNamespace> locateSchedule(
      VirtualNamespace vns, String scheduleId) {
    return ask(
        vns,
        "schedule " + scheduleId,
        DESCRIBE_SCHEDULE,
        p ->
            DescribeScheduleRequest.newBuilder()
                .setNamespace(p.name())
                .setScheduleId(scheduleId)
                .build()
                .toByteArray(),
        response -> 0L);
  }

  /** One backend's answer: where it holds the id (its rank), it does not, or it could not say. */
  private record Answer(PhysicalNamespace from, Long rank, String failure) {}

  private CompletableFuture<PhysicalNamespace> ask(
      VirtualNamespace vns,
      String what,
      MethodDescriptor<byte[], byte[]> method,
      java.util.function.Function<PhysicalNamespace, byte[]> requestFor,
      ToLongFunction<byte[]> rankOf) {
    List<PhysicalNamespace> all = vns.physicalNamespaces();
    List<CompletableFuture<Answer>> answers = new ArrayList<>(all.size());
    for (PhysicalNamespace p : all) {
      answers.add(askOne(p, method, requestFor.apply(p), rankOf));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<Answer> in = new ArrayList<>(answers.size());
              for (CompletableFuture<Answer> a : answers) {
                in.add(a.join());
              }
              return decide(what, in);
            });
  }

  /**
   * The backend that holds it (the highest rank, the first in topology order on a tie); else null
   * when every backend answered, else UNAVAILABLE naming the ones that did not.
   */
  private static PhysicalNamespace decide(String what, List<Answer> answers) {
    Answer best = null;
    List<String> silent = new ArrayList<>();
    for (Answer a : answers) {
      if (a.rank() != null) {
        if (best == null || a.rank() > best.rank()) {
          best = a;
        }
      } else if (a.failure() != null) {
        silent.add(a.from().id() + " (" + a.failure() + ")");
      }
    }
    if (best != null) {
      return best.from();
    }
    if (!silent.isEmpty()) {
      throw Status.UNAVAILABLE
          .withDescription(
              what
                  + " has no mapping and could not be located: no physical namespace said it"
                  + " holds it, and "
                  + String.join(", ", silent)
                  + " did not answer; retry")
          .asRuntimeException();
    }
    return null;
  }

  private CompletableFuture<Answer> askOne(
      PhysicalNamespace p,
      MethodDescriptor<byte[], byte[]> method,
      byte[] request,
      ToLongFunction<byte[]> rankOf) {
    CompletableFuture<byte[]> answer;
    // detached: the lookup is shared state (it writes a mapping), so it must not die with one
    // caller; it has its own deadline
    try {
      answer =
          BackendCalls.unary(
              channels.channel(p),
              method,
              request,
              new Metadata(),
              Deadline.after(timeoutNanos, TimeUnit.NANOSECONDS));
    } catch (RuntimeException e) {
      // this backend cannot even be asked: it may still hold the id
      return CompletableFuture.completedFuture(
          new Answer(p, null, "cannot be called: " + Scheduling.oneLine(e)));
    }
    return answer.handle(
        (response, error) -> {
          if (error != null) {
            Status s = Status.fromThrowable(error);
            return answeredAbsent(s.getCode())
                ? new Answer(p, null, null)
                : new Answer(p, null, s.getCode() + describe(s));
          }
          if (response == null) {
            return new Answer(p, null, "no response message");
          }
          try {
            return new Answer(p, rankOf.applyAsLong(response), null);
          } catch (RuntimeException e) {
            return new Answer(p, null, "unreadable answer: " + Scheduling.oneLine(e));
          }
        });
  }

  /**
   * NOT_FOUND is the backend's own "not here" (an unknown namespace there too); INVALID_ARGUMENT is
   * about the request, which every backend rejects alike, and the forwarded call then gets it from
   * a backend. Every other code leaves open whether the backend holds the id.
   */
  private static boolean answeredAbsent(Status.Code code) {
    return code == Status.Code.NOT_FOUND || code == Status.Code.INVALID_ARGUMENT;
  }

  private static String describe(Status s) {
    return s.getDescription() == null ? "" : ": " + s.getDescription();
  }

  private static long startMillis(byte[] response) {
    try {
      DescribeWorkflowExecutionResponse r = DescribeWorkflowExecutionResponse.parseFrom(response);
      return Timestamps.toMillis(r.getWorkflowExecutionInfo().getStartTime());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }
}
