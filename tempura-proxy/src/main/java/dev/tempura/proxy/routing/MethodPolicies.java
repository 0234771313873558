package dev.tempura.proxy.routing;

import io.grpc.MethodDescriptor;

/**
 * The per-method policies implemented above routing (aggregation, lifecycle), looked up once per
 * method by {@link RoutingTable#build(MethodPolicies)} and carried by its {@link MethodRoute}.
 */
public interface MethodPolicies {
  /** The aggregation of a namespace-wide or cluster method; null for every other method. */
  Aggregation aggregation(MethodDescriptor<?, ?> method);

  /** The lifecycle observer of a method; null when its answers tell nothing. */
  LifecycleObserver lifecycle(MethodDescriptor<?, ?> method);
}
