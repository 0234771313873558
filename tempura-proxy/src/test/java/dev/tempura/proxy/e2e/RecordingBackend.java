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
            holdPoll(call, ctx);
            return;
          }
          Reply r = replies.getOrDefault(method, req -> Reply.of(new byte[0])).apply(message);
          answer(call, r);
        }
      };
    };
  }

  private void holdPoll(ServerCall<byte[], byte[]> call, Context ctx) {
    String method = call.getMethodDescriptor().getFullMethodName();
    Thread t =
        new Thread(
            () -> {
              try {
                while (!ctx.isCancelled()) {
                  byte[] task = queue(method).poll(20, java.util.concurrent.TimeUnit.MILLISECONDS);
                  if (task != null) {
                    answer(call, Reply.of(task));
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
