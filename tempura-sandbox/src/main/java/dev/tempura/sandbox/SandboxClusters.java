package dev.tempura.sandbox;

import dev.tempura.local.TemporalClusters;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * In-memory Temporal servers ({@link TemporalClusters}), each standing in for one cluster with a
 * fixed capacity: a {@link CapacityLimiter} in front of each emulates the shard-lock contention of
 * a cluster whose history shard count cannot grow. The servers accept any namespace name without
 * registration, so {@code namespace-a} exists as soon as it is used.
 */
final class SandboxClusters implements AutoCloseable {
  private final TemporalClusters servers;
  private final List<CapacityLimiter> limiters = new ArrayList<>();

  private SandboxClusters(TemporalClusters servers) {
    this.servers = servers;
  }

  /**
   * @param shards how many state-changing calls each cluster serves at once
   * @param serviceTime how long each of them takes
   * @param startServiceTime how long a start takes
   */
  static SandboxClusters start(
      int count, int shards, Duration serviceTime, Duration startServiceTime) throws IOException {
    SandboxClusters clusters = new SandboxClusters(TemporalClusters.start(count));
    try {
      for (int i = 0; i < count; i++) {
        clusters.limiters.add(
            CapacityLimiter.start(
                clusters.servers.address(i), shards, serviceTime, startServiceTime));
      }
    } catch (IOException | RuntimeException e) {
      clusters.close();
      throw e;
    }
    return clusters;
  }

  /** {@code 127.0.0.1:port} of cluster {@code i} as clients see it: its capacity limiter. */
  String address(int i) {
    return limiters.get(i).address();
  }

  /** {@code 127.0.0.1:port} of cluster {@code i}'s server itself, bypassing the limiter. */
  String serverAddress(int i) {
    return servers.address(i);
  }

  CapacityLimiter limiter(int i) {
    return limiters.get(i);
  }

  @Override
  public void close() {
    for (CapacityLimiter l : limiters) {
      l.close();
    }
    servers.close();
  }
}
