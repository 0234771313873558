package dev.tempura.proxy.routing;

import static dev.tempura.proxy.routing.Keyspace.ACTIVITY;
import static dev.tempura.proxy.routing.Keyspace.NEXUS_OPERATION;
import static dev.tempura.proxy.routing.Keyspace.SCHEDULE;
import static dev.tempura.proxy.routing.Keyspace.WORKFLOW;

import io.grpc.MethodDescriptor;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The explicit routing rule of every WorkflowService method, grouped as in docs/routing.md. A
 * method missing here is a build failure (RoutingCoverageTest), never a silent default.
 */
final class WorkflowServiceRules {
  /**
   * How to route one method: its kind and, for keyed kinds, which ids to try in order; for polls,
   * the task queue they read; whether the children the request starts are recorded first.
   */
  record Rule(
      RouteKind kind,
      List<Keyspace> keyspaces,
      PollKind poll,
      boolean recordsChildren,
      List<String> splitRates) {
    Rule(RouteKind kind, List<Keyspace> keyspaces) {
      this(kind, keyspaces, null, false);
    }

    Rule(RouteKind kind, List<Keyspace> keyspaces, PollKind poll, boolean recordsChildren) {
      this(kind, keyspaces, poll, recordsChildren, List.of());
    }
  }

  /**
   * Rate limits that every backend applies on its own: N backends would allow N times the limit, so
   * each gets limit / N (see {@link MethodRoute#splitRates}). Float or double fields, dotted paths.
   */
  private static final List<String> TASK_QUEUE_CONFIG_RATES =
      List.of(
          "update_queue_rate_limit.rate_limit.requests_per_second",
          "update_fairness_key_rate_limit_default.rate_limit.requests_per_second");

  private static final List<String> POLL_ACTIVITY_RATES =
      List.of("task_queue_metadata.max_tasks_per_second.value");

  private WorkflowServiceRules() {}

  static Map<String, Rule> byFullMethodName() {
    Map<String, Rule> rules = new HashMap<>();
    // A: cluster and system information
    rule(rules, WorkflowServiceGrpc.getGetClusterInfoMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, WorkflowServiceGrpc.getGetSearchAttributesMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, WorkflowServiceGrpc.getGetSystemInfoMethod(), RouteKind.NO_NAMESPACE);
    rule(rules, WorkflowServiceGrpc.getListNamespacesMethod(), RouteKind.NO_NAMESPACE);
    // B, G, H, J, K, L, M: namespace administration, task queues, visibility, batch, deployments,
    // rules, worker heartbeats
    rule(rules, WorkflowServiceGrpc.getDeprecateNamespaceMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeNamespaceMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getRegisterNamespaceMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getUpdateNamespaceMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeTaskQueueMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getGetWorkerBuildIdCompatibilityMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getGetWorkerTaskReachabilityMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getGetWorkerVersioningRulesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListTaskQueuePartitionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getShutdownWorkerMethod(), RouteKind.NAMESPACE_WIDE);
    put(
        rules,
        WorkflowServiceGrpc.getUpdateTaskQueueConfigMethod(),
        new Rule(RouteKind.NAMESPACE_WIDE, List.of(), null, false, TASK_QUEUE_CONFIG_RATES));
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateWorkerBuildIdCompatibilityMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateWorkerVersioningRulesMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCountActivityExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getCountNexusOperationExecutionsMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCountSchedulesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCountWorkersMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCountWorkflowExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListActivityExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getListArchivedWorkflowExecutionsMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListBatchOperationsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getListClosedWorkflowExecutionsMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListDeploymentsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getListNexusOperationExecutionsMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules, WorkflowServiceGrpc.getListOpenWorkflowExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListSchedulesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListWorkerDeploymentsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListWorkersMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListWorkflowExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getListWorkflowRulesMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getScanWorkflowExecutionsMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeBatchOperationMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getStartBatchOperationMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getStopBatchOperationMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCreateWorkerDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getCreateWorkerDeploymentVersionMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDeleteWorkerDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getDeleteWorkerDeploymentVersionMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeWorkerDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getGetCurrentDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getGetDeploymentReachabilityMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getSetCurrentDeploymentMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getSetWorkerDeploymentCurrentVersionMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules, WorkflowServiceGrpc.getSetWorkerDeploymentManagerMethod(), RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getSetWorkerDeploymentRampingVersionMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateWorkerDeploymentVersionComputeConfigMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateWorkerDeploymentVersionMetadataMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(
        rules,
        WorkflowServiceGrpc.getValidateWorkerDeploymentVersionComputeConfigMethod(),
        RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getCreateWorkflowRuleMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDeleteWorkflowRuleMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeWorkflowRuleMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getDescribeWorkerMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getFetchWorkerConfigMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getRecordWorkerHeartbeatMethod(), RouteKind.NAMESPACE_WIDE);
    rule(rules, WorkflowServiceGrpc.getUpdateWorkerConfigMethod(), RouteKind.NAMESPACE_WIDE);
    // C: create a workflow
    rule(
        rules, WorkflowServiceGrpc.getExecuteMultiOperationMethod(), RouteKind.PLACE_NEW, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getSignalWithStartWorkflowExecutionMethod(),
        RouteKind.PLACE_NEW,
        WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
        RouteKind.PLACE_NEW,
        WORKFLOW);
    // N: create a standalone activity
    rule(
        rules,
        WorkflowServiceGrpc.getStartActivityExecutionMethod(),
        RouteKind.PLACE_NEW,
        ACTIVITY);
    // O: create a standalone Nexus operation
    rule(
        rules,
        WorkflowServiceGrpc.getStartNexusOperationExecutionMethod(),
        RouteKind.PLACE_NEW,
        NEXUS_OPERATION);
    // I: schedules, by schedule id
    rule(rules, WorkflowServiceGrpc.getCreateScheduleMethod(), RouteKind.PLACE_NEW, SCHEDULE);
    rule(rules, WorkflowServiceGrpc.getDeleteScheduleMethod(), RouteKind.BY_ID, SCHEDULE);
    rule(rules, WorkflowServiceGrpc.getDescribeScheduleMethod(), RouteKind.BY_ID, SCHEDULE);
    rule(
        rules, WorkflowServiceGrpc.getListScheduleMatchingTimesMethod(), RouteKind.BY_ID, SCHEDULE);
    rule(rules, WorkflowServiceGrpc.getPatchScheduleMethod(), RouteKind.BY_ID, SCHEDULE);
    rule(rules, WorkflowServiceGrpc.getUpdateScheduleMethod(), RouteKind.BY_ID, SCHEDULE);
    // D: one workflow, by its id
    rule(rules, WorkflowServiceGrpc.getDeleteWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules, WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getGetWorkflowExecutionHistoryReverseMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getPauseActivityMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getPauseWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getPollWorkflowExecutionUpdateMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getQueryWorkflowMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getRequestCancelWorkflowExecutionMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getResetActivityMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getResetStickyTaskQueueMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getResetWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getTerminateWorkflowExecutionMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getTriggerWorkflowRuleMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getUnpauseActivityMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getUnpauseWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getUpdateActivityOptionsMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(rules, WorkflowServiceGrpc.getUpdateWorkflowExecutionMethod(), RouteKind.BY_ID, WORKFLOW);
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateWorkflowExecutionOptionsMethod(),
        RouteKind.BY_ID,
        WORKFLOW);
    // D/N: an activity of a workflow, or a standalone one when workflow_id is empty (Temporal's
    // frontend reads an empty workflow_id as "standalone" for these four); see docs/routing.md
    rule(
        rules,
        WorkflowServiceGrpc.getRecordActivityTaskHeartbeatByIdMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getRespondActivityTaskCanceledByIdMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getRespondActivityTaskCompletedByIdMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getRespondActivityTaskFailedByIdMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    // D/N: an activity of a workflow (workflow_id) or a standalone one (activity_id)
    rule(
        rules,
        WorkflowServiceGrpc.getPauseActivityExecutionMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getResetActivityExecutionMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getUnpauseActivityExecutionMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getUpdateActivityExecutionOptionsMethod(),
        RouteKind.BY_ID,
        WORKFLOW,
        ACTIVITY);
    // N: one standalone activity, by its id
    rule(rules, WorkflowServiceGrpc.getDeleteActivityExecutionMethod(), RouteKind.BY_ID, ACTIVITY);
    rule(
        rules, WorkflowServiceGrpc.getDescribeActivityExecutionMethod(), RouteKind.BY_ID, ACTIVITY);
    rule(rules, WorkflowServiceGrpc.getPollActivityExecutionMethod(), RouteKind.BY_ID, ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getRequestCancelActivityExecutionMethod(),
        RouteKind.BY_ID,
        ACTIVITY);
    rule(
        rules,
        WorkflowServiceGrpc.getTerminateActivityExecutionMethod(),
        RouteKind.BY_ID,
        ACTIVITY);
    // O: one standalone Nexus operation, by its id
    rule(
        rules,
        WorkflowServiceGrpc.getDeleteNexusOperationExecutionMethod(),
        RouteKind.BY_ID,
        NEXUS_OPERATION);
    rule(
        rules,
        WorkflowServiceGrpc.getDescribeNexusOperationExecutionMethod(),
        RouteKind.BY_ID,
        NEXUS_OPERATION);
    rule(
        rules,
        WorkflowServiceGrpc.getPollNexusOperationExecutionMethod(),
        RouteKind.BY_ID,
        NEXUS_OPERATION);
    rule(
        rules,
        WorkflowServiceGrpc.getRequestCancelNexusOperationExecutionMethod(),
        RouteKind.BY_ID,
        NEXUS_OPERATION);
    rule(
        rules,
        WorkflowServiceGrpc.getTerminateNexusOperationExecutionMethod(),
        RouteKind.BY_ID,
        NEXUS_OPERATION);
    // E: task completions, by task token
    rule(
        rules, WorkflowServiceGrpc.getRecordActivityTaskHeartbeatMethod(), RouteKind.BY_TASK_TOKEN);
    rule(
        rules, WorkflowServiceGrpc.getRespondActivityTaskCanceledMethod(), RouteKind.BY_TASK_TOKEN);
    rule(
        rules,
        WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod(),
        RouteKind.BY_TASK_TOKEN);
    rule(rules, WorkflowServiceGrpc.getRespondActivityTaskFailedMethod(), RouteKind.BY_TASK_TOKEN);
    rule(rules, WorkflowServiceGrpc.getRespondNexusTaskCompletedMethod(), RouteKind.BY_TASK_TOKEN);
    rule(rules, WorkflowServiceGrpc.getRespondNexusTaskFailedMethod(), RouteKind.BY_TASK_TOKEN);
    rule(rules, WorkflowServiceGrpc.getRespondQueryTaskCompletedMethod(), RouteKind.BY_TASK_TOKEN);
    // the children it starts are recorded on the parent's backend before the task goes there
    put(
        rules,
        WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod(),
        new Rule(RouteKind.BY_TASK_TOKEN, List.of(), null, true));
    rule(rules, WorkflowServiceGrpc.getRespondWorkflowTaskFailedMethod(), RouteKind.BY_TASK_TOKEN);
    // F: worker long polls
    put(
        rules,
        WorkflowServiceGrpc.getPollActivityTaskQueueMethod(),
        new Rule(RouteKind.POLL, List.of(), PollKind.ACTIVITY, false, POLL_ACTIVITY_RATES));
    put(
        rules,
        WorkflowServiceGrpc.getPollNexusTaskQueueMethod(),
        new Rule(RouteKind.POLL, List.of(), PollKind.NEXUS, false));
    put(
        rules,
        WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(),
        new Rule(RouteKind.POLL, List.of(), PollKind.WORKFLOW, false));
    return rules;
  }

  private static void rule(
      Map<String, Rule> rules, MethodDescriptor<?, ?> method, RouteKind kind, Keyspace... keys) {
    put(rules, method, new Rule(kind, List.of(keys)));
  }

  private static void put(Map<String, Rule> rules, MethodDescriptor<?, ?> method, Rule rule) {
    Rule previous = rules.put(method.getFullMethodName(), rule);
    if (previous != null) {
      throw new IllegalStateException("two rules for " + method.getFullMethodName());
    }
  }
}
