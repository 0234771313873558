package dev.tempura.proxy.backend;

import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per cluster address, shared by every physical namespace on that cluster and
 * created on first use. A channel multiplexes all calls over HTTP/2 and reconnects by itself.
 */
public final class BackendChannels implements AutoCloseable {
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final int maxInboundMessageBytes;

  public BackendChannels(int maxInboundMessageBytes) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
  }

  public Channel channel(String clusterAddress) {
    return channels.computeIfAbsent(clusterAddress, this::open);
  }

  private ManagedChannel open(String address) {
    return Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
        .maxInboundMessageSize(maxInboundMessageBytes)
        // callbacks only rewrite bytes and hand them to the server call: never block, so run inline
        .directExecutor()
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .build();
  }

  @Override
  public void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdown();
    }
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
  }
}
