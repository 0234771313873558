package dev.tempura.proxy.routing;

import dev.tempura.store.MappingKey;

/**
 * The kinds of id a mapping can be keyed by. Workflows, standalone activities, standalone Nexus
 * operations and schedules have independent id spaces in Temporal, so their mappings must not
 * collide.
 */
public enum Keyspace {
  WORKFLOW(""),
  ACTIVITY("/activity"),
  NEXUS_OPERATION("/nexus-operation"),
  SCHEDULE("/schedule"),
  /** Affinity groups: the backend a group's first workflow went to, for the rest to follow. */
  AFFINITY("/affinity");

  // '/' never appears in a Temporal namespace name, so suffixed names cannot collide with real ones
  private final String suffix;

  Keyspace(String suffix) {
    this.suffix = suffix;
  }

  public MappingKey key(String virtualNamespace, String id) {
    return new MappingKey(suffix.isEmpty() ? virtualNamespace : virtualNamespace + suffix, id);
  }
}
