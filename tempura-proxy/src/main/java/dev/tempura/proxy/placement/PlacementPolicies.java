package dev.tempura.proxy.placement;

import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.VirtualNamespace;
import java.util.concurrent.ConcurrentHashMap;

/** The policy instance each virtual namespace's settings name. */
public final class PlacementPolicies {
  private final PlacementPolicy rendezvous;
  private final AdaptivePlacement adaptive;
  private final ConcurrentHashMap<String, RoundRobinPlacement> roundRobin =
      new ConcurrentHashMap<>();

  /**
   * @param rendezvous the default policy (a custom one may stand in for it, as in tests)
   */
  public PlacementPolicies(PlacementPolicy rendezvous, AdaptivePlacement adaptive) {
    this.rendezvous = rendezvous;
    this.adaptive = adaptive;
  }

  public PlacementPolicy of(VirtualNamespace vns) {
    return switch (vns.placement().policy()) {
      case PlacementSettings.ROUND_ROBIN ->
          roundRobin.computeIfAbsent(vns.name(), k -> new RoundRobinPlacement());
      case PlacementSettings.ADAPTIVE -> adaptive;
      default -> rendezvous;
    };
  }

  public AdaptivePlacement adaptive() {
    return adaptive;
  }
}
