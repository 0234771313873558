package dev.tempura.proxy.placement;

import dev.tempura.topology.PhysicalNamespace;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Weighted rendezvous hashing whose weights follow each backend's health: a backend whose Start p95
 * passes the SLO gets its weight scaled by (SLO / p95)² (at least {@link #MIN_FACTOR}), and one
 * with failing calls by the share of calls that succeed. Squared, so that a backend at four times
 * the SLO gets about 6 % of an equal partner's share rather than 20 %: load must leave a slow
 * backend decisively for its latency to recover.
 *
 * <p>To shift load without oscillating, a factor drops at once to its target but rises by at most
 * {@link #RECOVERY_PER_SECOND} a second: when a backend recovers, its share returns over seconds,
 * and a backend that slows down again under returning load is caught before it has taken much.
 */
public final class AdaptivePlacement implements PlacementPolicy {
  static final double MIN_FACTOR = 0.05;
  static final double RECOVERY_PER_SECOND = 0.1;
  private static final double ERROR_RATE_THRESHOLD = 0.05;

  private final BackendStats stats;
  private final long sloNanos;
  private final ConcurrentHashMap<String, Factor> factors = new ConcurrentHashMap<>();

  private static final class Factor {
    double value = 1;
    long updatedNanos = System.nanoTime();
  }

  public AdaptivePlacement(BackendStats stats, Duration startLatencySlo) {
    this.stats = stats;
    this.sloNanos = startLatencySlo.toNanos();
  }

  @Override
  public PhysicalNamespace choose(String id, List<PhysicalNamespace> candidates) {
    return RendezvousPlacement.choose(id, candidates, p -> p.weight() * factor(p));
  }

  /** The current weight factor of a backend, in [MIN_FACTOR, 1]; refreshed as it is read. */
  public double factor(PhysicalNamespace p) {
    Factor f = factors.computeIfAbsent(p.id(), k -> new Factor());
    synchronized (f) {
      long now = System.nanoTime();
      double target = target(p.id());
      if (target < f.value) {
        f.value = target;
      } else {
        double seconds = (now - f.updatedNanos) / 1e9;
        f.value = Math.min(target, f.value + RECOVERY_PER_SECOND * seconds);
      }
      f.updatedNanos = now;
      return f.value;
    }
  }

  private double target(String physicalId) {
    double target = 1;
    long p95 = stats.startP95(physicalId);
    if (p95 > sloNanos) {
      double ratio = (double) sloNanos / p95;
      target = ratio * ratio;
    }
    double errors = stats.errorRate(physicalId);
    if (errors > ERROR_RATE_THRESHOLD) {
      target = Math.min(target, 1 - errors);
    }
    return Math.max(MIN_FACTOR, target);
  }
}
