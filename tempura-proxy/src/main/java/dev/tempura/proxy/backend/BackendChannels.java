package dev.tempura.proxy.backend;

import dev.tempura.proxy.security.ApiKeyInterceptor;
import dev.tempura.proxy.security.BackendConfig;
import dev.tempura.proxy.security.TlsReloader;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per cluster address, shared by every physical namespace on that cluster and
 * created on first use. A channel multiplexes all calls over HTTP/2 and reconnects by itself.
 *
 * <p>A cluster address with a {@link BackendConfig} gets its TLS (CA, client certificate, server
 * name) and its API key, sent as {@code authorization: Bearer <key>} on every call, replacing the
 * client's; any other address is plaintext and gets the client's headers as they are.
 */
public final class BackendChannels implements AutoCloseable {
  private record Entry(ManagedChannel managed, Channel channel) {}

  private final ConcurrentHashMap<String, Entry> channels = new ConcurrentHashMap<>();
  private final int maxInboundMessageBytes;
  private final Map<String, BackendConfig> configs;
  /** Built up front, so that a bad certificate path fails the start, not the first call. */
  private final Map<String, ChannelCredentials> credentials = new HashMap<>();

  /** Plaintext to every backend. */
  public BackendChannels(int maxInboundMessageBytes) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
    this.configs = Map.of();
  }

  /**
   * Per-backend TLS and API keys.
   *
   * @param configs cluster address → how to connect; other addresses are plaintext
   * @param tls follows the certificate files of the configs
   * @throws IllegalArgumentException naming the backend whose certificate files cannot be used
   */
  public BackendChannels(int maxInboundMessageBytes, Map<String, BackendConfig> configs, TlsReloader tls) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
    this.configs = Map.copyOf(configs);
    for (Map.Entry<String, BackendConfig> e : this.configs.entrySet()) {
      if (e.getValue().tls() == null) {
        continue;
      }
      try {
        credentials.put(e.getKey(), tls.channelCredentials(e.getValue().tls()));
      } catch (IOException | GeneralSecurityException ex) {
        throw new IllegalArgumentException("backend " + e.getKey() + ": " + ex.getMessage(), ex);
      }
    }
  }

  public Channel channel(String clusterAddress) {
    return channels.computeIfAbsent(clusterAddress, this::open).channel();
  }

  private Entry open(String address) {
    BackendConfig config = configs.getOrDefault(address, BackendConfig.PLAINTEXT);
    ManagedChannelBuilder<?> builder =
        Grpc.newChannelBuilder(
            address, credentials.getOrDefault(address, InsecureChannelCredentials.create()));
    if (config.tls() != null && config.tls().serverName() != null) {
      builder.overrideAuthority(config.tls().serverName());
    }
    ManagedChannel managed =
        builder
            .maxInboundMessageSize(maxInboundMessageBytes)
            // callbacks only rewrite bytes and hand them to the server call: never block, so run inline
            .directExecutor()
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .build();
    Channel channel =
        config.apiKey() == null
            ? managed
            : ClientInterceptors.intercept(managed, new ApiKeyInterceptor(config.apiKey()));
    return new Entry(managed, channel);
  }

  @Override
  public void close() {
    for (Entry e : channels.values()) {
      e.managed().shutdown();
    }
    for (Entry e : channels.values()) {
      ManagedChannel c = e.managed();
      try {
        if (!c.awaitTermination(2, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        c.shutdownNow();
      }
    }
  }
}
