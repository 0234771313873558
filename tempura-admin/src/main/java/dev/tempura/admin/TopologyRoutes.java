package dev.tempura.admin;

import static dev.tempura.admin.AdminHttpException.badRequest;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyDocument;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The topology endpoints: request parsing, the {@link TopologyService} calls and their answers. */
final class TopologyRoutes {

  /**
   * How long a write may wait for the store. A hung store must not pin the few admin threads
   * forever; the write may still land later, which the 503 message says.
   */
  static final Duration STORE_TIMEOUT = Duration.ofSeconds(10);

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final TopologyService topology;
  private final PhysicalDetails details;
  private final AddCheck addCheck;

  TopologyRoutes(TopologyService topology) {
    this(topology, PhysicalDetails.NONE, AddCheck.NONE);
  }

  TopologyRoutes(TopologyService topology, PhysicalDetails details, AddCheck addCheck) {
    this.details = requireNonNull(details, "details");
    this.addCheck = requireNonNull(addCheck, "addCheck");
    this.topology = requireNonNull(topology, "topology");
  }

  private static final Set<String> NONE = Set.of();

  /** The fields of weight: a physical namespace and its weight. */
  private static final Set<String> WEIGHTED_PHYSICAL_FIELDS =
      Set.of(
          "virtual_namespace",
          "physical_namespace",
          "cluster_address",
          "weight",
          AdminRequest.TOPOLOGY_VERSION);

  /**
   * Declares, on add, that the physical namespace already holds workflows (see {@link
   * PhysicalNamespace}): their ids are imported, and starts look there first until that is done.
   */
  static final String EXISTING_WORKFLOWS = "existing_workflows";

  /**
   * The fields of add: those of weight, {@value #EXISTING_WORKFLOWS}, and {@code force} to add
   * despite a failed consistency check.
   */
  private static final Set<String> ADD_FIELDS =
      Set.of(
          "virtual_namespace",
          "physical_namespace",
          "cluster_address",
          "weight",
          EXISTING_WORKFLOWS,
          "force",
          AdminRequest.TOPOLOGY_VERSION);

  /** Path → method → route. */
  Map<String, Map<String, AdminRoute>> routes() {
    Map<String, Map<String, AdminRoute>> routes = new LinkedHashMap<>();
    routes.put("/namespace/virtual/create", Map.of("POST", this::createVirtual));
    routes.put("/namespace/virtual/get", Map.of("GET", this::getVirtual));
    routes.put("/namespace/virtual/list", Map.of("GET", this::listVirtual));
    routes.put("/namespace/physical/add", Map.of("POST", this::addPhysical));
    routes.put("/namespace/physical/remove", Map.of("POST", this::cordonPhysical));
    routes.put("/namespace/physical/cordon", Map.of("POST", this::cordonPhysical));
    routes.put("/namespace/physical/uncordon", Map.of("POST", this::uncordonPhysical));
    routes.put("/namespace/physical/weight", Map.of("POST", this::setWeight));
    routes.put("/namespace/virtual/placement", Map.of("POST", this::setPlacement));
    routes.put("/topology", Map.of("GET", this::export));
    return routes;
  }

  private AdminResponse createVirtual(String method, Map<String, String> query, byte[] body) {
    AdminRequest.query(query, NONE);
    AdminRequest request = AdminRequest.body(body, Set.of("name", AdminRequest.TOPOLOGY_VERSION));
    String name = request.name("name");
    await(topology.update(TopologyService.createVirtual(name), request.expectedVersion()));
    return AdminResponse.line(200, "Virtual namespace '" + name + "' created successfully");
  }

  private AdminResponse getVirtual(String method, Map<String, String> query, byte[] body)
      throws IOException {
    AdminRequest.query(query, Set.of("name"));
    String name = AdminRequest.queryName(query, "name");
    Topology t = topology.current();
    VirtualNamespace vns =
        t.virtualNamespace(name)
            .orElseThrow(
                () -> new AdminHttpException(404, "Virtual namespace '" + name + "' not found"));
    ObjectNode node = toJson(vns);
    node.put("topology_version", t.version());
    ArrayNode rejected = node.putArray("rejected");
    for (Topology.Rejected r : t.rejected()) {
      if (name.equals(r.virtualNamespace())) {
        TopologyDocument.rejected(rejected.addObject(), r);
      }
    }
    return AdminResponse.json(200, JSON.writeValueAsString(node) + "\n");
  }

  private AdminResponse listVirtual(String method, Map<String, String> query, byte[] body)
      throws IOException {
    AdminRequest.query(query, NONE);
    Topology t = topology.current();
    ObjectNode root = JSON.createObjectNode();
    root.put("topology_version", t.version());
    ArrayNode all = root.putArray("virtual_namespaces");
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      all.add(toJson(vns));
    }
    ArrayNode rejected = root.putArray("rejected");
    for (Topology.Rejected r : t.rejected()) {
      TopologyDocument.rejected(rejected.addObject(), r);
    }
    return AdminResponse.json(200, JSON.writeValueAsString(root) + "\n");
  }

  /** The whole topology as a declarative document ({@link TopologyDocument}). */
  private AdminResponse export(String method, Map<String, String> query, byte[] body)
      throws IOException {
    AdminRequest.query(query, NONE);
    return AdminResponse.json(
        200, JSON.writeValueAsString(TopologyDocument.toJson(topology.current())) + "\n");
  }

  private AdminResponse addPhysical(String method, Map<String, String> query, byte[] body) {
    AdminRequest.query(query, NONE);
    AdminRequest request = AdminRequest.body(body, ADD_FIELDS);
    String virtualName = request.name("virtual_namespace");
    String physicalName = request.name("physical_namespace");
    ClusterAddress clusterAddress = request.address("cluster_address");
    Integer weight = request.weight("weight");
    boolean existingWorkflows = request.flag(EXISTING_WORKFLOWS);
    boolean force = request.flag("force");
    // Read before the write only to choose the wording: the service itself decides atomically
    // whether this adds, re-activates or updates, so a concurrent change can at worst make the
    // line stale.
    PhysicalNamespace probe =
        new PhysicalNamespace(physicalName, clusterAddress, PhysicalNamespaceStatus.ACTIVE, 0);
    PhysicalNamespace before =
        topology.virtualNamespace(virtualName).stream()
            .flatMap(vns -> vns.physicalNamespaces().stream())
            .filter(p -> p.sameNamespace(probe))
            .findFirst()
            .orElse(null);
    VirtualNamespace current = topology.virtualNamespace(virtualName).orElse(null);
    if (!force && current != null && (before == null || !before.isActive())) {
      // only a namespace that joins is checked: an update of an active one's weight changes nothing
      // the check looks at
      String refusal = addCheck.refusal(current, probe);
      if (refusal != null) {
        throw new AdminHttpException(409, refusal + "; add it anyway with \"force\": true");
      }
    }
    Topology after =
        await(
            topology.update(
                TopologyService.addPhysical(
                    virtualName, physicalName, clusterAddress, weight, existingWorkflows),
                request.expectedVersion()));
    String verb;
    if (before == null) {
      verb = "added to";
    } else if (!before.isActive()) {
      verb = "re-activated in";
    } else {
      verb = "updated in";
    }
    String line =
        "Physical namespace '"
            + physicalName
            + "' "
            + verb
            + " virtual namespace '"
            + virtualName
            + "'";
    if (before != null && before.isActive()) {
      int w =
          after.virtualNamespace(virtualName).stream()
              .flatMap(v -> v.physicalNamespaces().stream())
              .filter(p -> p.sameNamespace(probe))
              .mapToInt(PhysicalNamespace::weight)
              .findFirst()
              .orElse(before.weight());
      line += " (weight " + w + ")";
    }
    if (existingWorkflows && (before == null || !before.existingWorkflows())) {
      line +=
          "; importing its existing workflows (until done, a start for an unmapped id is looked"
              + " for there first)";
    }
    return AdminResponse.line(200, line);
  }

  private AdminResponse cordonPhysical(String method, Map<String, String> query, byte[] body) {
    return setStatus(
        query,
        body,
        PhysicalNamespaceStatus.CORDONED,
        "cordoned in",
        ": it takes no new workflows; existing ones keep running");
  }

  private AdminResponse uncordonPhysical(String method, Map<String, String> query, byte[] body) {
    return setStatus(
        query,
        body,
        PhysicalNamespaceStatus.ACTIVE,
        "uncordoned in",
        ": it takes new workflows again");
  }

  private AdminResponse setStatus(
      Map<String, String> query,
      byte[] body,
      PhysicalNamespaceStatus status,
      String verb,
      String consequence) {
    AdminRequest.query(query, NONE);
    AdminRequest request = AdminRequest.body(body, AdminRequest.PHYSICAL_FIELDS);
    String virtualName = request.name("virtual_namespace");
    String physicalName = request.name("physical_namespace");
    ClusterAddress clusterAddress = request.optionalAddress("cluster_address");
    await(
        topology.update(
            TopologyService.status(virtualName, physicalName, clusterAddress, status),
            request.expectedVersion()));
    return AdminResponse.line(
        200,
        "Physical namespace '"
            + physicalName
            + "' "
            + verb
            + " virtual namespace '"
            + virtualName
            + "'"
            + consequence);
  }

  private AdminResponse setWeight(String method, Map<String, String> query, byte[] body) {
    AdminRequest.query(query, NONE);
    AdminRequest request = AdminRequest.body(body, WEIGHTED_PHYSICAL_FIELDS);
    String virtualName = request.name("virtual_namespace");
    String physicalName = request.name("physical_namespace");
    ClusterAddress clusterAddress = request.optionalAddress("cluster_address");
    Integer weight = request.weight("weight");
    if (weight == null) {
      throw badRequest("missing field: weight");
    }
    await(
        topology.update(
            TopologyService.weight(virtualName, physicalName, clusterAddress, weight),
            request.expectedVersion()));
    return AdminResponse.line(
        200,
        "Physical namespace '"
            + physicalName
            + "' in virtual namespace '"
            + virtualName
            + "' has weight "
            + weight);
  }

  /**
   * {@code {"name": V, "policy": "rendezvous"|"round-robin"|"adaptive", "affinity": null | {"kind":
   * "prefix"|"regex", "value": ...}}}; fields left out keep their current value.
   */
  private AdminResponse setPlacement(String method, Map<String, String> query, byte[] body) {
    AdminRequest.query(query, NONE);
    AdminRequest request =
        AdminRequest.body(
            body, Set.of("name", "policy", "affinity", AdminRequest.TOPOLOGY_VERSION));
    String virtualName = request.name("name");
    String policy = request.text("policy");
    PlacementSettings.Affinity affinity = null;
    boolean setsAffinity = request.json().has("affinity");
    try {
      if (policy != null) {
        // checked here, so that a bad one is a 400 before anything is written
        PlacementSettings.DEFAULT.withPolicy(policy);
      }
      JsonNode a = request.json().get("affinity");
      if (a != null && !a.isNull()) {
        if (!a.isObject()) {
          throw badRequest("field affinity: expected an object or null");
        }
        AdminRequest parsed =
            AdminRequest.body(
                a.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Set.of("kind", "value"));
        String kind = parsed.text("kind");
        String value = parsed.text("value");
        if (kind == null || value == null) {
          throw badRequest("field affinity: needs kind and value");
        }
        affinity = new PlacementSettings.Affinity(kind, value);
      }
    } catch (IllegalArgumentException e) {
      throw badRequest(e.getMessage());
    }
    PlacementSettings.Affinity settled = affinity;
    Topology after =
        await(
            topology.update(
                TopologyService.placement(
                    virtualName,
                    current -> {
                      PlacementSettings next =
                          policy == null ? current : current.withPolicy(policy);
                      return setsAffinity ? next.withAffinity(settled) : next;
                    }),
                request.expectedVersion()));
    PlacementSettings next = after.virtualNamespace(virtualName).orElseThrow().placement();
    return AdminResponse.line(
        200,
        "Virtual namespace '"
            + virtualName
            + "' places new workflows by "
            + next.policy()
            + (next.affinity() == null
                ? ""
                : ", grouped by " + next.affinity().kind() + " '" + next.affinity().value() + "'"));
  }

  private ObjectNode toJson(VirtualNamespace vns) {
    ObjectNode node = TopologyDocument.virtualNamespace(vns);
    ArrayNode physical = (ArrayNode) node.get("physical_namespaces");
    for (int i = 0; i < vns.physicalNamespaces().size(); i++) {
      ObjectNode entry = (ObjectNode) physical.get(i);
      PhysicalNamespace p = vns.physicalNamespaces().get(i);
      details.of(vns.name(), p).forEach((k, v) -> entry.set(k, JSON.valueToTree(v)));
    }
    return node;
  }

  /**
   * Waits for a topology write. Runs on an admin thread, never an event loop, so blocking is fine;
   * the failure is rethrown unwrapped so its {@link TopologyException.Reason} picks the status.
   */
  static <T> T await(CompletableFuture<T> write) {
    try {
      return write.get(STORE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException("topology write failed", cause);
    } catch (TimeoutException e) {
      throw new AdminHttpException(
          503,
          "the topology store did not answer within "
              + STORE_TIMEOUT.toSeconds()
              + "s; the change may still apply, check before retrying");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminHttpException(503, "the admin server is shutting down");
    }
  }
}
