package dev.tempura.topology;

/**
 * Whether a physical namespace takes new workflows. Both states keep serving the workflows it
 * holds.
 */
public enum PhysicalNamespaceStatus {
  /** Takes new placements. */
  ACTIVE,
  /** Takes no new placements; existing workflows keep running and workers keep polling it. */
  CORDONED
}
