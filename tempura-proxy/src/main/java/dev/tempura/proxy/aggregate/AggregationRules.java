package dev.tempura.proxy.aggregate;

import io.grpc.MethodDescriptor;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The strategy of every namespace-wide and cluster method (see docs/routing.md for why each). Reads
 * of state that every backend shares (versioning rules, deployments, workflow rules, workers, which
 * poll every backend) come from the first active physical namespace, where a scatter would count
 * them once per backend; writes of that state are broadcast.
 */
public final class AggregationRules {
  private AggregationRules() {}

  /** The strategy of every namespace-wide and cluster method, keyed by its descriptor. */
  public static Map<MethodDescriptor<?, ?>, Strategy> byMethod() {
    Map<MethodDescriptor<?, ?>, Strategy> s = new IdentityHashMap<>();
    put(s, WorkflowServiceGrpc.getRegisterNamespaceMethod(), Strategy.REJECT_NAMESPACE_ADMIN);
    put(s, WorkflowServiceGrpc.getUpdateNamespaceMethod(), Strategy.REJECT_NAMESPACE_ADMIN);
    put(s, WorkflowServiceGrpc.getDeprecateNamespaceMethod(), Strategy.REJECT_NAMESPACE_ADMIN);
    put(s, WorkflowServiceGrpc.getDescribeNamespaceMethod(), Strategy.DESCRIBE_NAMESPACE);
    put(s, WorkflowServiceGrpc.getListNamespacesMethod(), Strategy.LIST_NAMESPACES);
    put(s, WorkflowServiceGrpc.getGetSystemInfoMethod(), Strategy.SYSTEM_INFO);
    put(s, WorkflowServiceGrpc.getGetSearchAttributesMethod(), Strategy.SEARCH_ATTRIBUTES);
    put(s, WorkflowServiceGrpc.getGetClusterInfoMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getGetWorkerBuildIdCompatibilityMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getGetWorkerVersioningRulesMethod(), Strategy.PRIMARY);
    put(
        s,
        WorkflowServiceGrpc.getGetWorkerTaskReachabilityMethod(),
        Strategy.WORKER_TASK_REACHABILITY);
    put(s, WorkflowServiceGrpc.getListWorkersMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getCountWorkersMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getListWorkerDeploymentsMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getListDeploymentsMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getListWorkflowRulesMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getDescribeDeploymentMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getDescribeWorkerDeploymentMethod(), Strategy.PRIMARY);
    put(
        s,
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        Strategy.DEPLOYMENT_VERSION);
    put(s, WorkflowServiceGrpc.getGetCurrentDeploymentMethod(), Strategy.PRIMARY);
    put(
        s,
        WorkflowServiceGrpc.getGetDeploymentReachabilityMethod(),
        Strategy.DEPLOYMENT_REACHABILITY);
    put(
        s,
        WorkflowServiceGrpc.getValidateWorkerDeploymentVersionComputeConfigMethod(),
        Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getDescribeWorkflowRuleMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getFetchWorkerConfigMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getDescribeWorkerMethod(), Strategy.PRIMARY);
    put(s, WorkflowServiceGrpc.getUpdateWorkerBuildIdCompatibilityMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getUpdateWorkerVersioningRulesMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getUpdateTaskQueueConfigMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getShutdownWorkerMethod(), Strategy.BEST_EFFORT_BROADCAST);
    put(s, WorkflowServiceGrpc.getCreateWorkerDeploymentMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getCreateWorkerDeploymentVersionMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getDeleteWorkerDeploymentMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getDeleteWorkerDeploymentVersionMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getSetCurrentDeploymentMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getSetWorkerDeploymentCurrentVersionMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getSetWorkerDeploymentManagerMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getSetWorkerDeploymentRampingVersionMethod(), Strategy.BROADCAST);
    put(
        s,
        WorkflowServiceGrpc.getUpdateWorkerDeploymentVersionComputeConfigMethod(),
        Strategy.BROADCAST);
    put(
        s,
        WorkflowServiceGrpc.getUpdateWorkerDeploymentVersionMetadataMethod(),
        Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getCreateWorkflowRuleMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getDeleteWorkflowRuleMethod(), Strategy.BROADCAST);
    put(s, WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod(), Strategy.BEST_EFFORT_BROADCAST);
    put(s, WorkflowServiceGrpc.getUpdateWorkerConfigMethod(), Strategy.BROADCAST);
    put(
        s,
        WorkflowServiceGrpc.getListWorkflowExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "page_size", true)));
    put(
        s,
        WorkflowServiceGrpc.getListArchivedWorkflowExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "page_size", true)));
    put(
        s,
        WorkflowServiceGrpc.getListOpenWorkflowExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "maximum_page_size", true)));
    put(
        s,
        WorkflowServiceGrpc.getListClosedWorkflowExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "maximum_page_size", true)));
    put(
        s,
        WorkflowServiceGrpc.getScanWorkflowExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "page_size", false)));
    put(
        s,
        WorkflowServiceGrpc.getListSchedulesMethod(),
        Strategy.list(new ListMerger.Spec(List.of("schedules"), "maximum_page_size", false)));
    put(
        s,
        WorkflowServiceGrpc.getListBatchOperationsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("operation_info"), "page_size", false)));
    put(
        s,
        WorkflowServiceGrpc.getListActivityExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("executions"), "page_size", false)));
    put(
        s,
        WorkflowServiceGrpc.getListNexusOperationExecutionsMethod(),
        Strategy.list(new ListMerger.Spec(List.of("operations"), "page_size", false)));
    put(s, WorkflowServiceGrpc.getCountWorkflowExecutionsMethod(), Strategy.COUNT);
    put(s, WorkflowServiceGrpc.getCountSchedulesMethod(), Strategy.COUNT);
    put(s, WorkflowServiceGrpc.getCountActivityExecutionsMethod(), Strategy.COUNT);
    put(s, WorkflowServiceGrpc.getCountNexusOperationExecutionsMethod(), Strategy.COUNT);
    put(s, WorkflowServiceGrpc.getDescribeTaskQueueMethod(), Strategy.DESCRIBE_TASK_QUEUE);
    put(s, WorkflowServiceGrpc.getListTaskQueuePartitionsMethod(), Strategy.TASK_QUEUE_PARTITIONS);
    put(s, WorkflowServiceGrpc.getStartBatchOperationMethod(), Strategy.START_BATCH);
    put(s, WorkflowServiceGrpc.getDescribeBatchOperationMethod(), Strategy.DESCRIBE_BATCH);
    put(s, WorkflowServiceGrpc.getStopBatchOperationMethod(), Strategy.STOP_BATCH);
    put(s, OperatorServiceGrpc.getAddSearchAttributesMethod(), Strategy.BROADCAST);
    put(s, OperatorServiceGrpc.getRemoveSearchAttributesMethod(), Strategy.BROADCAST);
    put(s, OperatorServiceGrpc.getListSearchAttributesMethod(), Strategy.LIST_SEARCH_ATTRIBUTES);
    put(s, OperatorServiceGrpc.getDeleteNamespaceMethod(), Strategy.REJECT_NAMESPACE_ADMIN);
    put(s, OperatorServiceGrpc.getAddOrUpdateRemoteClusterMethod(), Strategy.REJECT_CLUSTER_ADMIN);
    put(s, OperatorServiceGrpc.getRemoveRemoteClusterMethod(), Strategy.REJECT_CLUSTER_ADMIN);
    put(s, OperatorServiceGrpc.getListClustersMethod(), Strategy.PRIMARY);
    put(s, OperatorServiceGrpc.getGetNexusEndpointMethod(), Strategy.NEXUS_ENDPOINT_GET);
    put(s, OperatorServiceGrpc.getCreateNexusEndpointMethod(), Strategy.NEXUS_ENDPOINT_CREATE);
    put(s, OperatorServiceGrpc.getUpdateNexusEndpointMethod(), Strategy.NEXUS_ENDPOINT_UPDATE);
    put(s, OperatorServiceGrpc.getDeleteNexusEndpointMethod(), Strategy.NEXUS_ENDPOINT_DELETE);
    put(s, OperatorServiceGrpc.getListNexusEndpointsMethod(), Strategy.NEXUS_ENDPOINT_LIST);
    return s;
  }

  private static void put(
      Map<MethodDescriptor<?, ?>, Strategy> s, MethodDescriptor<?, ?> m, Strategy strategy) {
    if (s.put(m, strategy) != null) {
      throw new IllegalStateException("two strategies for " + m.getFullMethodName());
    }
  }
}
