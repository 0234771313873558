package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The declarative form of a topology, as {@code tempura topology export} prints it and {@code
 * tempura topology apply} and {@code POST /topology/apply} take it (JSON here; the CLI also reads
 * and writes the same tree as YAML):
 *
 * <pre>{@code
 * {"topology_version": 7,
 *  "virtual_namespaces": [
 *    {"name": "my-app-namespace",
 *     "placement": {"policy": "rendezvous", "affinity": null},
 *     "physical_namespaces": [
 *       {"name": "namespace-a", "cluster_address": "cluster-a:7233", "status": "active", "weight": 1}]}],
 *  "rejected": [...]}
 * }</pre>
 *
 * <p>Read strictly: an unknown field, a name or address that {@link Names} and {@link
 * ClusterAddress} refuse, a virtual namespace listed twice or a physical namespace in two virtual
 * namespaces is an error naming where it is. {@code topology_version}, when present, is the version
 * the document was made from, and an apply is refused if the topology has moved on since; {@code
 * placement}, {@code status} ({@code active}), {@code weight} (1) and {@code existing_workflows}
 * ({@code false}; written only when true, see {@link PhysicalNamespace}) may be left out; {@code
 * rejected} (what the store could not serve, shown by export) is ignored, since an apply replaces
 * it.
 */
public final class TopologyDocument {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> ROOT_FIELDS =
      Set.of("topology_version", "virtual_namespaces", "rejected");
  private static final Set<String> VNS_FIELDS = Set.of("name", "placement", "physical_namespaces");
  private static final Set<String> PLACEMENT_FIELDS = Set.of("policy", "affinity");
  private static final Set<String> AFFINITY_FIELDS = Set.of("kind", "value");
  private static final Set<String> PHYSICAL_FIELDS =
      Set.of("name", "cluster_address", "status", "weight", "existing_workflows");

  private TopologyDocument() {}

  /**
   * What a document asks for.
   *
   * @param topology the virtual namespaces it lists, in its order (its version is 0)
   * @param expectedVersion its {@code topology_version}, or {@link TopologyService#ANY_VERSION}
   */
  public record Desired(Topology topology, long expectedVersion) {}

  /** The document of {@code topology}, {@code rejected} included when there are any. */
  public static ObjectNode toJson(Topology topology) {
    ObjectNode root = NODES.objectNode();
    root.put("topology_version", topology.version());
    ArrayNode all = root.putArray("virtual_namespaces");
    for (VirtualNamespace vns : topology.virtualNamespaces().values()) {
      all.add(virtualNamespace(vns));
    }
    if (!topology.rejected().isEmpty()) {
      ArrayNode rejected = root.putArray("rejected");
      for (Topology.Rejected r : topology.rejected()) {
        rejected(rejected.addObject(), r);
      }
    }
    return root;
  }

  /** One virtual namespace as the document and the admin API's {@code get} show it. */
  public static ObjectNode virtualNamespace(VirtualNamespace vns) {
    ObjectNode node = NODES.objectNode();
    node.put("name", vns.name());
    ObjectNode placement = node.putObject("placement").put("policy", vns.placement().policy());
    if (vns.placement().affinity() == null) {
      placement.putNull("affinity");
    } else {
      placement
          .putObject("affinity")
          .put("kind", vns.placement().affinity().kind())
          .put("value", vns.placement().affinity().value());
    }
    ArrayNode physical = node.putArray("physical_namespaces");
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      physical.add(physicalNamespace(p));
    }
    return node;
  }

  /**
   * One physical namespace: name, cluster_address, status (lower case), weight, and {@code
   * existing_workflows} when it is declared (left out otherwise, so documents of namespaces without
   * it read as before).
   */
  public static ObjectNode physicalNamespace(PhysicalNamespace p) {
    ObjectNode node =
        NODES
            .objectNode()
            .put("name", p.name())
            .put("cluster_address", p.clusterAddress().toString())
            .put("status", p.status().name().toLowerCase(Locale.ROOT))
            .put("weight", p.weight());
    if (p.existingWorkflows()) {
      node.put("existing_workflows", true);
    }
    return node;
  }

  /** A rejected entry: {@code virtual_namespace}, {@code entry} (as stored) and {@code reason}. */
  public static ObjectNode rejected(ObjectNode into, Topology.Rejected r) {
    return into.put("virtual_namespace", r.virtualNamespace())
        .put("entry", r.entry())
        .put("reason", r.reason());
  }

  /**
   * Reads a document.
   *
   * @throws IllegalArgumentException one line naming where the document is wrong
   */
  public static Desired parse(JsonNode root) {
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("topology: expected a JSON object");
    }
    onlyFields(root, "topology", ROOT_FIELDS);
    long expected = TopologyService.ANY_VERSION;
    JsonNode version = root.get("topology_version");
    if (version != null && !version.isNull()) {
      if (!version.isIntegralNumber() || !version.canConvertToLong() || version.longValue() < 0) {
        throw new IllegalArgumentException("topology_version: expected an integer >= 0");
      }
      expected = version.longValue();
    }
    JsonNode list = root.get("virtual_namespaces");
    if (list == null || !list.isArray()) {
      throw new IllegalArgumentException("virtual_namespaces: expected a list (it may be empty)");
    }
    Map<String, VirtualNamespace> byName = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode node : list) {
      String where = "virtual_namespaces[" + i++ + "]";
      VirtualNamespace vns = parseVirtual(node, where);
      if (byName.putIfAbsent(vns.name(), vns) != null) {
        throw new IllegalArgumentException(
            where + ": virtual namespace '" + Names.printable(vns.name()) + "' is listed twice");
      }
    }
    Topology topology = new Topology(0, byName);
    List<String> sharing = topology.sharing();
    if (!sharing.isEmpty()) {
      throw new IllegalArgumentException(
          sharing.get(0) + "; a physical namespace can serve one virtual namespace only");
    }
    return new Desired(topology, expected);
  }

  private static VirtualNamespace parseVirtual(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object");
    }
    onlyFields(node, where, VNS_FIELDS);
    String name = requiredText(node, "name", where);
    String named = where + " ('" + Names.printable(name) + "')";
    wrap(named, () -> Names.requireNamespaceName("name", name));
    PlacementSettings placement = PlacementSettings.DEFAULT;
    JsonNode p = node.get("placement");
    if (p != null && !p.isNull()) {
      placement = wrap(named, () -> parsePlacement(p, named + ".placement"));
    }
    List<PhysicalNamespace> physical = new ArrayList<>();
    JsonNode list = node.get("physical_namespaces");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new IllegalArgumentException(named + ".physical_namespaces: expected a list");
      }
      int i = 0;
      for (JsonNode entry : list) {
        String at = named + ".physical_namespaces[" + i++ + "]";
        PhysicalNamespace parsed = parsePhysical(entry, at);
        Optional<PhysicalNamespace> twice =
            physical.stream().filter(q -> q.sameNamespace(parsed)).findFirst();
        if (twice.isPresent()) {
          throw new IllegalArgumentException(at + ": '" + parsed.id() + "' is listed twice");
        }
        physical.add(parsed);
      }
    }
    PlacementSettings settled = placement;
    return wrap(named, () -> new VirtualNamespace(name, physical, settled));
  }

  private static PlacementSettings parsePlacement(JsonNode p, String where) {
    if (!p.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object");
    }
    onlyFields(p, where, PLACEMENT_FIELDS);
    String policy = optionalText(p, "policy", where);
    PlacementSettings.Affinity affinity = null;
    JsonNode a = p.get("affinity");
    if (a != null && !a.isNull()) {
      if (!a.isObject()) {
        throw new IllegalArgumentException(where + ".affinity: expected an object or null");
      }
      onlyFields(a, where + ".affinity", AFFINITY_FIELDS);
      affinity =
          new PlacementSettings.Affinity(
              requiredText(a, "kind", where + ".affinity"),
              requiredText(a, "value", where + ".affinity"));
    }
    return new PlacementSettings(policy == null ? PlacementSettings.RENDEZVOUS : policy, affinity);
  }

  private static PhysicalNamespace parsePhysical(JsonNode node, String where) {
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object");
    }
    onlyFields(node, where, PHYSICAL_FIELDS);
    String name = requiredText(node, "name", where);
    ClusterAddress address =
        wrap(where, () -> ClusterAddress.parse(requiredText(node, "cluster_address", where)));
    String statusText = optionalText(node, "status", where);
    PhysicalNamespaceStatus status = PhysicalNamespaceStatus.ACTIVE;
    if (statusText != null) {
      status =
          switch (statusText.toLowerCase(Locale.ROOT)) {
            case "active" -> PhysicalNamespaceStatus.ACTIVE;
            case "cordoned" -> PhysicalNamespaceStatus.CORDONED;
            default ->
                throw new IllegalArgumentException(
                    where
                        + ".status: '"
                        + Names.printable(statusText)
                        + "' (expected: active or cordoned)");
          };
    }
    int weight = PhysicalNamespace.DEFAULT_WEIGHT;
    JsonNode w = node.get("weight");
    if (w != null && !w.isNull()) {
      if (!w.isIntegralNumber() || !w.canConvertToInt() || w.intValue() < 0) {
        throw new IllegalArgumentException(where + ".weight: expected an integer >= 0");
      }
      weight = w.intValue();
    }
    boolean existing = false;
    JsonNode e = node.get("existing_workflows");
    if (e != null && !e.isNull()) {
      if (!e.isBoolean()) {
        throw new IllegalArgumentException(where + ".existing_workflows: expected true or false");
      }
      existing = e.booleanValue();
    }
    PhysicalNamespaceStatus settled = status;
    int settledWeight = weight;
    boolean settledExisting = existing;
    return wrap(
        where, () -> new PhysicalNamespace(name, address, settled, settledWeight, settledExisting));
  }

  /**
   * What applying {@code desired} to {@code current} changes, one line each; empty when nothing
   * does. Physical namespaces are matched by name and cluster.
   */
  public static List<String> diff(Topology current, Topology desired) {
    requireNonNull(current, "current");
    requireNonNull(desired, "desired");
    List<String> changes = new ArrayList<>();
    for (VirtualNamespace was : current.virtualNamespaces().values()) {
      if (desired.virtualNamespace(was.name()).isEmpty()) {
        changes.add(
            "- virtual namespace '"
                + Names.printable(was.name())
                + "' (with "
                + was.physicalNamespaces().size()
                + " physical namespaces)");
      }
    }
    for (VirtualNamespace next : desired.virtualNamespaces().values()) {
      String v = "'" + Names.printable(next.name()) + "'";
      Optional<VirtualNamespace> existing = current.virtualNamespace(next.name());
      if (existing.isEmpty()) {
        changes.add("+ virtual namespace " + v + " (placement " + describe(next.placement()) + ")");
        for (PhysicalNamespace p : next.physicalNamespaces()) {
          changes.add(
              "+ physical namespace '"
                  + Names.printable(p.id())
                  + "' in "
                  + v
                  + " ("
                  + describe(p)
                  + ")");
        }
        continue;
      }
      VirtualNamespace was = existing.get();
      if (!was.placement().equals(next.placement())) {
        changes.add(
            "~ virtual namespace "
                + v
                + ": placement "
                + describe(was.placement())
                + " -> "
                + describe(next.placement()));
      }
      for (PhysicalNamespace p : was.physicalNamespaces()) {
        if (next.physicalNamespaces().stream().noneMatch(q -> q.sameNamespace(p))) {
          changes.add("- physical namespace '" + Names.printable(p.id()) + "' from " + v);
        }
      }
      for (PhysicalNamespace p : next.physicalNamespaces()) {
        Optional<PhysicalNamespace> before =
            was.physicalNamespaces().stream().filter(q -> q.sameNamespace(p)).findFirst();
        if (before.isEmpty()) {
          changes.add(
              "+ physical namespace '"
                  + Names.printable(p.id())
                  + "' in "
                  + v
                  + " ("
                  + describe(p)
                  + ")");
        } else if (before.get().status() != p.status()
            || before.get().weight() != p.weight()
            // a declaration can be added, never withdrawn (keepingStoredAddresses keeps it)
            || (p.existingWorkflows() && !before.get().existingWorkflows())) {
          changes.add(
              "~ physical namespace '"
                  + Names.printable(p.id())
                  + "' in "
                  + v
                  + ": "
                  + describe(before.get())
                  + " -> "
                  + describe(p));
        }
      }
    }
    for (Topology.Rejected r : current.rejected()) {
      changes.add(
          "- rejected entry "
              + Names.printable(r.entry())
              + " ("
              + Names.printable(r.reason())
              + ")");
    }
    return changes;
  }

  /**
   * {@code desired} as the next version of {@code current}, keeping the stored spelling of every
   * cluster address that names the same cluster (it is part of the ids mappings are keyed by).
   */
  public static Topology keepingStoredAddresses(Topology current, Topology desired) {
    Map<String, VirtualNamespace> next = new LinkedHashMap<>();
    for (VirtualNamespace vns : desired.virtualNamespaces().values()) {
      List<PhysicalNamespace> physical = new ArrayList<>();
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        PhysicalNamespace kept = p;
        for (VirtualNamespace old : current.virtualNamespaces().values()) {
          for (PhysicalNamespace q : old.physicalNamespaces()) {
            if (q.sameNamespace(p)) {
              kept =
                  new PhysicalNamespace(
                      p.name(),
                      q.clusterAddress(),
                      p.status(),
                      p.weight(),
                      // a declaration is never withdrawn, not even by a document that omits it
                      p.existingWorkflows() || q.existingWorkflows());
            }
          }
        }
        physical.add(kept);
      }
      next.put(vns.name(), new VirtualNamespace(vns.name(), physical, vns.placement()));
    }
    return new Topology(desired.version(), next);
  }

  private static String describe(PlacementSettings p) {
    return p.policy()
        + (p.affinity() == null
            ? ""
            : ", affinity "
                + p.affinity().kind()
                + " '"
                + Names.printable(p.affinity().value())
                + "'");
  }

  private static String describe(PhysicalNamespace p) {
    return p.status().name().toLowerCase(Locale.ROOT)
        + ", weight "
        + p.weight()
        + (p.existingWorkflows() ? ", existing workflows" : "");
  }

  private static void onlyFields(JsonNode node, String where, Set<String> allowed) {
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!allowed.contains(field)) {
        unknown.add("'" + Names.printable(field) + "'");
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          where
              + ": unknown field"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", unknown)
              + " (expected: "
              + String.join(", ", allowed.stream().sorted().toList())
              + ")");
    }
  }

  private static String requiredText(JsonNode node, String field, String where) {
    String value = optionalText(node, field, where);
    if (value == null) {
      throw new IllegalArgumentException(where + ": missing field " + field);
    }
    return value;
  }

  private static String optionalText(JsonNode node, String field, String where) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException(where + "." + field + ": expected a string");
    }
    return value.textValue();
  }

  /** Runs {@code parse}, prefixing its refusal with where in the document it happened. */
  private static <T> T wrap(String where, java.util.function.Supplier<T> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw new IllegalArgumentException(
          message != null && message.startsWith(where) ? message : where + ": " + message, e);
    }
  }
}
