package dev.tempura.proxy.placement;

import dev.tempura.topology.PhysicalNamespace;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Weighted rendezvous (highest random weight) hashing: each candidate scores {@code -weight /
 * ln(u)} where {@code u} in (0, 1) is a hash of (id, candidate); the highest score wins.
 *
 * <p>Every replica computes the same choice for the same id and topology with no coordination,
 * shares follow the weights, and adding a candidate only takes ids from the others in proportion
 * (it never shuffles ids among the existing ones).
 */
public final class RendezvousPlacement implements PlacementPolicy {

  @Override
  public boolean isDeterministic() {
    return true;
  }

  @Override
  public PhysicalNamespace choose(String id, List<PhysicalNamespace> candidates) {
    return choose(id, candidates, PhysicalNamespace::weight);
  }

  /** As {@link #choose(String, List)}, with weights from {@code weight} instead of the topology. */
  static PhysicalNamespace choose(
      String id,
      List<PhysicalNamespace> candidates,
      java.util.function.ToDoubleFunction<PhysicalNamespace> weight) {
    long idHash = hash(id.getBytes(StandardCharsets.UTF_8), 0x9E3779B97F4A7C15L);
    PhysicalNamespace best = null;
    double bestScore = Double.NEGATIVE_INFINITY;
    for (PhysicalNamespace p : candidates) {
      double w = weight.applyAsDouble(p);
      if (w <= 0) {
        continue;
      }
      long h = mix(idHash ^ hash(p.id().getBytes(StandardCharsets.UTF_8), 0xC2B2AE3D27D4EB4FL));
      // 53 random bits mapped into (0, 1): never 0, so the log is finite
      double u = ((h >>> 11) + 0.5) / (1L << 53);
      double score = -w / Math.log(u);
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    if (best == null) {
      throw new IllegalArgumentException("candidates: none with weight > 0");
    }
    return best;
  }

  /** FNV-1a over the bytes, seeded, then a strong finaliser. */
  private static long hash(byte[] bytes, long seed) {
    long h = 0xcbf29ce484222325L ^ seed;
    for (byte b : bytes) {
      h ^= b & 0xFF;
      h *= 0x100000001b3L;
    }
    return mix(h);
  }

  /** The SplitMix64 finaliser: spreads every input bit over every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
