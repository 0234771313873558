package dev.tempura.proxy.routing;

/**
 * How a namespace-wide or cluster method is answered across physical namespaces. Routing only
 * carries it: the strategies are implemented in {@code aggregate} and plugged into the table
 * through {@link MethodPolicies} when it is built.
 */
public interface Aggregation {
  /**
   * True when the first active physical namespace answers alone, so that the call is forwarded like
   * a single-backend one.
   */
  boolean forwardsToPrimary();
}
