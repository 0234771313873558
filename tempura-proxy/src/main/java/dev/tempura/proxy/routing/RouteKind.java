package dev.tempura.proxy.routing;

/** How the proxy picks the backend of a call. Every WorkflowService method has exactly one. */
public enum RouteKind {
  /** Creates a workflow (or another keyed resource): place it if new, else follow its mapping. */
  PLACE_NEW,
  /** Concerns one existing workflow (or keyed resource): follow its mapping. */
  BY_ID,
  /** Carries a task token: go back to the backend that issued it. */
  BY_TASK_TOKEN,
  /** A worker's long poll: fan out to every physical namespace of the virtual namespace. */
  POLL,
  /** Concerns the whole namespace: answered across its physical namespaces. */
  NAMESPACE_WIDE,
  /** Names no namespace (cluster and system information). */
  NO_NAMESPACE
}
