package dev.tempura.admin;

import dev.tempura.topology.PhysicalNamespace;
import java.util.Map;

/**
 * Live facts about a physical namespace that the topology does not hold (its backend's health,
 * say), added to its entry in {@code /namespace/virtual/get} and {@code list}. Values are strings,
 * numbers or booleans. Called on an admin thread; must answer quickly.
 */
@FunctionalInterface
public interface PhysicalDetails {
  PhysicalDetails NONE = (virtualName, physical) -> Map.of();

  Map<String, Object> of(String virtualName, PhysicalNamespace physical);
}
