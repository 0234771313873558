package dev.tempura.proxy.placement;

import dev.tempura.topology.PhysicalNamespace;
import java.util.List;

/**
 * Decides where a NEW workflow goes. It never moves an existing mapping: the caller only asks when
 * an id has none. Implementations must be thread-safe and must not block.
 */
public interface PlacementPolicy {
  /**
   * Picks one of {@code candidates} (non-empty, all active) for {@code id}.
   *
   * @param id the workflow (or other resource) id being placed
   */
  PhysicalNamespace choose(String id, List<PhysicalNamespace> candidates);

  /**
   * True when the choice depends only on the id and the candidates, so that every replica makes the
   * same one. Only such a policy may place workflows while the mapping store is down.
   */
  default boolean isDeterministic() {
    return false;
  }
}
