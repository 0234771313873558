package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

/**
 * A namespace on one Temporal cluster, backing a virtual namespace.
 *
 * <p>Two clusters may each hold a namespace of the same name, so the identity is the pair (name,
 * cluster address); {@link #id()} renders it as one string for mappings and task tokens.
 *
 * <p>{@code existingWorkflows} declares that the namespace held workflows before Tempura served it
 * (an adopted namespace): Tempura then imports their ids into the mapping store, and until that
 * import is done a start for an id with no mapping is first looked for there (docs/placement.md,
 * "Onboarding"). The declaration is a fact about the namespace's past, so it is never withdrawn.
 */
public record PhysicalNamespace(
    String name,
    ClusterAddress clusterAddress,
    PhysicalNamespaceStatus status,
    int weight,
    boolean existingWorkflows) {

  public static final int DEFAULT_WEIGHT = 1;

  public PhysicalNamespace {
    Names.requireNamespaceName("physical_namespace", name);
    requireNonNull(clusterAddress, "clusterAddress");
    requireNonNull(status, "status");
    if (weight < 0) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
    }
  }

  /** One that held no workflows before Tempura served it. */
  public PhysicalNamespace(
      String name, ClusterAddress clusterAddress, PhysicalNamespaceStatus status, int weight) {
    this(name, clusterAddress, status, weight, false);
  }

  /** The stable identity written into mappings and task tokens: {@code name@clusterAddress}. */
  public String id() {
    return name + '@' + clusterAddress;
  }

  /**
   * True when both are the same namespace of the same cluster, whatever their status and weight:
   * host names compare without case, as DNS does.
   */
  public boolean sameNamespace(PhysicalNamespace other) {
    return name.equals(other.name) && clusterAddress.sameCluster(other.clusterAddress);
  }

  public boolean isActive() {
    return status == PhysicalNamespaceStatus.ACTIVE;
  }

  public PhysicalNamespace withStatus(PhysicalNamespaceStatus newStatus) {
    return new PhysicalNamespace(name, clusterAddress, newStatus, weight, existingWorkflows);
  }

  public PhysicalNamespace withWeight(int newWeight) {
    return new PhysicalNamespace(name, clusterAddress, status, newWeight, existingWorkflows);
  }

  /** The same namespace declared to hold workflows from before Tempura. */
  public PhysicalNamespace withExistingWorkflows() {
    return new PhysicalNamespace(name, clusterAddress, status, weight, true);
  }
}
