package dev.tempura.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.grpc.MethodDescriptor;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every WorkflowService method has exactly one explicit, well-formed route. */
class RoutingCoverageTest {
  private static final Set<RouteKind> KEYED = Set.of(RouteKind.PLACE_NEW, RouteKind.BY_ID);

  private static RoutingTable table;

  @BeforeAll
  static void buildTable() {
    table = dev.tempura.proxy.MethodTable.build();
  }

  private static Collection<MethodDescriptor<?, ?>> serviceMethods() {
    return WorkflowServiceGrpc.getServiceDescriptor().getMethods();
  }

  private static MethodRoute route(MethodDescriptor<?, ?> method) {
    MethodRoute r = table.route(method.getFullMethodName());
    assertThat(r).as("route of %s", method.getFullMethodName()).isNotNull();
    return r;
  }

  @Test
  void build_everyServiceMethod_hasARouteWithAKind() {
    List<String> missing = new ArrayList<>();
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = table.route(m.getFullMethodName());
      if (r == null || r.kind() == null) {
        missing.add(m.getFullMethodName());
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void build_routeCount_equalsMethodCountOf122PlusOperatorService() {
    assertThat(serviceMethods()).hasSize(122);
    int operator =
        io.temporal.api.operatorservice.v1.OperatorServiceGrpc.getServiceDescriptor()
            .getMethods()
            .size();
    assertThat(table.routes()).hasSize(serviceMethods().size() + operator);
    assertThat(WorkflowServiceRules.byFullMethodName()).hasSize(122);
    assertThat(OperatorServiceRules.byFullMethodName()).hasSize(operator);
  }

  @Test
  void build_routesCarryTheMethodWithByteMarshallers() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      assertThat(r.fullMethodName()).isEqualTo(m.getFullMethodName());
      assertThat(r.bareMethodName()).isEqualTo(m.getBareMethodName());
      assertThat(r.method().getType()).isEqualTo(m.getType());
      assertThat(r.method().getRequestMarshaller()).isSameAs(ByteMarshaller.INSTANCE);
      assertThat(r.method().getResponseMarshaller()).isSameAs(ByteMarshaller.INSTANCE);
      assertThat(r.requestType()).isNotNull();
      assertThat(r.responseType()).isNotNull();
    }
  }

  @Test
  void build_keyedKinds_haveAtLeastOneKeyPath_andOthersHaveNone() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      if (KEYED.contains(r.kind())) {
        assertThat(r.keys()).as("keys of %s", m.getBareMethodName()).isNotEmpty();
        for (KeyPath k : r.keys()) {
          assertThat(k.keyspace()).isNotNull();
          assertThat(k.path()).isNotEmpty();
          assertLeafIsString(r.requestType(), k.path(), m.getBareMethodName());
        }
      } else {
        assertThat(r.keys()).as("keys of %s", m.getBareMethodName()).isEmpty();
      }
    }
  }

  @Test
  void build_taskTokenAndPollKinds_haveATaskTokenPath_andOthersHaveNone() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      switch (r.kind()) {
        case BY_TASK_TOKEN -> {
          assertThat(r.taskTokenPath()).as("token path of %s", m.getBareMethodName()).isNotNull();
          assertThat(leaf(r.requestType(), r.taskTokenPath()).getName()).isEqualTo("task_token");
          assertThat(leaf(r.requestType(), r.taskTokenPath()).getType())
              .isEqualTo(FieldDescriptor.Type.BYTES);
        }
        case POLL -> {
          assertThat(r.taskTokenPath()).as("token path of %s", m.getBareMethodName()).isNotNull();
          assertThat(leaf(r.responseType(), r.taskTokenPath()).getName()).isEqualTo("task_token");
          assertThat(leaf(r.responseType(), r.taskTokenPath()).getType())
              .isEqualTo(FieldDescriptor.Type.BYTES);
        }
        default ->
            assertThat(r.taskTokenPath()).as("token path of %s", m.getBareMethodName()).isNull();
      }
    }
  }

  @Test
  void build_everyMethodButNoNamespaceOnes_hasATopLevelNamespacePath() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      if (r.kind() == RouteKind.NO_NAMESPACE) {
        assertThat(r.namespacePath()).as("namespace path of %s", m.getBareMethodName()).isNull();
      } else {
        assertThat(r.namespacePath()).as("namespace path of %s", m.getBareMethodName()).hasSize(1);
        FieldDescriptor f = leaf(r.requestType(), r.namespacePath());
        assertThat(f.getName()).isEqualTo("namespace");
        assertThat(f.getType()).isEqualTo(FieldDescriptor.Type.STRING);
      }
    }
  }

  @Test
  void build_everyNamespacedRequest_hasARequestPlan() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      if (r.kind() != RouteKind.NO_NAMESPACE) {
        assertThat(r.requestPlan()).as("request plan of %s", m.getBareMethodName()).isNotNull();
      }
    }
  }

  @Test
  void build_pollResponses_haveAResponsePlan() {
    for (MethodDescriptor<?, ?> m : serviceMethods()) {
      MethodRoute r = route(m);
      if (r.kind() == RouteKind.POLL) {
        assertThat(r.responsePlan()).as("response plan of %s", m.getBareMethodName()).isNotNull();
      }
    }
  }

  @Test
  void build_categoryCounts_matchRoutingDoc() {
    Map<RouteKind, Long> counts =
        table.routes(WorkflowServiceGrpc.getServiceDescriptor()).stream()
            .collect(
                Collectors.groupingBy(
                    MethodRoute::kind,
                    () -> new EnumMap<>(RouteKind.class),
                    Collectors.counting()));
    // ROUTING.md: A=4; E=9; F=3; C + N/O starts + CreateSchedule = 6; D + N/O others + I others
    // = 28 + 5 + 5 + 5; B, G, H, J, K, L, M = 4 + 9 + 18 + 3 + 16 + 3 + 4
    assertThat(counts)
        .containsEntry(RouteKind.NO_NAMESPACE, 4L)
        .containsEntry(RouteKind.BY_TASK_TOKEN, 9L)
        .containsEntry(RouteKind.POLL, 3L)
        .containsEntry(RouteKind.PLACE_NEW, 6L)
        .containsEntry(RouteKind.BY_ID, 43L)
        .containsEntry(RouteKind.NAMESPACE_WIDE, 57L);
  }

  @Test
  void build_pollMethods_areTheThreeTaskQueuePolls() {
    assertThat(namesOf(RouteKind.POLL))
        .containsExactlyInAnyOrder(
            "PollActivityTaskQueue", "PollNexusTaskQueue", "PollWorkflowTaskQueue");
  }

  @Test
  void build_noNamespaceMethods_areTheFourClusterCalls() {
    assertThat(namesOf(RouteKind.NO_NAMESPACE))
        .containsExactlyInAnyOrder(
            "GetClusterInfo", "GetSearchAttributes", "GetSystemInfo", "ListNamespaces");
  }

  @Test
  void build_taskTokenMethods_areTheNineTaskCompletions() {
    assertThat(namesOf(RouteKind.BY_TASK_TOKEN))
        .containsExactlyInAnyOrder(
            "RecordActivityTaskHeartbeat",
            "RespondActivityTaskCanceled",
            "RespondActivityTaskCompleted",
            "RespondActivityTaskFailed",
            "RespondNexusTaskCompleted",
            "RespondNexusTaskFailed",
            "RespondQueryTaskCompleted",
            "RespondWorkflowTaskCompleted",
            "RespondWorkflowTaskFailed");
  }

  @Test
  void keyPath_startWorkflowExecution_isTopLevelWorkflowId() {
    assertSingleKey(
        WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
        RouteKind.PLACE_NEW,
        Keyspace.WORKFLOW,
        "workflow_id",
        2);
  }

  @Test
  void keyPath_signalWithStart_isTopLevelWorkflowId() {
    assertSingleKey(
        WorkflowServiceGrpc.getSignalWithStartWorkflowExecutionMethod(),
        RouteKind.PLACE_NEW,
        Keyspace.WORKFLOW,
        "workflow_id",
        2);
  }

  @Test
  void keyPath_signalWorkflowExecution_isInsideWorkflowExecution() {
    assertSingleKey(
        WorkflowServiceGrpc.getSignalWorkflowExecutionMethod(),
        RouteKind.BY_ID,
        Keyspace.WORKFLOW,
        "workflow_execution.workflow_id",
        2,
        1);
  }

  @Test
  void keyPath_queryWorkflow_isInsideExecution() {
    assertSingleKey(
        WorkflowServiceGrpc.getQueryWorkflowMethod(),
        RouteKind.BY_ID,
        Keyspace.WORKFLOW,
        "execution.workflow_id",
        2,
        1);
  }

  @Test
  void keyPath_pollWorkflowExecutionUpdate_isInsideUpdateRef() {
    assertSingleKey(
        WorkflowServiceGrpc.getPollWorkflowExecutionUpdateMethod(),
        RouteKind.BY_ID,
        Keyspace.WORKFLOW,
        "update_ref.workflow_execution.workflow_id",
        2,
        1,
        1);
  }

  @Test
  void keyPath_executeMultiOperation_isTheStartOperationsWorkflowId() {
    MethodRoute r = route(WorkflowServiceGrpc.getExecuteMultiOperationMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.PLACE_NEW);
    assertThat(r.keys()).hasSize(1);
    assertThat(r.keys().get(0).keyspace()).isEqualTo(Keyspace.WORKFLOW);
    assertThat(r.keys().get(0).fieldPath()).isEqualTo("operations.start_workflow.workflow_id");
  }

  @Test
  void keyPath_startActivityExecution_isActivityKeyspaceActivityId() {
    MethodRoute r = route(WorkflowServiceGrpc.getStartActivityExecutionMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.PLACE_NEW);
    assertThat(r.keys()).hasSize(1);
    assertThat(r.keys().get(0).keyspace()).isEqualTo(Keyspace.ACTIVITY);
    assertThat(r.keys().get(0).fieldPath()).isEqualTo("activity_id");
  }

  @Test
  void keyPath_startNexusOperationExecution_isNexusKeyspaceOperationId() {
    MethodRoute r = route(WorkflowServiceGrpc.getStartNexusOperationExecutionMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.PLACE_NEW);
    assertThat(r.keys()).extracting(KeyPath::keyspace).containsExactly(Keyspace.NEXUS_OPERATION);
    assertThat(r.keys().get(0).fieldPath()).isEqualTo("operation_id");
  }

  @Test
  void keyPath_pauseActivityExecution_triesWorkflowThenActivity() {
    MethodRoute r = route(WorkflowServiceGrpc.getPauseActivityExecutionMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.BY_ID);
    assertThat(r.keys())
        .extracting(KeyPath::keyspace)
        .containsExactly(Keyspace.WORKFLOW, Keyspace.ACTIVITY);
    assertThat(r.keys())
        .extracting(KeyPath::fieldPath)
        .containsExactly("workflow_id", "activity_id");
  }

  @Test
  void taskTokenPath_respondNexusTaskCompleted_isField3() {
    MethodRoute r = route(WorkflowServiceGrpc.getRespondNexusTaskCompletedMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.BY_TASK_TOKEN);
    assertThat(r.taskTokenPath()).containsExactly(3);
  }

  @Test
  void taskTokenPath_pollWorkflowTaskQueue_isResponseField1() {
    MethodRoute r = route(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod());
    assertThat(r.kind()).isEqualTo(RouteKind.POLL);
    assertThat(r.taskTokenPath()).containsExactly(1);
  }

  @Test
  void route_unknownMethod_isNull() {
    assertThat(table.route("temporal.api.workflowservice.v1.WorkflowService/NoSuchMethod"))
        .isNull();
  }

  private static List<String> namesOf(RouteKind kind) {
    return table.routes(WorkflowServiceGrpc.getServiceDescriptor()).stream()
        .filter(r -> r.kind() == kind)
        .map(MethodRoute::bareMethodName)
        .toList();
  }

  private static void assertSingleKey(
      MethodDescriptor<?, ?> method,
      RouteKind kind,
      Keyspace keyspace,
      String fieldPath,
      int... numbers) {
    MethodRoute r = route(method);
    assertThat(r.kind()).isEqualTo(kind);
    assertThat(r.keys()).hasSize(1);
    KeyPath k = r.keys().get(0);
    assertThat(k.keyspace()).isEqualTo(keyspace);
    assertThat(k.fieldPath()).isEqualTo(fieldPath);
    assertThat(k.path()).containsExactly(numbers);
  }

  private static void assertLeafIsString(Descriptor type, int[] path, String method) {
    FieldDescriptor f = leaf(type, path);
    assertThat(f.getType()).as("key leaf of %s", method).isEqualTo(FieldDescriptor.Type.STRING);
  }

  private static FieldDescriptor leaf(Descriptor type, int[] path) {
    Descriptor current = type;
    FieldDescriptor f = null;
    for (int number : path) {
      assertThat(current).isNotNull();
      f = current.findFieldByNumber(number);
      assertThat(f).as("field %d of %s", number, current.getFullName()).isNotNull();
      current = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
    }
    return f;
  }

  @Test
  void build_everyRoute_carriesEveryPolicyItsKindNeeds() {
    List<String> incomplete = new ArrayList<>();
    for (MethodRoute r : table.routes()) {
      boolean wide = r.kind() == RouteKind.NAMESPACE_WIDE || r.kind() == RouteKind.NO_NAMESPACE;
      if (r.method() == null || r.requestPrototype() == null || r.responsePrototype() == null) {
        incomplete.add(r.bareMethodName() + " lacks its method or message prototypes");
      }
      if (r.requestFields() == null || r.lifecycle() == null) {
        incomplete.add(r.bareMethodName() + " lacks its request fields or lifecycle observer");
      }
      if (wide != (r.aggregation() != null)) {
        incomplete.add(
            r.bareMethodName()
                + (wide
                    ? " lacks an aggregation"
                    : " has an aggregation but is not namespace-wide"));
      }
      if ((r.kind() == RouteKind.POLL) != (r.pollKind() != null)) {
        incomplete.add(
            r.bareMethodName()
                + (r.pollKind() == null
                    ? " lacks a poll kind"
                    : " has a poll kind but is no poll"));
      }
    }
    assertThat(incomplete).isEmpty();
  }

  @Test
  void build_namespaceWideMethodWithoutAggregation_fails() {
    MethodDescriptor<?, ?> describe = WorkflowServiceGrpc.getDescribeNamespaceMethod();
    MethodPolicies full = policiesOf(table);
    MethodPolicies lacking =
        new MethodPolicies() {
          @Override
          public Aggregation aggregation(MethodDescriptor<?, ?> method) {
            return method == describe ? null : full.aggregation(method);
          }

          @Override
          public LifecycleObserver lifecycle(MethodDescriptor<?, ?> method) {
            return full.lifecycle(method);
          }
        };

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> RoutingTable.build(lacking))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DescribeNamespace is namespace-wide but has no aggregation");
    assertThat(RoutingTable.build(full).routes()).hasSize(table.routes().size());
  }

  @Test
  void build_recordsChildrenOnlyForCompletedWorkflowTasks_andLifecycleOnlyForItsMethods() {
    List<String> children = new ArrayList<>();
    int observed = 0;
    for (MethodRoute r : table.routes()) {
      if (r.recordsChildren()) {
        children.add(r.bareMethodName());
      }
      if (r.lifecycle() != LifecycleObserver.NONE) {
        observed++;
      }
    }
    assertThat(children).containsExactly("RespondWorkflowTaskCompleted");
    assertThat(observed).isEqualTo(dev.tempura.proxy.lifecycle.MappingLifecycle.observers().size());
  }

  /** The policies a built table carries, as the table builder takes them. */
  private static MethodPolicies policiesOf(RoutingTable t) {
    return new MethodPolicies() {
      @Override
      public Aggregation aggregation(MethodDescriptor<?, ?> method) {
        return t.route(method).aggregation();
      }

      @Override
      public LifecycleObserver lifecycle(MethodDescriptor<?, ?> method) {
        LifecycleObserver o = t.route(method).lifecycle();
        return o == LifecycleObserver.NONE ? null : o;
      }
    };
  }
}
