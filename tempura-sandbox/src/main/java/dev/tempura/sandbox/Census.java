package dev.tempura.sandbox;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Finds where each workflow ran by asking every cluster directly, under its physical namespace
 * name, bypassing Tempura: the count cannot be wrong the way a proxy bug would make it.
 */
final class Census {
  private static final int THREADS = 8;

  /** A cluster's own endpoint and the physical namespace to look in there. */
  record Target(String physicalNamespace, WorkflowServiceStubs stubs) {}

  /** A workflow as one cluster knows it. */
  record Found(String physicalNamespace, WorkflowExecutionStatus status) {}

  private Census() {}

  /** Where each of {@code workflowIds} exists; an id found nowhere maps to an empty list. */
  static Map<String, List<Found>> locate(Collection<String> workflowIds, List<Target> targets)
      throws InterruptedException {
    Map<String, List<Found>> where = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> lookups = new ArrayList<>();
      for (String id : workflowIds) {
        lookups.add(pool.submit(() -> where.put(id, lookUp(id, targets))));
      }
      for (Future<?> lookup : lookups) {
        lookup.get();
      }
    } catch (ExecutionException e) {
      throw new IllegalStateException("describing workflows on the clusters failed", e.getCause());
    } finally {
      pool.shutdownNow();
    }
    return where;
  }

  private static List<Found> lookUp(String workflowId, List<Target> targets) {
    List<Found> found = new ArrayList<>();
    for (Target target : targets) {
      DescribeWorkflowExecutionRequest request =
          DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(target.physicalNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
              .build();
      try {
        WorkflowExecutionStatus status =
            target
                .stubs()
                .blockingStub()
                .describeWorkflowExecution(request)
                .getWorkflowExecutionInfo()
                .getStatus();
        found.add(new Found(target.physicalNamespace(), status));
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
      }
    }
    return List.copyOf(found);
  }
}
