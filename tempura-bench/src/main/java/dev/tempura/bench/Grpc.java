package dev.tempura.bench;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** Plaintext channels as an SDK opens them: one HTTP/2 connection per channel. */
final class Grpc {
  private Grpc() {}

  static ManagedChannel channel(String target) {
    return NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        .maxInboundMessageSize(128 * 1024 * 1024)
        .build();
  }

  /**
   * A channel whose connection comes from {@code 127.0.0.<sourceHost>}: any address of the loopback
   * network works on Linux, so one machine can stand in for many worker hosts.
   */
  static ManagedChannel channelFrom(String target, int sourceHost) {
    java.net.InetSocketAddress local = new java.net.InetSocketAddress("127.0.0." + sourceHost, 0);
    return NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        .localSocketPicker(
            new NettyChannelBuilder.LocalSocketPicker() {
              @Override
              public java.net.SocketAddress createSocketAddress(
                  java.net.SocketAddress remote, io.grpc.Attributes attrs) {
                return local;
              }
            })
        .build();
  }

  static void close(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
