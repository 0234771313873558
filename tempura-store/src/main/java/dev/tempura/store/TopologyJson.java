package dev.tempura.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.Names;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stored JSON form of a {@link Topology}, the one format every store writes: the embedded store
 * keeps it in its file, the Redis store in its topology hash.
 *
 * <p>Written field by field rather than by data binding, so the stored format is spelled out here
 * and cannot change by accident when the model records gain methods or components (binding would
 * pick up {@code isActive()} as a property, for one). Unknown fields are ignored on read, so an
 * older build can read what a newer one wrote. Entries that cannot be served are kept in a
 * top-level {@code rejected} array ({@code {"virtualNamespace", "entry", "reason"}}), which older
 * builds ignore.
 *
 * <pre>{@code
 * {"version": 3,
 *  "virtualNamespaces": [
 *    {"name": "orders",
 *     "physicalNamespaces": [
 *       {"name": "orders-1", "clusterAddress": "a:7233", "status": "ACTIVE", "weight": 1,
 *        "existingWorkflows": true}]}]}
 * }</pre>
 *
 * <p>{@code existingWorkflows} is written only when true, so a topology without adopted namespaces
 * is stored exactly as before, and older builds, which ignore it, read the rest.
 */
public final class TopologyJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TopologyJson() {}

  public static String encode(Topology topology) {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", topology.version());
    ArrayNode vnsArray = root.putArray("virtualNamespaces");
    for (VirtualNamespace vns : topology.virtualNamespaces().values()) {
      ObjectNode vnsNode = vnsArray.addObject();
      vnsNode.put("name", vns.name());
      ArrayNode physicalArray = vnsNode.putArray("physicalNamespaces");
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        physicalArray.add(physicalNode(p));
      }
      ObjectNode placement = vnsNode.putObject("placement");
      placement.put("policy", vns.placement().policy());
      if (vns.placement().affinity() != null) {
        placement
            .putObject("affinity")
            .put("kind", vns.placement().affinity().kind())
            .put("value", vns.placement().affinity().value());
      }
    }
    if (!topology.rejected().isEmpty()) {
      ArrayNode rejected = root.putArray("rejected");
      for (Topology.Rejected r : topology.rejected()) {
        ObjectNode node = rejected.addObject();
        node.put("virtualNamespace", r.virtualNamespace());
        JsonNode entry;
        try {
          entry = JSON.readTree(r.entry());
        } catch (JsonProcessingException notJson) {
          entry = JSON.getNodeFactory().textNode(r.entry());
        }
        node.set("entry", entry);
        node.put("reason", r.reason());
      }
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      // a tree of strings and numbers always serializes
      throw new IllegalStateException("encoding topology version " + topology.version(), e);
    }
  }

  /**
   * Reads a stored topology. An entry that is not valid (a name or address that today's rules
   * refuse, a physical namespace that several virtual namespaces share, a field missing) does not
   * stop the rest: it lands in {@link Topology#rejected()}, with its reason, and is not served.
   *
   * @throws IllegalArgumentException only when {@code json} as a whole is not a stored topology
   *     (not JSON, no version, no list of virtual namespaces)
   */
  public static Topology decode(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "stored topology is not JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("stored topology is not a JSON object");
    }
    JsonNode versionNode = required(root, "version");
    if (!versionNode.canConvertToLong() || versionNode.asLong() < 0) {
      throw new IllegalArgumentException(
          "stored topology: version " + versionNode + " (expected: a number >= 0)");
    }
    Map<String, VirtualNamespace> vnsByName = new LinkedHashMap<>();
    List<Topology.Rejected> rejected = new ArrayList<>();
    for (JsonNode vnsNode : array(root, "virtualNamespaces")) {
      String vnsName = null;
      try {
        vnsName = text(vnsNode, "name");
        Names.requireNamespaceName("virtual_namespace", vnsName);
        if (vnsByName.containsKey(vnsName)) {
          throw new IllegalArgumentException(
              "virtual namespace '" + Names.printable(vnsName) + "' is stored twice");
        }
        List<PhysicalNamespace> physical = new ArrayList<>();
        for (JsonNode p : array(vnsNode, "physicalNamespaces")) {
          try {
            physical.add(physical(p));
          } catch (RuntimeException e) {
            rejected.add(new Topology.Rejected(vnsName, p.toString(), reason(e)));
          }
        }
        VirtualNamespace vns = new VirtualNamespace(vnsName, physical, placement(vnsNode));
        vnsByName.put(vns.name(), vns);
      } catch (RuntimeException e) {
        // the whole virtual namespace entry: its name, its list or its placement is unreadable
        rejected.add(new Topology.Rejected(null, vnsNode.toString(), reason(e)));
      }
    }
    Topology decoded = new Topology(versionNode.asLong(), vnsByName, rejected);
    decoded = withoutSharing(decoded);
    JsonNode stored = root.get("rejected");
    if (stored != null && stored.isArray()) {
      List<Topology.Rejected> all = new ArrayList<>(decoded.rejected());
      for (JsonNode r : stored) {
        JsonNode vns = r.get("virtualNamespace");
        JsonNode entry = r.get("entry");
        JsonNode why = r.get("reason");
        all.add(
            new Topology.Rejected(
                vns == null || !vns.isTextual() ? null : vns.textValue(),
                entry == null ? "null" : entry.isTextual() ? entry.textValue() : entry.toString(),
                why == null || !why.isTextual() ? "rejected" : why.textValue()));
      }
      decoded = new Topology(decoded.version(), decoded.virtualNamespaces(), all);
    }
    return decoded;
  }

  /**
   * Takes every physical namespace that several virtual namespaces hold out of all of them: which
   * one is the rightful owner cannot be told from the store, and serving it in either would let one
   * tenant reach the other's workflows.
   */
  private static Topology withoutSharing(Topology t) {
    if (t.sharing().isEmpty()) {
      return t;
    }
    Map<String, VirtualNamespace> next = new LinkedHashMap<>();
    List<Topology.Rejected> rejected = new ArrayList<>(t.rejected());
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      List<PhysicalNamespace> kept = new ArrayList<>();
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        java.util.Optional<String> other = t.owner(p, vns.name());
        if (other.isPresent()) {
          rejected.add(
              new Topology.Rejected(
                  vns.name(),
                  physicalNode(p).toString(),
                  "physical namespace '"
                      + p.id()
                      + "' is also in virtual namespace '"
                      + other.get()
                      + "'; a physical namespace belongs to one virtual namespace,"
                      + " so neither serves it until the topology is repaired"));
        } else {
          kept.add(p);
        }
      }
      next.put(vns.name(), new VirtualNamespace(vns.name(), kept, vns.placement()));
    }
    return new Topology(t.version(), next, rejected);
  }

  private static PhysicalNamespace physical(JsonNode p) {
    JsonNode weight = required(p, "weight");
    if (!weight.canConvertToInt()) {
      throw new IllegalArgumentException("weight " + weight + " (expected: an integer >= 0)");
    }
    String status = text(p, "status");
    PhysicalNamespaceStatus parsed;
    try {
      parsed = PhysicalNamespaceStatus.valueOf(status);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "status '" + Names.printable(status) + "' (expected: ACTIVE or CORDONED)");
    }
    JsonNode existing = p.get("existingWorkflows");
    if (existing != null && !existing.isNull() && !existing.isBoolean()) {
      throw new IllegalArgumentException(
          "existingWorkflows " + existing + " (expected: true or false)");
    }
    return new PhysicalNamespace(
        text(p, "name"),
        ClusterAddress.parse(text(p, "clusterAddress")),
        parsed,
        weight.asInt(),
        existing != null && existing.booleanValue());
  }

  private static PlacementSettings placement(JsonNode vnsNode) {
    JsonNode placementNode = vnsNode.get("placement");
    // older topologies have no placement settings: they use the default
    if (placementNode == null || !placementNode.isObject()) {
      return PlacementSettings.DEFAULT;
    }
    JsonNode affinity = placementNode.get("affinity");
    return new PlacementSettings(
        text(placementNode, "policy"),
        affinity == null || affinity.isNull()
            ? null
            : new PlacementSettings.Affinity(text(affinity, "kind"), text(affinity, "value")));
  }

  private static ObjectNode physicalNode(PhysicalNamespace p) {
    ObjectNode node =
        JSON.createObjectNode()
            .put("name", p.name())
            .put("clusterAddress", p.clusterAddress().toString())
            .put("status", p.status().name())
            .put("weight", p.weight());
    if (p.existingWorkflows()) {
      node.put("existingWorkflows", true);
    }
    return node;
  }

  private static String reason(RuntimeException e) {
    String message = e.getMessage();
    return message == null
        ? e.getClass().getSimpleName()
        : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** The version a stored document names, even when the rest cannot be read; 0 when none. */
  public static long versionHint(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      JsonNode version = root == null ? null : root.get("version");
      return version != null && version.canConvertToLong() && version.asLong() >= 0
          ? version.asLong()
          : 0;
    } catch (JsonProcessingException e) {
      return 0;
    }
  }

  private static JsonNode required(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new IllegalArgumentException("stored topology: missing field " + field);
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    return required(node, field).asText();
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode value = required(node, field);
    if (!value.isArray()) {
      throw new IllegalArgumentException("stored topology: " + field + " (expected: an array)");
    }
    return value;
  }
}
