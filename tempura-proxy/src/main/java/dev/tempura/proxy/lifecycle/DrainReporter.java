package dev.tempura.proxy.lifecycle;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.MethodDescriptor;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far a cordoned physical namespace has drained: its open workflows, counted from the mappings
 * and checked on the backend (a mapping whose workflow closed unseen is given its TTL on the way,
 * and not counted), and the start time of the oldest. Walks the whole store, so it is an operator's
 * call, not a data-plane one.
 */
public final class DrainReporter {
  private static final MethodDescriptor<byte[], byte[]> DESCRIBE =
      WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();
  private static final int PAGE = 500;

  /**
   * @param oldestStartedAt null when nothing is open
   */
  public record Report(long openWorkflows, Instant oldestStartedAt) {}

  private final MappingStore mappings;
  private final BackendCaller caller;
  private final MappingLifecycle lifecycle;

  public DrainReporter(MappingStore mappings, BackendCaller caller, MappingLifecycle lifecycle) {
    this.mappings = mappings;
    this.caller = caller;
    this.lifecycle = lifecycle;
  }

  public CompletableFuture<Report> report(VirtualNamespace vns, PhysicalNamespace p) {
    AtomicLong open = new AtomicLong();
    AtomicLong oldest = new AtomicLong(Long.MAX_VALUE);
    return walk(vns, p, null, open, oldest)
        .thenApply(
            v ->
                new Report(
                    open.get(),
                    oldest.get() == Long.MAX_VALUE ? null : Instant.ofEpochMilli(oldest.get())));
  }

  private CompletableFuture<Void> walk(
      VirtualNamespace vns,
      PhysicalNamespace p,
      String cursor,
      AtomicLong open,
      AtomicLong oldest) {
    return mappings
        .scan(cursor, PAGE)
        .thenCompose(
            page -> {
              List<CompletableFuture<Void>> checks = new ArrayList<>();
              for (Entry e : page.entries()) {
                if (e.ttlMillis() == -1
                    && e.physicalId().equals(p.id())
                    && e.key().virtualNamespace().equals(vns.name())) {
                  checks.add(check(e, p, open, oldest));
                }
              }
              CompletableFuture<Void> done =
                  CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new));
              return next(page) == null
                  ? done
                  : done.thenCompose(v -> walk(vns, p, next(page), open, oldest));
            });
  }

  private static String next(ScanPage page) {
    return page.nextCursor();
  }

  private CompletableFuture<Void> check(
      Entry e, PhysicalNamespace p, AtomicLong open, AtomicLong oldest) {
    byte[] request =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(p.name())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(e.key().workflowId()))
            .build()
            .toByteArray();
    return caller
        .call(
            p.clusterAddress(),
            DESCRIBE,
            request,
            dev.tempura.proxy.backend.BackendChannels.namespaceHeader(p.name()),
            null,
            10_000)
        .handle(
            (bytes, error) -> {
              if (error != null) {
                // not found may be a start still on its way to the backend, and anything else
                // cannot be told: count it, so a drain is never overstated (the reconciler deals
                // with mappings whose workflows are really gone)
                open.incrementAndGet();
                return null;
              }
              try {
                DescribeWorkflowExecutionResponse r =
                    DescribeWorkflowExecutionResponse.parseFrom(bytes);
                WorkflowExecutionStatus s = r.getWorkflowExecutionInfo().getStatus();
                if (s == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
                  open.incrementAndGet();
                  long started = Timestamps.toMillis(r.getWorkflowExecutionInfo().getStartTime());
                  oldest.accumulateAndGet(started, Math::min);
                } else {
                  lifecycle.closed(e.key(), p);
                }
              } catch (InvalidProtocolBufferException ex) {
                open.incrementAndGet();
              }
              return null;
            });
  }
}
