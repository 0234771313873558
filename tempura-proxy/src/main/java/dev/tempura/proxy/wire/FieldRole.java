package dev.tempura.proxy.wire;

/** What a field holds, for the fields the proxy rewrites. */
public enum FieldRole {
  /** A string naming a namespace: translated between virtual and physical names. */
  NAMESPACE,
  /** The bytes of a task token: wrapped in responses, unwrapped in requests. */
  TASK_TOKEN,
  /** A string holding a namespace id: translated between virtual and physical ids. */
  NAMESPACE_ID
}
