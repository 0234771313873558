package dev.tempura.proxy;

import dev.tempura.proxy.aggregate.AggregationRules;
import dev.tempura.proxy.aggregate.Strategy;
import dev.tempura.proxy.lifecycle.MappingLifecycle;
import dev.tempura.proxy.routing.Aggregation;
import dev.tempura.proxy.routing.LifecycleObserver;
import dev.tempura.proxy.routing.MethodPolicies;
import dev.tempura.proxy.routing.RoutingTable;
import io.grpc.MethodDescriptor;
import java.util.Map;

/**
 * The one method table: the routing rules of {@code routing} with the policies implemented above it
 * (aggregation strategies, lifecycle observers) plugged in, by method descriptor, once. Every
 * per-method difference is then read from the method's {@link
 * dev.tempura.proxy.routing.MethodRoute}.
 */
public final class MethodTable {
  private MethodTable() {}

  /** Builds the table; fails if a method lacks a rule or a policy its kind needs. */
  public static RoutingTable build() {
    Map<MethodDescriptor<?, ?>, Strategy> aggregations = AggregationRules.byMethod();
    Map<MethodDescriptor<?, ?>, LifecycleObserver> observers = MappingLifecycle.observers();
    return RoutingTable.build(
        new MethodPolicies() {
          @Override
          public Aggregation aggregation(MethodDescriptor<?, ?> method) {
            return aggregations.get(method);
          }

          @Override
          public LifecycleObserver lifecycle(MethodDescriptor<?, ?> method) {
            return observers.get(method);
          }
        });
  }
}
