package dev.tempura.proxy.routing;

import io.grpc.MethodDescriptor;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import java.util.HashMap;
import java.util.Map;

/**
 * The explicit routing rule of every OperatorService method. Search attribute calls name a
 * namespace and are answered across its physical namespaces; the rest are cluster-level.
 */
final class OperatorServiceRules {
  private OperatorServiceRules() {}

  static Map<String, WorkflowServiceRules.Rule> byFullMethodName() {
    Map<String, WorkflowServiceRules.Rule> rules = new HashMap<>();
    rule(rules, OperatorServiceGrpc.getAddSearchAttributesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, OperatorServiceGrpc.getRemoveSearchAttributesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, OperatorServiceGrpc.getListSearchAttributesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, OperatorServiceGrpc.getDeleteNamespaceMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, OperatorServiceGrpc.getAddOrUpdateRemoteClusterMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getRemoveRemoteClusterMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getListClustersMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getGetNexusEndpointMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getCreateNexusEndpointMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getUpdateNexusEndpointMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getDeleteNexusEndpointMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, OperatorServiceGrpc.getListNexusEndpointsMethod(), RouteKind.NO_NAMESPACE);
    return rules;
  }

  private static void rule(
      Map<String, WorkflowServiceRules.Rule> rules, MethodDescriptor<?, ?> method, RouteKind kind) {
    rules.put(method.getFullMethodName(), new WorkflowServiceRules.Rule(kind, java.util.List.of()));
  }
}
