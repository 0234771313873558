package dev.tempura.proxy.locate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Finds which backend holds a workflow that has no mapping (started before Tempura, by a schedule,
 * or whose mapping was lost) by asking every physical namespace in parallel.
 */
public final class WorkflowLocator {
  private static final MethodDescriptor<byte[], byte[]> DESCRIBE =
      WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();
  private static final long TIMEOUT_MILLIS = 10_000;

  private static final MethodDescriptor<byte[], byte[]> DESCRIBE_SCHEDULE =
      WorkflowServiceGrpc.getDescribeScheduleMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  private final BackendChannels channels;
  private final dev.tempura.proxy.backend.BackendCaller caller;

  public WorkflowLocator(BackendChannels channels) {
    this.channels = channels;
    this.caller = new dev.tempura.proxy.backend.BackendCaller(channels);
  }

  /**
   * Completes with the physical namespace holding {@code workflowId}, or null when none does. When
   * several hold one (an id reused after a mapping expired), the most recently started wins.
   */
  public CompletableFuture<PhysicalNamespace> locate(VirtualNamespace vns, String workflowId) {
    List<PhysicalNamespace> all = vns.physicalNamespaces();
    List<CompletableFuture<Long>> answers = new ArrayList<>(all.size());
    for (PhysicalNamespace p : all) {
      answers.add(startTime(p, workflowId));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              PhysicalNamespace best = null;
              long bestStart = Long.MIN_VALUE;
              for (int i = 0; i < all.size(); i++) {
                Long start = answers.get(i).join();
                if (start != null && start > bestStart) {
                  bestStart = start;
                  best = all.get(i);
                }
              }
              return best;
            });
  }

  /** Completes with the physical namespace holding the schedule, or null when none does. */
  public CompletableFuture<PhysicalNamespace> locateSchedule(
      VirtualNamespace vns, String scheduleId) {
    List<PhysicalNamespace> all = vns.physicalNamespaces();
    List<CompletableFuture<Boolean>> answers = new ArrayList<>(all.size());
    for (PhysicalNamespace p : all) {
      byte[] request =
          io.temporal.api.workflowservice.v1.DescribeScheduleRequest.newBuilder()
              .setNamespace(p.name())
              .setScheduleId(scheduleId)
              .build()
              .toByteArray();
      answers.add(
          caller
              .call(
                  p.clusterAddress(),
                  DESCRIBE_SCHEDULE,
                  request,
                  dev.tempura.proxy.backend.BackendChannels.namespaceHeader(p.name()),
                  null,
                  TIMEOUT_MILLIS)
              .handle((r, e) -> e == null));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              for (int i = 0; i < all.size(); i++) {
                if (answers.get(i).join()) {
                  return all.get(i);
                }
              }
              return null;
            });
  }

  /** The workflow's start time on {@code p} in millis, or null when it is not there. */
  private CompletableFuture<Long> startTime(PhysicalNamespace p, String workflowId) {
    byte[] request =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(p.name())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build()
            .toByteArray();
    CompletableFuture<byte[]> answer;
    // detached: the lookup is shared state (it writes a mapping), so it must not die with one
    // caller
    try {
      answer =
          BackendCalls.unary(
              channels.channel(p),
              DESCRIBE,
              request,
              new Metadata(),
              Deadline.after(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
    } catch (RuntimeException e) {
      // this backend cannot be asked: the others still answer whether they hold the workflow
      return CompletableFuture.completedFuture(null);
    }
    return answer.handle(
        (response, error) -> {
          if (error != null || response == null) {
            return null;
          }
          try {
            DescribeWorkflowExecutionResponse r =
                DescribeWorkflowExecutionResponse.parseFrom(response);
            return Timestamps.toMillis(r.getWorkflowExecutionInfo().getStartTime());
          } catch (InvalidProtocolBufferException e) {
            return null;
          }
        });
  }
}
