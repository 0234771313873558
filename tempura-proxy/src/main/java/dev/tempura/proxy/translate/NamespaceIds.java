package dev.tempura.proxy.translate;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Namespace ids: each physical namespace's own (learned from DescribeNamespace on its backend) and
 * each virtual namespace's, a stable UUID of its name, so that ids in answers name the namespace
 * the client knows, like names do.
 */
public final class NamespaceIds {
  private final ConcurrentHashMap<String, String> byPhysicalId = new ConcurrentHashMap<>();

  /** The id Tempura gives a virtual namespace: stable across replicas and restarts. */
  public static String virtualId(String virtualName) {
    return UUID.nameUUIDFromBytes(("tempura:" + virtualName).getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  /** Records the namespace id a backend reported for a physical namespace. */
  public void learn(String physicalId, String namespaceId) {
    if (namespaceId != null && !namespaceId.isEmpty()) {
      byPhysicalId.put(physicalId, namespaceId);
    }
  }

  /** The backend's id of a physical namespace, or null while unknown. */
  public String of(String physicalId) {
    return byPhysicalId.get(physicalId);
  }
}
