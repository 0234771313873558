package dev.tempura.proxy.backend;

import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The proxy's Netty event loops, shared by the gRPC server (its connections from clients) and the
 * backend channels (one per loop and cluster, see {@link BackendChannels}): epoll where available,
 * else NIO. One loop per core (at least two): with handlers that never block, the loops are where
 * the work is.
 */
public final class IoLoops implements AutoCloseable {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final List<EventLoop> loops;
  private final boolean epoll;

  private IoLoops(int threads) {
    this.epoll = Epoll.isAvailable();
    this.boss =
        epoll
            ? new EpollEventLoopGroup(1, new DefaultThreadFactory("tempura-accept", true))
            : new NioEventLoopGroup(1, new DefaultThreadFactory("tempura-accept", true));
    this.workers =
        epoll
            ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("tempura-io", true))
            : new NioEventLoopGroup(threads, new DefaultThreadFactory("tempura-io", true));
    List<EventLoop> all = new ArrayList<>(threads);
    for (EventExecutor e : workers) {
      all.add((EventLoop) e);
    }
    this.loops = List.copyOf(all);
  }

  /** One loop per available processor, at least two. */
  public static IoLoops create() {
    return new IoLoops(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  public EventLoopGroup boss() {
    return boss;
  }

  public EventLoopGroup workers() {
    return workers;
  }

  List<EventLoop> loops() {
    return loops;
  }

  public Class<? extends ServerChannel> serverChannelType() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  Class<? extends io.grpc.netty.shaded.io.netty.channel.Channel> clientChannelType() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /** The index of the calling thread's loop, or -1 when it is not one of them. */
  int indexOfCurrent() {
    for (int i = 0; i < loops.size(); i++) {
      if (loops.get(i).inEventLoop()) {
        return i;
      }
    }
    return -1;
  }

  /** Stops the loops; call after the server and the backend channels have stopped. */
  @Override
  public void close() {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
