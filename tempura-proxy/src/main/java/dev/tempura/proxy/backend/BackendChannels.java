package dev.tempura.proxy.backend;

import dev.tempura.proxy.security.ApiKeyInterceptor;
import dev.tempura.proxy.security.BackendConfig;
import dev.tempura.proxy.security.TlsReloader;
import dev.tempura.topology.ClusterAddress;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC channel per cluster address, shared by every physical namespace on that cluster and
 * created on first use. A channel multiplexes all calls over HTTP/2 and reconnects by itself.
 *
 * <p>A cluster address with a {@link BackendConfig} gets its TLS (CA, client certificate, server
 * name) and its API key, sent as {@code authorization: Bearer <key>} on every call, replacing the
 * client's; any other address is plaintext and gets the client's headers as they are.
 *
 * <h2>Event-loop affinity</h2>
 *
 * <p>Given the proxy's event loops ({@link IoLoops}, which the gRPC server runs on too), every
 * cluster address gets one channel (one HTTP/2 connection) per event loop, bound to that loop, and
 * {@link #channel} answers the one of the calling thread's loop. A call forwarded from the loop
 * that serves its client then writes to the backend, reads the answer and writes it back to the
 * client all on one thread, without handing anything to another thread: on a 2-core host each such
 * hand-over cost more CPU (the wake-up, a context switch) than the work handed over. Called from
 * any other thread, {@link #channel} answers the first loop's channel.
 */
public final class BackendChannels implements AutoCloseable {
  private record Entry(ManagedChannel managed, Channel channel) {}

  /** One entry per event loop, in the order of {@link IoLoops#loops()}; one entry without loops. */
  private final ConcurrentHashMap<ClusterAddress, List<Entry>> channels = new ConcurrentHashMap<>();

  private final IoLoops loops;
  private final int maxInboundMessageBytes;
  private final Map<String, BackendConfig> configs;

  /** Built up front, so that a bad certificate path fails the start, not the first call. */
  private final Map<String, ChannelCredentials> credentials = new HashMap<>();

  /** Faults a test injects: asking for a channel to one of these addresses throws. */
  private volatile Map<ClusterAddress, RuntimeException> injectedFaults = Map.of();

  /** Plaintext to every backend. */
  public BackendChannels(int maxInboundMessageBytes) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
    this.configs = Map.of();
    this.loops = null;
  }

  /**
   * Per-backend TLS and API keys.
   *
   * @param configs cluster address → how to connect; other addresses are plaintext
   * @param tls follows the certificate files of the configs
   * @throws IllegalArgumentException naming the backend whose certificate files cannot be used
   */
  public BackendChannels(
      int maxInboundMessageBytes, Map<String, BackendConfig> configs, TlsReloader tls) {
    this(maxInboundMessageBytes, configs, tls, null);
  }

  /**
   * As above, with a channel per event loop of {@code loops} (see the class doc); null for one
   * channel per address on gRPC's shared event loops.
   */
  public BackendChannels(
      int maxInboundMessageBytes,
      Map<String, BackendConfig> configs,
      TlsReloader tls,
      IoLoops loops) {
    this.loops = loops;
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

  /** The channel to {@code clusterAddress}: the one of the calling thread's event loop, if any. */
  public Channel channel(ClusterAddress clusterAddress) {
    Map<ClusterAddress, RuntimeException> faults = injectedFaults;
    if (!faults.isEmpty() && faults.containsKey(clusterAddress)) {
      throw faults.get(clusterAddress);
    }
    List<Entry> entries = channels.computeIfAbsent(clusterAddress, this::openAll);
    int i = loops == null ? -1 : loops.indexOfCurrent();
    return entries.get(Math.max(i, 0)).channel();
  }

  /**
   * A test seam: from now on, every request for a channel to {@code address} throws {@code fault}
   * (null: works again), as building a channel from a bad address once did. Tests use it to show
   * that an unexpected exception for one backend stays with that backend.
   */
  public synchronized void injectFaultForTests(ClusterAddress address, RuntimeException fault) {
    Map<ClusterAddress, RuntimeException> next = new HashMap<>(injectedFaults);
    if (fault == null) {
      next.remove(address);
    } else {
      next.put(address, fault);
    }
    injectedFaults = Map.copyOf(next);
  }

  /**
   * For Tempura's own calls about one physical namespace (health, retention, locating, draining,
   * reconciling): they carry the {@code temporal-namespace} header, as an SDK's calls do, which
   * Temporal Cloud and namespace-aware interceptors of a cluster look at.
   */
  public Channel channel(dev.tempura.topology.PhysicalNamespace physical) {
    return io.grpc.ClientInterceptors.intercept(
        channel(physical.clusterAddress()),
        io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(namespaceHeader(physical.name())));
  }

  /**
   * The headers of Tempura's own call about {@code physicalName}: see {@link
   * #channel(dev.tempura.topology.PhysicalNamespace)}.
   */
  public static Metadata namespaceHeader(String physicalName) {
    Metadata headers = new Metadata();
    headers.put(dev.tempura.proxy.translate.Translations.NAMESPACE_HEADER, physicalName);
    return headers;
  }

  /**
   * The event loop of the calling thread if it is one of the proxy's, else null: where to continue
   * a call so that its backend channel is that loop's own.
   */
  public Executor currentLoop() {
    if (loops == null) {
      return null;
    }
    int i = loops.indexOfCurrent();
    return i < 0 ? null : loops.loops().get(i);
  }

  private List<Entry> openAll(ClusterAddress address) {
    if (loops == null) {
      return List.of(open(address, null));
    }
    List<Entry> entries = new ArrayList<>(loops.loops().size());
    for (EventLoop loop : loops.loops()) {
      entries.add(open(address, loop));
    }
    return List.copyOf(entries);
  }

  private Entry open(ClusterAddress address, EventLoop loop) {
    String key = address.toString();
    BackendConfig config = configs.getOrDefault(key, BackendConfig.PLAINTEXT);
    ChannelCredentials creds = credentials.getOrDefault(key, InsecureChannelCredentials.create());
    ManagedChannelBuilder<?> builder;
    // from the parsed parts: the address was checked where it entered, and is not parsed again
    if (loop == null) {
      builder = Grpc.newChannelBuilderForAddress(address.host(), address.port(), creds);
    } else {
      builder =
          NettyChannelBuilder.forAddress(address.host(), address.port(), creds)
              .eventLoopGroup(loop)
              .channelType(loops.clientChannelType());
    }
    if (config.tls() != null && config.tls().serverName() != null) {
      builder.overrideAuthority(config.tls().serverName());
    }
    ManagedChannel managed =
        builder
            .maxInboundMessageSize(maxInboundMessageBytes)
            // callbacks only rewrite bytes and hand them to the server call: never block, so run
            // inline
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
    List<Entry> all = new ArrayList<>();
    channels.values().forEach(all::addAll);
    for (Entry e : all) {
      e.managed().shutdown();
    }
    for (Entry e : all) {
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
