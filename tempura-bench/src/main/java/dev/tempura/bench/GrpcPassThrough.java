package dev.tempura.bench;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * (f)'s floor for a proxy built on grpc-java: a pass-through that forwards every call's bytes
 * unchanged to one backend and does nothing else: no parsing, no namespace, no routing, no store,
 * no metrics. It is set up as Tempura's transport is (epoll event loops shared by the server and
 * one backend channel per loop, the call on the loop that read it, direct executors), so the
 * difference between the two paths is what Tempura does per call, and the difference between this
 * and nginx is what the JVM, Netty and grpc-java's call layer cost. Run as its own JVM ({@code
 * GrpcPassThrough <port> <backend host:port>}) with Tempura's JVM flags.
 */
final class GrpcPassThrough {
  private GrpcPassThrough() {}

  public static void main(String[] args) throws Exception {
    try (Running r = start(Integer.parseInt(args[0]), args[1])) {
      System.out.println("grpc-java pass-through serving on 127.0.0.1:" + r.server.getPort());
      Runtime.getRuntime().addShutdownHook(new Thread(r::close));
      r.server.awaitTermination();
    }
  }

  /** Serves on {@code 127.0.0.1:port} (0: any free port), forwarding to {@code host:port}. */
  static Running start(int port, String backend) throws java.io.IOException {
    String[] hostPort = backend.split(":");
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    EventLoopGroup boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("pass-accept", true));
    EventLoopGroup workers =
        new EpollEventLoopGroup(threads, new DefaultThreadFactory("pass-io", true));
    List<EventLoop> loops = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    for (EventExecutor e : workers) {
      EventLoop loop = (EventLoop) e;
      loops.add(loop);
      channels.add(
          NettyChannelBuilder.forAddress(hostPort[0], Integer.parseInt(hostPort[1]))
              .eventLoopGroup(loop)
              .channelType(EpollSocketChannel.class)
              .usePlaintext()
              .directExecutor()
              .build());
    }
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
            .directExecutor()
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(EpollServerSocketChannel.class)
            .maxConcurrentCallsPerConnection(100_000)
            .fallbackHandlerRegistry(new Forwarding(loops, channels))
            .build()
            .start();
    return new Running(server, channels, boss, workers);
  }

  /**
   * A serving pass-through; closing stops the server, the channels and the loops, in that order.
   */
  record Running(
      Server server, List<ManagedChannel> channels, EventLoopGroup boss, EventLoopGroup workers)
      implements AutoCloseable {
    int port() {
      return server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
      channels.forEach(ManagedChannel::shutdownNow);
      boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** Every method, bound on first use to a handler that forwards its bytes. */
  private static final class Forwarding extends HandlerRegistry {
    private final List<EventLoop> loops;
    private final List<ManagedChannel> channels;
    private final java.util.concurrent.ConcurrentHashMap<String, ServerMethodDefinition<?, ?>>
        methods = new java.util.concurrent.ConcurrentHashMap<>();

    Forwarding(List<EventLoop> loops, List<ManagedChannel> channels) {
      this.loops = loops;
      this.channels = channels;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String name, String authority) {
      return methods.computeIfAbsent(
          name,
          n -> {
            MethodDescriptor<byte[], byte[]> m =
                MethodDescriptor.newBuilder(BYTES, BYTES)
                    .setFullMethodName(n)
                    .setType(MethodDescriptor.MethodType.UNKNOWN)
                    .build();
            return ServerMethodDefinition.create(m, new Forward(m));
          });
    }

    private ManagedChannel channel() {
      for (int i = 0; i < loops.size(); i++) {
        if (loops.get(i).inEventLoop()) {
          return channels.get(i);
        }
      }
      return channels.get(0);
    }

    private final class Forward implements ServerCallHandler<byte[], byte[]> {
      private final MethodDescriptor<byte[], byte[]> method;

      Forward(MethodDescriptor<byte[], byte[]> method) {
        this.method = method;
      }

      @Override
      public ServerCall.Listener<byte[]> startCall(
          ServerCall<byte[], byte[]> server, Metadata headers) {
        ClientCall<byte[], byte[]> client =
            channel()
                .newCall(method, CallOptions.DEFAULT.withDeadline(Context.current().getDeadline()));
        client.start(
            new ClientCall.Listener<>() {
              @Override
              public void onHeaders(Metadata h) {
                server.sendHeaders(h);
              }

              @Override
              public void onMessage(byte[] message) {
                server.sendMessage(message);
                client.request(1);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                server.close(status, trailers);
              }
            },
            headers);
        client.request(1);
        server.request(1);
        return new ServerCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            client.sendMessage(message);
            server.request(1);
          }

          @Override
          public void onHalfClose() {
            client.halfClose();
          }

          @Override
          public void onCancel() {
            client.cancel("the client cancelled", null);
          }
        };
      }
    }
  }

  /** Tempura's own marshaller: the bytes as they came, drained without a copy. */
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      dev.tempura.proxy.routing.ByteMarshaller.INSTANCE;
}
