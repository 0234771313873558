package dev.tempura.proxy.placement;

import dev.tempura.topology.PhysicalNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each new workflow to the next candidate in turn, weights counting as that many turns. Spreads
 * bursts evenly, but replicas choose independently, so it cannot place while the store is down.
 */
public final class RoundRobinPlacement implements PlacementPolicy {
  private final AtomicLong next = new AtomicLong();

  @Override
  public PhysicalNamespace choose(String id, List<PhysicalNamespace> candidates) {
    List<PhysicalNamespace> turns = new ArrayList<>();
    for (PhysicalNamespace p : candidates) {
      for (int i = 0; i < Math.min(p.weight(), 100); i++) {
        turns.add(p);
      }
    }
    if (turns.isEmpty()) {
      throw new IllegalArgumentException("candidates: none with weight > 0");
    }
    return turns.get((int) Math.floorMod(next.getAndIncrement(), (long) turns.size()));
  }
}
