package dev.tempura.admin;

import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;

/**
 * Asked before a physical namespace joins a virtual namespace (a new one, or a cordoned one made
 * active again): whether it is consistent with the others, so that the virtual namespace keeps
 * working as one. Called on an admin thread; must answer within a bounded time, and treat what it
 * cannot find out as no reason to refuse.
 */
@FunctionalInterface
public interface AddCheck {
  AddCheck NONE = (virtual, candidate) -> null;

  /**
   * @param virtual the virtual namespace as it is now (the candidate may already be in it,
   *     cordoned)
   * @return null when the add may go on; else one line saying what does not match, for a 409
   */
  String refusal(VirtualNamespace virtual, PhysicalNamespace candidate);
}
