package dev.tempura.proxy.wire;

/** What a field holds, for the fields the proxy rewrites. */
public enum FieldRole {
  /** A string naming a namespace: translated between virtual and physical names. */
  NAMESPACE,
  /** The bytes of a task token: wrapped in responses, unwrapped in requests. */
  TASK_TOKEN,
  /** A string holding a namespace id: translated between virtual and physical ids. */
  NAMESPACE_ID,
  /**
   * A Nexus link's URL ({@code temporal:///namespaces/<name>/...}): the namespace in its path is
   * translated like a {@link #NAMESPACE} field, since SDKs turn these links into workflow links.
   */
  NEXUS_LINK_URL
}
