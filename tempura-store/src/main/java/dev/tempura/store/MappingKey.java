package dev.tempura.store;

import static java.util.Objects.requireNonNull;

/**
 * What a mapping is keyed by. Mappings are per virtual namespace: the same workflow id in two
 * virtual namespaces names two workflows.
 */
public record MappingKey(String virtualNamespace, String workflowId) {
  public MappingKey {
    requireNonNull(virtualNamespace, "virtualNamespace");
    requireNonNull(workflowId, "workflowId");
  }
}
