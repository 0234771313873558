package dev.tempura.bench;

import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ChannelDuplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameStream;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2ResetFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamFrame;
import io.grpc.netty.shaded.io.netty.util.ReferenceCountUtil;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * (f)'s floor for a JVM proxy below grpc-java: HTTP/2 frames relayed stream by stream with Netty's
 * frame codec, no gRPC call layer at all (no call objects, no deframing, no executors, no
 * metadata), headers and DATA passed on unchanged. Each client connection is served by the event
 * loop that owns an upstream connection to the backend, so a call never changes threads. This is
 * what the issue calls a frame-level pass-through: measured here, beside the grpc-java pass-through
 * and Tempura, to tell how much of Tempura's cost is grpc-java's call layer. Not a product: no
 * deadlines of its own, no reconnection, no GOAWAY handling. Run as its own JVM ({@code
 * FramePassThrough <port> <backend host:port>}) with Tempura's JVM flags.
 */
final class FramePassThrough {
  private FramePassThrough() {}

  public static void main(String[] args) throws Exception {
    try (Running r = start(Integer.parseInt(args[0]), args[1])) {
      System.out.println("frame pass-through serving on 127.0.0.1:" + r.port());
      Runtime.getRuntime().addShutdownHook(new Thread(r::close));
      r.server.closeFuture().sync();
    }
  }

  /** Serves on {@code 127.0.0.1:port} (0: any free port), relaying to {@code host:port}. */
  static Running start(int port, String backend) throws InterruptedException {
    String[] hostPort = backend.split(":");
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    EventLoopGroup boss =
        new EpollEventLoopGroup(1, new DefaultThreadFactory("frame-accept", true));
    EventLoopGroup workers =
        new EpollEventLoopGroup(threads, new DefaultThreadFactory("frame-io", true));
    Map<EventLoop, Upstream> upstreams = new IdentityHashMap<>();
    List<Channel> upstreamChannels = new ArrayList<>();
    for (EventExecutor e : workers) {
      EventLoop loop = (EventLoop) e;
      Upstream up = new Upstream();
      upstreamChannels.add(
          new Bootstrap()
              .group(loop)
              .channel(EpollSocketChannel.class)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), up);
                    }
                  })
              .connect(hostPort[0], Integer.parseInt(hostPort[1]))
              .sync()
              .channel());
      upstreams.put(loop, up);
    }
    Channel server =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(EpollServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(
                            Http2FrameCodecBuilder.forServer().build(),
                            new ClientSide(upstreams.get(ch.eventLoop())));
                  }
                })
            .bind("127.0.0.1", port)
            .sync()
            .channel();
    return new Running(server, upstreamChannels, boss, workers);
  }

  /** A serving relay; closing stops the listener, the upstream connections and the loops. */
  record Running(
      Channel server, List<Channel> upstreams, EventLoopGroup boss, EventLoopGroup workers)
      implements AutoCloseable {
    int port() {
      return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
      server.close().syncUninterruptibly();
      upstreams.forEach(Channel::close);
      boss.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** A stream of a client connection. */
  private record Peer(ClientSide client, Http2FrameStream stream) {}

  /** The connection to the backend of one event loop; every client side on that loop uses it. */
  private static final class Upstream extends Http2ChannelDuplexHandler {
    private ChannelHandlerContext ctx;
    private final Map<Http2FrameStream, Peer> peers = new HashMap<>();
    private final List<ClientSide> unflushed = new ArrayList<>();
    private boolean written;

    @Override
    protected void handlerAdded0(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    Http2FrameStream open(ClientSide client, Http2FrameStream from) {
      Http2FrameStream s = newStream();
      peers.put(s, new Peer(client, from));
      return s;
    }

    void write(Http2StreamFrame frame) {
      ctx.write(frame);
      written = true;
    }

    void flush() {
      if (written) {
        written = false;
        ctx.flush();
      }
    }

    void forget(Http2FrameStream s) {
      peers.remove(s);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Http2StreamFrame f) || f.stream() == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      Peer p = peers.get(f.stream());
      if (p == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (f instanceof Http2HeadersFrame h) {
        p.client.write(new DefaultHttp2HeadersFrame(h.headers(), h.isEndStream()).stream(p.stream));
        if (h.isEndStream()) {
          peers.remove(f.stream());
        }
      } else if (f instanceof Http2DataFrame d) {
        int bytes = d.initialFlowControlledBytes();
        p.client.write(
            new DefaultHttp2DataFrame(d.content(), d.isEndStream(), d.padding()).stream(p.stream));
        if (bytes > 0) {
          ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(f.stream()));
        }
        if (d.isEndStream()) {
          peers.remove(f.stream());
        }
      } else if (f instanceof Http2ResetFrame r) {
        p.client.write(new DefaultHttp2ResetFrame(r.errorCode()).stream(p.stream));
        peers.remove(f.stream());
      } else {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (!p.client.dirty) {
        p.client.dirty = true;
        unflushed.add(p.client);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      for (ClientSide c : unflushed) {
        c.dirty = false;
        c.ctx.flush();
      }
      unflushed.clear();
      ctx.flush();
    }
  }

  /** One client connection: its streams, each relayed to a stream of the loop's upstream. */
  private static final class ClientSide extends ChannelInboundHandlerAdapter {
    private final Upstream up;
    private final Map<Http2FrameStream, Http2FrameStream> out = new HashMap<>();
    private ChannelHandlerContext ctx;
    private boolean dirty;

    ClientSide(Upstream up) {
      this.up = up;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      this.ctx = ctx;
    }

    void write(Http2StreamFrame frame) {
      ctx.write(frame);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof Http2StreamFrame f) || f.stream() == null) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (f instanceof Http2HeadersFrame h) {
        Http2FrameStream s = out.get(f.stream());
        if (s == null) {
          s = up.open(this, f.stream());
          out.put(f.stream(), s);
        }
        up.write(new DefaultHttp2HeadersFrame(h.headers(), h.isEndStream()).stream(s));
        if (h.isEndStream()) {
          out.remove(f.stream());
        }
      } else if (f instanceof Http2DataFrame d) {
        Http2FrameStream s = out.get(f.stream());
        int bytes = d.initialFlowControlledBytes();
        if (s == null) {
          d.release();
        } else {
          up.write(new DefaultHttp2DataFrame(d.content(), d.isEndStream(), d.padding()).stream(s));
          if (d.isEndStream()) {
            out.remove(f.stream());
          }
        }
        if (bytes > 0) {
          ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(f.stream()));
        }
      } else if (f instanceof Http2ResetFrame r) {
        Http2FrameStream s = out.remove(f.stream());
        if (s != null) {
          up.write(new DefaultHttp2ResetFrame(r.errorCode()).stream(s));
          up.forget(s);
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      up.flush();
      ctx.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      for (Http2FrameStream s : out.values()) {
        up.write(new DefaultHttp2ResetFrame(Http2Error.CANCEL).stream(s));
        up.forget(s);
      }
      out.clear();
      up.flush();
    }
  }
}
