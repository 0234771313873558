package dev.tempura.proxy.call;

import dev.tempura.store.MappingKey;
import dev.tempura.topology.PhysicalNamespace;

/**
 * Where a call goes, and what it concerns.
 *
 * @param key the mapping the call follows or created, or null (namespace-wide calls, no id)
 * @param workflowId the workflow whose task tokens the answer may carry, or null
 * @param unrecorded a placement the store could not record: the mapping is kept for later once the
 *     backend acknowledges the workflow
 */
public record Target(
    PhysicalNamespace physical, MappingKey key, String workflowId, boolean unrecorded) {
  public Target(PhysicalNamespace physical, MappingKey key, String workflowId) {
    this(physical, key, workflowId, false);
  }

  public static Target of(PhysicalNamespace physical) {
    return new Target(physical, null, null);
  }
}
