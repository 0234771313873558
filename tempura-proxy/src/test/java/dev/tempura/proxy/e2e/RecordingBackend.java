package dev.tempura.proxy.e2e;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RouteKind;
import dev.tempura.proxy.routing.RoutingTable;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A WorkflowService backend that records every call it receives. Unary calls are answered with a
 * scripted reply or an empty message; polls are held until a scripted task is offered or the call
 * ends, like a Temporal frontend's idle long poll.
 *
 * <p>With {@link #answerPollsAsRealServer()} polls behave as a real Temporal frontend's do (see
 * docs/real-server.md), not as the in-memory test server's: a poll with less than 2 s left is
 * refused with FAILED_PRECONDITION (common.ValidateLongPollContextTimeout), and an idle poll is
 * answered with an empty message 1 s before its deadline (matching's returnEmptyTaskTimeBudget)
 * instead of running into DEADLINE_EXCEEDED.
 */
final class RecordingBackend implements AutoCloseable {
  /** One received call. {@code ended} completes when the call is over, however it ended. */
  record Received(String method, byte[] request, Metadata headers, Context context) {
    boolean ended() {
      return context.isCancelled();
    }
  }

  /** What to answer: a message, or an error with trailers. */
  record Reply(byte[] message, Status status, Metadata trailers) {
    static Reply of(byte[] message) {
      return new Reply(message, Status.OK, new Metadata());
    }

    static Reply error(Status status, Metadata trailers) {
      return new Reply(null, status, trailers);
    }
  }

  private final Server server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, Function<byte[], Reply>> replies = new ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.BlockingQueue<byte[]>> pollTasks =
      new ConcurrentHashMap<>();
  private volatile boolean realPolls;

  /** Polls from now on behave as a real frontend's: see the class doc. */
  void answerPollsAsRealServer() {
    realPolls = true;
  }

  /** Polls answered empty, as a real frontend answers an idle poll near its deadline. */
  final java.util.concurrent.atomic.AtomicInteger emptyPollAnswers =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Polls refused because they came with less than 2 s left. */
  final java.util.concurrent.atomic.AtomicInteger pollsRefusedTooShort =
      new java.util.concurrent.atomic.AtomicInteger();

  RecordingBackend() {
    RoutingTable table = dev.tempura.proxy.MethodTable.build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    for (io.grpc.ServiceDescriptor original : RoutingTable.SERVICES) {
      ServerServiceDefinition.Builder service = ServerServiceDefinition.builder(original.getName());
      for (MethodRoute route : table.routes(original)) {
        MethodDescriptor<byte[], byte[]> m = route.method();
        boolean poll = route.kind() == RouteKind.POLL;
        service.addMethod(m, handler(m.getFullMethodName(), poll));
      }
      builder.addService(service.build());
    }
    try {
      server = builder.build().start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  List<Received> received() {
    return received;
  }

  List<Received> received(MethodDescriptor<?, ?> method) {
    return received.stream().filter(r -> r.method().equals(method.getFullMethodName())).toList();
  }

  void reply(MethodDescriptor<?, ?> method, Function<byte[], Reply> reply) {
    replies.put(method.getFullMethodName(), reply);
  }

  /** The next poll of {@code method} (or the one parked now) gets this response. */
  void offerTask(MethodDescriptor<?, ?> method, byte[] response) {
    queue(method.getFullMethodName()).add(response);
  }

  /**
   * The next poll of {@code method} on task queue {@code taskQueue} (or the one parked now) gets
   * this response; polls of other task queues do not see it.
   */
  void offerTask(MethodDescriptor<?, ?> method, String taskQueue, byte[] response) {
    queue(method.getFullMethodName() + "|" + taskQueue).add(response);
  }

  /** The task queue a poll request names (field 2 of the workflow and activity poll requests). */
  static String taskQueueOf(byte[] pollRequest) {
    try {
      return io.temporal.api.workflowservice.v1.PollActivityTaskQueueRequest.parseFrom(pollRequest)
          .getTaskQueue()
          .getName();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      return "";
    }
  }

  private java.util.concurrent.BlockingQueue<byte[]> queue(String method) {
    return pollTasks.computeIfAbsent(method, k -> new java.util.concurrent.LinkedBlockingQueue<>());
  }

  private ServerCallHandler<byte[], byte[]> handler(String method, boolean poll) {
    return (ServerCall<byte[], byte[]> call, Metadata headers) -> {
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onMessage(byte[] message) {
          Context ctx = Context.current();
          received.add(new Received(method, message, headers, ctx));
          if (poll) {
            holdPoll(call, ctx, message);
            return;
          }
          Reply r = replies.getOrDefault(method, req -> Reply.of(new byte[0])).apply(message);
          answer(call, r);
        }
      };
    };
  }

  private void holdPoll(ServerCall<byte[], byte[]> call, Context ctx, byte[] request) {
    String method = call.getMethodDescriptor().getFullMethodName();
    String byQueue = method + "|" + taskQueueOf(request);
    io.grpc.Deadline deadline = ctx.getDeadline();
    if (realPolls) {
      if (deadline == null) {
        answer(
            call,
            Reply.error(
                Status.INVALID_ARGUMENT.withDescription("Context timeout is not set."),
                new Metadata()));
        return;
      }
      if (deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS) < 2000) {
        pollsRefusedTooShort.incrementAndGet();
        answer(
            call,
            Reply.error(
                Status.FAILED_PRECONDITION.withDescription("Context timeout is too short."),
                new Metadata()));
        return;
      }
    }
    Thread t =
        new Thread(
            () -> {
              try {
                while (!ctx.isCancelled()) {
                  byte[] task = queue(byQueue).poll();
                  if (task == null) {
                    task = queue(method).poll(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                  }
                  if (task != null) {
                    answer(call, Reply.of(task));
                    return;
                  }
                  if (realPolls
                      && deadline.timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS)
                          < 1000) {
                    emptyPollAnswers.incrementAndGet();
                    answer(call, Reply.of(new byte[0]));
                    return;
                  }
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "recording-poll");
    t.setDaemon(true);
    t.start();
  }

  private static synchronized void answer(ServerCall<byte[], byte[]> call, Reply r) {
    try {
      if (r.message() != null) {
        call.sendHeaders(new Metadata());
        call.sendMessage(r.message());
      }
      call.close(r.status(), r.trailers());
    } catch (IllegalStateException alreadyClosed) {
      // the caller went away
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
