package dev.tempura.proxy.onboard;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.MethodDescriptor;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** One page of a physical namespace's executions, open or closed, by either visibility API. */
final class VisibilityPages {
  /** Temporal's visibility query for open executions. */
  static final String OPEN_QUERY = "ExecutionStatus=\"Running\"";

  /** Every closed status: what visibility still lists of them is inside retention. */
  static final String CLOSED_QUERY = "ExecutionStatus!=\"Running\"";

  private static final long TIMEOUT_MILLIS = 30_000;

  private static final MethodDescriptor<byte[], byte[]> LIST =
      bytes(WorkflowServiceGrpc.getListWorkflowExecutionsMethod());
  private static final MethodDescriptor<byte[], byte[]> LIST_OPEN =
      bytes(WorkflowServiceGrpc.getListOpenWorkflowExecutionsMethod());
  private static final MethodDescriptor<byte[], byte[]> LIST_CLOSED =
      bytes(WorkflowServiceGrpc.getListClosedWorkflowExecutionsMethod());

  /** The workflow ids of one page (an id may repeat, one per run) and the next page's token. */
  record Page(List<String> workflowIds, byte[] nextPageToken) {}

  private final BackendCaller caller;

  VisibilityPages(BackendChannels channels) {
    this.caller = new BackendCaller(channels);
  }

  /**
   * Lists one page; fails with the backend's status ({@link io.grpc.StatusRuntimeException}), so
   * that UNIMPLEMENTED can send the import to the legacy API.
   */
  CompletableFuture<Page> page(
      PhysicalNamespace p,
      ImportProgress.Listing listing,
      ImportProgress.Phase phase,
      byte[] token,
      int pageSize) {
    ByteString t = token == null ? ByteString.EMPTY : ByteString.copyFrom(token);
    byte[] request;
    MethodDescriptor<byte[], byte[]> method;
    if (listing == ImportProgress.Listing.VISIBILITY) {
      method = LIST;
      request =
          ListWorkflowExecutionsRequest.newBuilder()
              .setNamespace(p.name())
              .setPageSize(pageSize)
              .setNextPageToken(t)
              .setQuery(phase == ImportProgress.Phase.OPEN ? OPEN_QUERY : CLOSED_QUERY)
              .build()
              .toByteArray();
    } else if (phase == ImportProgress.Phase.OPEN) {
      method = LIST_OPEN;
      request =
          ListOpenWorkflowExecutionsRequest.newBuilder()
              .setNamespace(p.name())
              .setMaximumPageSize(pageSize)
              .setNextPageToken(t)
              .build()
              .toByteArray();
    } else {
      method = LIST_CLOSED;
      request =
          ListClosedWorkflowExecutionsRequest.newBuilder()
              .setNamespace(p.name())
              .setMaximumPageSize(pageSize)
              .setNextPageToken(t)
              .build()
              .toByteArray();
    }
    return caller
        .call(
            p.clusterAddress(),
            method,
            request,
            BackendChannels.namespaceHeader(p.name()),
            null,
            TIMEOUT_MILLIS)
        .thenApply(bytes -> parse(method, bytes));
  }

  private static Page parse(MethodDescriptor<byte[], byte[]> method, byte[] bytes) {
    try {
      List<WorkflowExecutionInfo> infos;
      ByteString next;
      if (method == LIST) {
        ListWorkflowExecutionsResponse r = ListWorkflowExecutionsResponse.parseFrom(bytes);
        infos = r.getExecutionsList();
        next = r.getNextPageToken();
      } else if (method == LIST_OPEN) {
        ListOpenWorkflowExecutionsResponse r = ListOpenWorkflowExecutionsResponse.parseFrom(bytes);
        infos = r.getExecutionsList();
        next = r.getNextPageToken();
      } else {
        ListClosedWorkflowExecutionsResponse r =
            ListClosedWorkflowExecutionsResponse.parseFrom(bytes);
        infos = r.getExecutionsList();
        next = r.getNextPageToken();
      }
      List<String> ids = new ArrayList<>(infos.size());
      for (WorkflowExecutionInfo info : infos) {
        String id = info.getExecution().getWorkflowId();
        if (!id.isEmpty()) {
          ids.add(id);
        }
      }
      return new Page(ids, next.isEmpty() ? null : next.toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(
          method.getBareMethodName() + " answered an unreadable message: " + e.getMessage(), e);
    }
  }

  private static MethodDescriptor<byte[], byte[]> bytes(MethodDescriptor<?, ?> method) {
    return method.toBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE).build();
  }
}
