package dev.tempura.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * The stored JSON form of a {@link Topology}, the one format every store writes: the embedded
 * store keeps it in its file, the Redis store in its topology hash.
 *
 * <p>Written field by field rather than by data binding, so the stored format is spelled out here
 * and cannot change by accident when the model records gain methods or components (binding would
 * pick up {@code isActive()} as a property, for one). Unknown fields are ignored on read, so an
 * older build can read what a newer one wrote.
 *
 * <pre>{@code
 * {"version": 3,
 *  "virtualNamespaces": [
 *    {"name": "orders",
 *     "physicalNamespaces": [
 *       {"name": "orders-1", "clusterAddress": "a:7233", "status": "ACTIVE", "weight": 1}]}]}
 * }</pre>
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
        physicalArray
            .addObject()
            .put("name", p.name())
            .put("clusterAddress", p.clusterAddress())
            .put("status", p.status().name())
            .put("weight", p.weight());
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
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      // a tree of strings and numbers always serializes
      throw new IllegalStateException("encoding topology version " + topology.version(), e);
    }
  }

  /** Throws {@link IllegalArgumentException} when {@code json} is not a stored topology. */
  public static Topology decode(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("stored topology is not JSON: " + e.getOriginalMessage(), e);
    }
    Map<String, VirtualNamespace> vnsByName = new LinkedHashMap<>();
    for (JsonNode vnsNode : array(root, "virtualNamespaces")) {
      List<PhysicalNamespace> physical = new ArrayList<>();
      for (JsonNode p : array(vnsNode, "physicalNamespaces")) {
        physical.add(
            new PhysicalNamespace(
                text(p, "name"),
                text(p, "clusterAddress"),
                PhysicalNamespaceStatus.valueOf(text(p, "status")),
                required(p, "weight").asInt()));
      }
      PlacementSettings placement = PlacementSettings.DEFAULT;
      JsonNode placementNode = vnsNode.get("placement");
      // older topologies have no placement settings: they use the default
      if (placementNode != null && placementNode.isObject()) {
        JsonNode affinity = placementNode.get("affinity");
        placement =
            new PlacementSettings(
                text(placementNode, "policy"),
                affinity == null || affinity.isNull()
                    ? null
                    : new PlacementSettings.Affinity(text(affinity, "kind"), text(affinity, "value")));
      }
      VirtualNamespace vns = new VirtualNamespace(text(vnsNode, "name"), physical, placement);
      vnsByName.put(vns.name(), vns);
    }
    return new Topology(required(root, "version").asLong(), vnsByName);
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
