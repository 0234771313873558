package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A namespace clients see, backed by physical namespaces in the order they were added, with the
 * settings of how new workflows are placed among them.
 */
public record VirtualNamespace(
    String name, List<PhysicalNamespace> physicalNamespaces, PlacementSettings placement) {

  public VirtualNamespace {
    Names.requireNamespaceName("virtual_namespace", name);
    physicalNamespaces = List.copyOf(requireNonNull(physicalNamespaces, "physicalNamespaces"));
    requireNonNull(placement, "placement");
  }

  public VirtualNamespace(String name, List<PhysicalNamespace> physicalNamespaces) {
    this(name, physicalNamespaces, PlacementSettings.DEFAULT);
  }

  public static VirtualNamespace empty(String name) {
    return new VirtualNamespace(name, List.of());
  }

  public VirtualNamespace withPlacement(PlacementSettings newPlacement) {
    return new VirtualNamespace(name, physicalNamespaces, newPlacement);
  }

  /** The physical namespaces that take new placements, in the order they were added. */
  public List<PhysicalNamespace> active() {
    List<PhysicalNamespace> active = new ArrayList<>(physicalNamespaces.size());
    for (PhysicalNamespace p : physicalNamespaces) {
      if (p.isActive()) {
        active.add(p);
      }
    }
    return active;
  }

  public Optional<PhysicalNamespace> find(String physicalId) {
    for (PhysicalNamespace p : physicalNamespaces) {
      if (p.id().equals(physicalId)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** Physical namespaces with this name; more than one only when several clusters share it. */
  public List<PhysicalNamespace> findByName(String physicalName) {
    List<PhysicalNamespace> found = new ArrayList<>(1);
    for (PhysicalNamespace p : physicalNamespaces) {
      if (p.name().equals(physicalName)) {
        found.add(p);
      }
    }
    return found;
  }

  /** A copy with {@code updated} replacing the physical namespace of the same id, or appended. */
  public VirtualNamespace with(PhysicalNamespace updated) {
    List<PhysicalNamespace> next = new ArrayList<>(physicalNamespaces.size() + 1);
    boolean replaced = false;
    for (PhysicalNamespace p : physicalNamespaces) {
      if (p.id().equals(updated.id())) {
        next.add(updated);
        replaced = true;
      } else {
        next.add(p);
      }
    }
    if (!replaced) {
      next.add(updated);
    }
    return new VirtualNamespace(name, next, placement);
  }

  public VirtualNamespace without(String physicalId) {
    List<PhysicalNamespace> next = new ArrayList<>(physicalNamespaces);
    next.removeIf(p -> p.id().equals(physicalId));
    return new VirtualNamespace(name, next, placement);
  }
}
