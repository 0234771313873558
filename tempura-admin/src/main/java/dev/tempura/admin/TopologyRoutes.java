package dev.tempura.admin;

import static dev.tempura.admin.AdminHttpException.badRequest;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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

  TopologyRoutes(TopologyService topology) {
    this(topology, PhysicalDetails.NONE);
  }

  TopologyRoutes(TopologyService topology, PhysicalDetails details) {
    this.details = requireNonNull(details, "details");
    this.topology = requireNonNull(topology, "topology");
  }

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
    return routes;
  }

  private AdminResponse createVirtual(String method, Map<String, String> query, byte[] body) {
    JsonNode request = parseObject(body);
    String name = requiredText(request, "name");
    await(topology.createVirtualNamespace(name));
    return AdminResponse.line(200, "Virtual namespace '" + name + "' created successfully");
  }

  private AdminResponse getVirtual(String method, Map<String, String> query, byte[] body)
      throws IOException {
    String name = query.get("name");
    if (name == null || name.isBlank()) {
      throw badRequest("missing query parameter: name");
    }
    VirtualNamespace vns =
        topology
            .virtualNamespace(name)
            .orElseThrow(
                () ->
                    new AdminHttpException(404, "Virtual namespace '" + name + "' not found"));
    return AdminResponse.json(200, JSON.writeValueAsString(toJson(vns)) + "\n");
  }

  private AdminResponse listVirtual(String method, Map<String, String> query, byte[] body)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode all = root.putArray("virtual_namespaces");
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      all.add(toJson(vns));
    }
    return AdminResponse.json(200, JSON.writeValueAsString(root) + "\n");
  }

  private AdminResponse addPhysical(String method, Map<String, String> query, byte[] body) {
    JsonNode request = parseObject(body);
    String virtualName = requiredText(request, "virtual_namespace");
    String physicalName = requiredText(request, "physical_namespace");
    ClusterAddress clusterAddress = address(requiredText(request, "cluster_address"));
    int weight = optionalWeight(request);
    // Read before the write only to choose the wording: the service itself decides atomically
    // whether this adds or re-activates, so a concurrent change can at worst make the line stale.
    boolean wasCordoned =
        topology.virtualNamespace(virtualName).stream()
            .flatMap(vns -> vns.findByName(physicalName).stream())
            .anyMatch(
                p -> p.clusterAddress().sameCluster(clusterAddress) && !p.isActive());
    await(topology.addPhysicalNamespace(virtualName, physicalName, clusterAddress, weight));
    String verb = wasCordoned ? "re-activated in" : "added to";
    return AdminResponse.line(
        200,
        "Physical namespace '" + physicalName + "' " + verb + " virtual namespace '"
            + virtualName + "'");
  }

  private AdminResponse cordonPhysical(String method, Map<String, String> query, byte[] body) {
    return setStatus(
        body,
        PhysicalNamespaceStatus.CORDONED,
        "cordoned in",
        ": it takes no new workflows; existing ones keep running");
  }

  private AdminResponse uncordonPhysical(String method, Map<String, String> query, byte[] body) {
    return setStatus(
        body, PhysicalNamespaceStatus.ACTIVE, "uncordoned in", ": it takes new workflows again");
  }

  private AdminResponse setStatus(
      byte[] body, PhysicalNamespaceStatus status, String verb, String consequence) {
    JsonNode request = parseObject(body);
    String virtualName = requiredText(request, "virtual_namespace");
    String physicalName = requiredText(request, "physical_namespace");
    String addressText = optionalText(request, "cluster_address");
    ClusterAddress clusterAddress = addressText == null ? null : address(addressText);
    await(topology.setStatus(virtualName, physicalName, clusterAddress, status));
    return AdminResponse.line(
        200,
        "Physical namespace '" + physicalName + "' " + verb + " virtual namespace '"
            + virtualName + "'" + consequence);
  }

  private AdminResponse setWeight(String method, Map<String, String> query, byte[] body) {
    JsonNode request = parseObject(body);
    String virtualName = requiredText(request, "virtual_namespace");
    String physicalName = requiredText(request, "physical_namespace");
    String addressText = optionalText(request, "cluster_address");
    ClusterAddress clusterAddress = addressText == null ? null : address(addressText);
    if (request.get("weight") == null) {
      throw badRequest("missing field: weight");
    }
    int weight = optionalWeight(request);
    await(topology.setWeight(virtualName, physicalName, clusterAddress, weight));
    return AdminResponse.line(
        200,
        "Physical namespace '" + physicalName + "' in virtual namespace '" + virtualName
            + "' has weight " + weight);
  }

  /**
   * {@code {"name": V, "policy": "rendezvous"|"round-robin"|"adaptive", "affinity": null |
   * {"kind": "prefix"|"regex", "value": ...}}}; fields left out keep their current value.
   */
  private AdminResponse setPlacement(String method, Map<String, String> query, byte[] body) {
    JsonNode request = parseObject(body);
    String virtualName = requiredText(request, "name");
    PlacementSettings current =
        topology
            .virtualNamespace(virtualName)
            .orElseThrow(
                () ->
                    new TopologyException(
                        TopologyException.Reason.NOT_FOUND,
                        "Virtual namespace '" + virtualName + "' not found"))
            .placement();
    PlacementSettings next;
    try {
      String policy = optionalText(request, "policy");
      next = policy == null ? current : current.withPolicy(policy);
      if (request.has("affinity")) {
        JsonNode a = request.get("affinity");
        if (a.isNull()) {
          next = next.withAffinity(null);
        } else if (a.isObject()) {
          next =
              next.withAffinity(
                  new PlacementSettings.Affinity(requiredText(a, "kind"), requiredText(a, "value")));
        } else {
          throw badRequest("field affinity: expected an object or null");
        }
      }
    } catch (IllegalArgumentException e) {
      throw badRequest(e.getMessage());
    }
    await(topology.setPlacement(virtualName, next));
    return AdminResponse.line(
        200,
        "Virtual namespace '" + virtualName + "' places new workflows by " + next.policy()
            + (next.affinity() == null
                ? ""
                : ", grouped by " + next.affinity().kind() + " '" + next.affinity().value() + "'"));
  }

  private ObjectNode toJson(VirtualNamespace vns) {
    ObjectNode node = JSON.createObjectNode();
    node.put("name", vns.name());
    ArrayNode physical = node.putArray("physical_namespaces");
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      ObjectNode entry =
          physical
              .addObject()
              .put("name", p.name())
              .put("cluster_address", p.clusterAddress().toString())
              .put("status", p.status().name().toLowerCase(Locale.ROOT))
              .put("weight", p.weight());
      details.of(vns.name(), p).forEach((k, v) -> entry.set(k, JSON.valueToTree(v)));
    }
    ObjectNode placement = node.putObject("placement").put("policy", vns.placement().policy());
    if (vns.placement().affinity() != null) {
      placement
          .putObject("affinity")
          .put("kind", vns.placement().affinity().kind())
          .put("value", vns.placement().affinity().value());
    }
    return node;
  }

  static ClusterAddress address(String text) {
    try {
      return ClusterAddress.parse(text);
    } catch (IllegalArgumentException e) {
      throw badRequest(e.getMessage());
    }
  }

  static JsonNode parseObject(byte[] body) {
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JacksonException e) {
      throw badRequest("malformed JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw badRequest("unreadable request body: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw badRequest("request body must be a JSON object");
    }
    return node;
  }

  static String requiredText(JsonNode request, String field) {
    String value = optionalText(request, field);
    if (value == null || value.isBlank()) {
      throw badRequest("missing field: " + field);
    }
    return value;
  }

  /** The string value of {@code field}, or null when it is absent or JSON null. */
  static String optionalText(JsonNode request, String field) {
    JsonNode value = request.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw badRequest("field " + field + ": expected a string");
    }
    return value.textValue();
  }

  private static int optionalWeight(JsonNode request) {
    JsonNode value = request.get("weight");
    if (value == null || value.isNull()) {
      return PhysicalNamespace.DEFAULT_WEIGHT;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
      throw badRequest("field weight: expected an integer >= 0");
    }
    return value.intValue();
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
          "the topology store did not answer within " + STORE_TIMEOUT.toSeconds()
              + "s; the change may still apply, check before retrying");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AdminHttpException(503, "the admin server is shutting down");
    }
  }
}
