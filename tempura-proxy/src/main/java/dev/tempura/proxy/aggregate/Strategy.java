package dev.tempura.proxy.aggregate;

/** How a namespace-wide or cluster call is answered across physical namespaces. */
public enum Strategy {
  /** Forwarded to the first active physical namespace: reads of state every backend shares. */
  PRIMARY,
  /** Sent to every physical namespace; the first active one's answer is returned. */
  BROADCAST,
  /** Merged in visibility order, paged with a composite token. */
  LIST_ORDERED,
  /** Backends one after another, paged with a composite token. */
  LIST_CONCAT,
  /** Counts summed, groups merged. */
  COUNT,
  DESCRIBE_NAMESPACE,
  LIST_NAMESPACES,
  SYSTEM_INFO,
  SEARCH_ATTRIBUTES,
  DESCRIBE_TASK_QUEUE,
  TASK_QUEUE_PARTITIONS,
  START_BATCH,
  DESCRIBE_BATCH,
  STOP_BATCH,
  /** Namespace registration and changes are refused with FAILED_PRECONDITION. */
  REJECT_NAMESPACE_ADMIN,
  /** Remote cluster administration is refused: it is about clusters, which Tempura hides. */
  REJECT_CLUSTER_ADMIN,
  /** Nexus endpoint administration is refused; see docs/routing.md. */
  REJECT_NEXUS_ENDPOINTS,
  /** OperatorService ListSearchAttributes: the attributes of every backend. */
  LIST_SEARCH_ATTRIBUTES
}
