package dev.tempura.proxy.routing;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.tempura.proxy.wire.FieldRole;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.proxy.wire.WireSchema;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.PrototypeMarshaller;
import io.grpc.ServiceDescriptor;
import io.temporal.api.workflowservice.v1.ServiceProto;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The route of every WorkflowService method, built once from the service descriptor of the Temporal
 * API we build against. Lookups are by full method name; nothing dispatches on strings after that.
 */
public final class RoutingTable {
  private static final String NAMESPACE_INFO = "temporal.api.namespace.v1.NamespaceInfo";
  private static final String NEXUS_LINK = "temporal.api.nexus.v1.Link";
  private static final String CHILD_ATTRIBUTES =
      "commands.start_child_workflow_execution_command_attributes";
  private static final String SIGNAL_EXTERNAL =
      "commands.signal_external_workflow_execution_command_attributes";
  private static final String CANCEL_EXTERNAL =
      "commands.request_cancel_external_workflow_execution_command_attributes";

  /** The services the proxy serves, from the API version it is built against. */
  public static final List<ServiceDescriptor> SERVICES =
      List.of(
          WorkflowServiceGrpc.getServiceDescriptor(),
          io.temporal.api.operatorservice.v1.OperatorServiceGrpc.getServiceDescriptor());

  private final WireSchema schema;
  private final Map<String, MethodRoute> routes;

  private RoutingTable(WireSchema schema, Map<String, MethodRoute> routes) {
    this.schema = schema;
    this.routes = routes;
  }

  /**
   * Builds the table, with the policies of every method; fails if any method of the services lacks
   * a rule or a policy its kind needs (an aggregation for namespace-wide and cluster methods, and
   * only for them; a poll kind for polls).
   */
  public static RoutingTable build(MethodPolicies policies) {
    WireSchema schema =
        WireSchema.build(
            List.of(
                ServiceProto.getDescriptor(),
                io.temporal.api.operatorservice.v1.ServiceProto.getDescriptor(),
                com.google.rpc.StatusProto.getDescriptor(),
                io.temporal.api.errordetails.v1.MessageProto.getDescriptor()),
            RoutingTable::classify);
    Map<String, WorkflowServiceRules.Rule> rules =
        new java.util.HashMap<>(WorkflowServiceRules.byFullMethodName());
    rules.putAll(OperatorServiceRules.byFullMethodName());
    Map<String, MethodRoute> routes = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (ServiceDescriptor service : SERVICES) {
      for (MethodDescriptor<?, ?> m : service.getMethods()) {
        WorkflowServiceRules.Rule rule = rules.get(m.getFullMethodName());
        if (rule == null) {
          missing.add(m.getFullMethodName());
          continue;
        }
        routes.put(m.getFullMethodName(), compile(schema, m, rule, policies));
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException("no routing rule for " + missing);
    }
    return new RoutingTable(schema, routes);
  }

  /** The route of a method, or null when this API version does not have it. */
  public MethodRoute route(String fullMethodName) {
    return routes.get(fullMethodName);
  }

  /** The route of a method of the services, or null when this API version does not have it. */
  public MethodRoute route(MethodDescriptor<?, ?> method) {
    return routes.get(method.getFullMethodName());
  }

  public Collection<MethodRoute> routes() {
    return routes.values();
  }

  /** The routes of one service's methods. */
  public List<MethodRoute> routes(ServiceDescriptor service) {
    List<MethodRoute> out = new ArrayList<>();
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      out.add(routes.get(m.getFullMethodName()));
    }
    return out;
  }

  public WireSchema schema() {
    return schema;
  }

  /** Which fields the proxy rewrites, decided by field names across the whole Temporal API. */
  static FieldRole classify(FieldDescriptor f) {
    String name = f.getName();
    if (f.getType() == FieldDescriptor.Type.STRING) {
      if (name.equals("namespace") || name.endsWith("_namespace")) {
        return FieldRole.NAMESPACE;
      }
      if (name.equals("name") && f.getContainingType().getFullName().equals(NAMESPACE_INFO)) {
        return FieldRole.NAMESPACE;
      }
      if (name.equals("namespace_id") || name.endsWith("_namespace_id")) {
        return FieldRole.NAMESPACE_ID;
      }
      if (name.equals("url") && f.getContainingType().getFullName().equals(NEXUS_LINK)) {
        return FieldRole.NEXUS_LINK_URL;
      }
    }
    if (f.getType() == FieldDescriptor.Type.BYTES && name.equals("task_token")) {
      return FieldRole.TASK_TOKEN;
    }
    return null;
  }

  private static MethodRoute compile(
      WireSchema schema,
      MethodDescriptor<?, ?> m,
      WorkflowServiceRules.Rule rule,
      MethodPolicies policies) {
    Descriptor req = descriptorOf(m.getRequestMarshaller());
    Descriptor resp = descriptorOf(m.getResponseMarshaller());
    MethodDescriptor<byte[], byte[]> bytes =
        m.toBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE).build();
    int[] namespacePath =
        req.findFieldByName("namespace") != null ? WireFields.path(req, "namespace") : null;
    if (namespacePath == null && rule.kind() != RouteKind.NO_NAMESPACE) {
      throw new IllegalStateException(m.getFullMethodName() + " has no namespace field");
    }
    List<KeyPath> keys = new ArrayList<>();
    for (Keyspace ks : rule.keyspaces()) {
      String idField =
          switch (ks) {
            case WORKFLOW -> "workflow_id";
            case ACTIVITY -> "activity_id";
            case NEXUS_OPERATION -> "operation_id";
            case SCHEDULE -> "schedule_id";
            case AFFINITY ->
                throw new IllegalStateException("no method is keyed by an affinity group");
          };
      String dotted = findShallowest(req, idField);
      if (dotted == null) {
        throw new IllegalStateException(m.getFullMethodName() + " has no " + idField);
      }
      keys.add(new KeyPath(ks, dotted, WireFields.path(req, dotted)));
    }
    int[] tokenPath = null;
    if (rule.kind() == RouteKind.BY_TASK_TOKEN) {
      tokenPath = WireFields.path(req, "task_token");
    } else if (rule.kind() == RouteKind.POLL) {
      tokenPath = WireFields.path(resp, "task_token");
    }
    int[] responseWorkflowId =
        rule.kind() == RouteKind.POLL && resp.findFieldByName("workflow_execution") != null
            ? WireFields.path(resp, "workflow_execution.workflow_id")
            : null;
    if ((rule.kind() == RouteKind.POLL) != (rule.poll() != null)) {
      throw new IllegalStateException(
          m.getFullMethodName() + ": a poll kind is for polls only, and every poll needs one");
    }
    Aggregation aggregation = policies.aggregation(m);
    boolean wide = rule.kind() == RouteKind.NAMESPACE_WIDE || rule.kind() == RouteKind.NO_NAMESPACE;
    if (wide != (aggregation != null)) {
      throw new IllegalStateException(
          m.getFullMethodName()
              + (wide
                  ? " is namespace-wide but has no aggregation"
                  : " has an aggregation but is not namespace-wide"));
    }
    LifecycleObserver lifecycle = policies.lifecycle(m);
    int[] childIds =
        rule.recordsChildren() ? WireFields.path(req, CHILD_ATTRIBUTES + ".workflow_id") : null;
    int[] childNamespaces =
        rule.recordsChildren() ? WireFields.path(req, CHILD_ATTRIBUTES + ".namespace") : null;
    RequestFields.Plan fields =
        new RequestFields.Plan(
            namespacePath,
            keys,
            rule.kind() == RouteKind.BY_TASK_TOKEN ? tokenPath : null,
            childIds,
            childNamespaces,
            // the same commands also tell which workflows this one signals or cancels
            rule.recordsChildren()
                ? new int[][] {
                  WireFields.path(req, SIGNAL_EXTERNAL + ".execution.workflow_id"),
                  WireFields.path(req, SIGNAL_EXTERNAL + ".namespace"),
                  WireFields.path(req, CANCEL_EXTERNAL + ".workflow_id"),
                  WireFields.path(req, CANCEL_EXTERNAL + ".namespace")
                }
                : null,
            // a start that handles a Nexus operation names its caller: placed beside it
            rule.kind() == RouteKind.PLACE_NEW
                    && req.findFieldByName("completion_callbacks") != null
                    && req.findFieldByName("links") != null
                ? new int[][] {
                  WireFields.path(req, "completion_callbacks.nexus.url"),
                  WireFields.path(req, "links.workflow_event.workflow_id"),
                  WireFields.path(req, "links.workflow_event.namespace")
                }
                : null);
    int[][] splitRates = new int[rule.splitRates().size()][];
    for (int i = 0; i < splitRates.length; i++) {
      splitRates[i] = WireFields.path(req, rule.splitRates().get(i));
    }
    return new MethodRoute(
        bytes,
        rule.kind(),
        prototypeOf(m.getRequestMarshaller()),
        prototypeOf(m.getResponseMarshaller()),
        namespacePath,
        List.copyOf(keys),
        tokenPath,
        responseWorkflowId,
        schema.plan(req),
        schema.plan(resp),
        fields,
        rule.poll(),
        aggregation,
        lifecycle == null ? LifecycleObserver.NONE : lifecycle,
        splitRates,
        MetricLabel.of(m, rule.kind()));
  }

  /** Breadth-first search for a string field by name, so `workflow_id` beats `x.y.workflow_id`. */
  private static String findShallowest(Descriptor root, String fieldName) {
    record Node(Descriptor type, String prefix, int depth) {}
    ArrayDeque<Node> queue = new ArrayDeque<>();
    queue.add(new Node(root, "", 0));
    while (!queue.isEmpty()) {
      Node n = queue.poll();
      for (FieldDescriptor f : n.type().getFields()) {
        if (f.getName().equals(fieldName) && f.getType() == FieldDescriptor.Type.STRING) {
          return n.prefix() + f.getName();
        }
      }
      if (n.depth() < 3) {
        for (FieldDescriptor f : n.type().getFields()) {
          if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !f.isMapField()) {
            queue.add(new Node(f.getMessageType(), n.prefix() + f.getName() + ".", n.depth() + 1));
          }
        }
      }
    }
    return null;
  }

  private static Descriptor descriptorOf(MethodDescriptor.Marshaller<?> marshaller) {
    return prototypeOf(marshaller).getDescriptorForType();
  }

  private static Message prototypeOf(MethodDescriptor.Marshaller<?> marshaller) {
    return (Message) ((PrototypeMarshaller<?>) marshaller).getMessagePrototype();
  }
}
