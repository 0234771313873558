package dev.tempura.proxy.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.local.ForwardingServer;
import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListOpenWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * One in-memory cluster as a real Temporal frontend answers visibility: every call is forwarded to
 * the in-memory server, except {@code ListWorkflowExecutions}, which the in-memory server does not
 * implement and which this answers page by page, as Temporal does, from the server's own open or
 * closed list (the query {@code ExecutionStatus="Running"} lists open executions, any other status
 * query closed ones). Page tokens are offsets into the list, sorted by workflow and run id.
 *
 * <p>A test can hold list calls after a number of pages ({@link #holdAfter}) to stop an import at a
 * known page, and sees every list request ({@link #requests()}).
 */
final class PagingVisibilityFront implements AutoCloseable {
  /** One ListWorkflowExecutions request as it arrived. */
  record ListRequest(String query, String pageToken, int pageSize) {}

  private final ForwardingServer server;
  private final ManagedChannel direct;
  private final WorkflowServiceGrpc.WorkflowServiceBlockingStub stub;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<ListRequest> requests = new CopyOnWriteArrayList<>();
  private final List<ForwardingServer.Call> held = new ArrayList<>();
  private int servePages = Integer.MAX_VALUE;
  private int served;

  private PagingVisibilityFront(String target) {
    direct = NettyChannelBuilder.forTarget(target).usePlaintext().build();
    stub = WorkflowServiceGrpc.newBlockingStub(direct);
    server = ForwardingServer.start(target, ByteMarshaller.INSTANCE, this::onCall);
  }

  static PagingVisibilityFront start(String target) {
    return new PagingVisibilityFront(target);
  }

  String address() {
    return server.address();
  }

  /** Answers {@code pages} more list calls, then holds the rest until {@link #release}. */
  synchronized void holdAfter(int pages) {
    servePages = served + pages;
  }

  /** Answers the held list calls (those whose client is gone are dropped) and all later ones. */
  void release() {
    List<ForwardingServer.Call> toAnswer;
    synchronized (this) {
      servePages = Integer.MAX_VALUE;
      toAnswer = new ArrayList<>(held);
      held.clear();
    }
    for (ForwardingServer.Call c : toAnswer) {
      executor.execute(() -> answer(c));
    }
  }

  synchronized int heldCalls() {
    return held.size();
  }

  List<ListRequest> requests() {
    return List.copyOf(requests);
  }

  void clearRequests() {
    requests.clear();
  }

  private void onCall(ForwardingServer.Call call) {
    if (!call.bareMethodName().equals("ListWorkflowExecutions")) {
      call.forward();
      return;
    }
    call.readRequest(() -> executor.execute(() -> arrived(call)));
  }

  private void arrived(ForwardingServer.Call call) {
    ListWorkflowExecutionsRequest r;
    try {
      r = ListWorkflowExecutionsRequest.parseFrom(call.request());
    } catch (InvalidProtocolBufferException e) {
      call.fail(Status.INVALID_ARGUMENT.withDescription("unreadable request"));
      return;
    }
    requests.add(
        new ListRequest(
            r.getQuery(), r.getNextPageToken().toString(StandardCharsets.UTF_8), r.getPageSize()));
    synchronized (this) {
      if (served >= servePages) {
        held.add(call);
        return;
      }
      served++;
    }
    answer(call);
  }

  private void answer(ForwardingServer.Call call) {
    try {
      ListWorkflowExecutionsRequest r = ListWorkflowExecutionsRequest.parseFrom(call.request());
      List<WorkflowExecutionInfo> all =
          new ArrayList<>(
              r.getQuery().equals("ExecutionStatus=\"Running\"")
                  ? stub.listOpenWorkflowExecutions(
                          ListOpenWorkflowExecutionsRequest.newBuilder()
                              .setNamespace(r.getNamespace())
                              .build())
                      .getExecutionsList()
                  : stub.listClosedWorkflowExecutions(
                          ListClosedWorkflowExecutionsRequest.newBuilder()
                              .setNamespace(r.getNamespace())
                              .build())
                      .getExecutionsList());
      all.sort(
          Comparator.comparing((WorkflowExecutionInfo i) -> i.getExecution().getWorkflowId())
              .thenComparing(i -> i.getExecution().getRunId()));
      int from =
          r.getNextPageToken().isEmpty()
              ? 0
              : Integer.parseInt(r.getNextPageToken().toString(StandardCharsets.UTF_8));
      int size = r.getPageSize() <= 0 ? 1000 : r.getPageSize();
      int to = Math.min(all.size(), from + size);
      ListWorkflowExecutionsResponse.Builder page =
          ListWorkflowExecutionsResponse.newBuilder()
              .addAllExecutions(all.subList(Math.min(from, to), to));
      if (to < all.size()) {
        page.setNextPageToken(ByteString.copyFrom(String.valueOf(to), StandardCharsets.UTF_8));
      }
      call.answer(page.build().toByteArray());
    } catch (RuntimeException | InvalidProtocolBufferException e) {
      call.fail(Status.INTERNAL.withDescription(e.toString()));
    }
  }

  @Override
  public void close() {
    server.close();
    direct.shutdownNow();
    executor.shutdownNow();
  }
}
