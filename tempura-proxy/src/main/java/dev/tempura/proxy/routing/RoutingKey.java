package dev.tempura.proxy.routing;

import dev.tempura.store.MappingKey;

/** The id a call is routed by, with the keyspace it belongs to. */
public record RoutingKey(Keyspace keyspace, String id) {
  public MappingKey mappingKey(String virtualName) {
    return keyspace.key(virtualName, id);
  }

  /** The id when it names a workflow, else null. */
  public String workflowId() {
    return keyspace == Keyspace.WORKFLOW ? id : null;
  }
}
