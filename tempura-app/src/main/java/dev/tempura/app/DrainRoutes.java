package dev.tempura.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempura.admin.AdminResponse;
import dev.tempura.admin.AdminRoute;
import dev.tempura.proxy.TempuraProxy;
import dev.tempura.proxy.lifecycle.DrainReporter;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Draining and decommissioning a physical namespace: how many open workflows it still holds, and
 * its removal from the topology, which is refused while any are open unless forced.
 *
 * <pre>
 * GET  /namespace/physical/drain?virtual_namespace=V&physical_namespace=P[&cluster_address=A]
 * POST /namespace/physical/delete {"virtual_namespace", "physical_namespace", "cluster_address"?, "force"?}
 * </pre>
 */
final class DrainRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  private final TopologyService topology;
  private final TempuraProxy proxy;

  DrainRoutes(TopologyService topology, TempuraProxy proxy) {
    this.topology = topology;
    this.proxy = proxy;
  }

  Map<String, Map<String, AdminRoute>> routes() {
    return Map.of(
        "/namespace/physical/drain", Map.of("GET", this::drain),
        "/namespace/physical/delete", Map.of("POST", this::delete));
  }

  private AdminResponse drain(String method, Map<String, String> query, byte[] body) throws Exception {
    String v = query.get("virtual_namespace");
    String p = query.get("physical_namespace");
    if (v == null || v.isBlank() || p == null || p.isBlank()) {
      return AdminResponse.text(400, "missing query parameter: virtual_namespace and physical_namespace\n");
    }
    Target t = find(v, p, query.get("cluster_address"));
    if (t.error != null) {
      return t.error;
    }
    DrainReporter.Report r = proxy.drainReport(t.vns, t.physical).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    ObjectNode out =
        JSON.createObjectNode()
            .put("virtual_namespace", v)
            .put("physical_namespace", t.physical.name())
            .put("cluster_address", t.physical.clusterAddress().toString())
            .put("status", t.physical.status().name().toLowerCase(Locale.ROOT))
            .put("open_workflows", r.openWorkflows())
            .put("removable", r.openWorkflows() == 0 && !t.physical.isActive());
    if (r.oldestStartedAt() != null) {
      out.put("oldest_started_at", r.oldestStartedAt().toString());
      out.put("oldest_age_seconds", Duration.between(r.oldestStartedAt(), Instant.now()).toSeconds());
    }
    return AdminResponse.json(200, JSON.writeValueAsString(out) + "\n");
  }

  private AdminResponse delete(String method, Map<String, String> query, byte[] body) throws Exception {
    JsonNode request;
    try {
      request = JSON.readTree(body);
    } catch (IOException e) {
      return AdminResponse.text(400, "malformed JSON: " + e.getMessage().lines().findFirst().orElse("") + "\n");
    }
    if (request == null || !request.isObject()) {
      return AdminResponse.text(400, "request body must be a JSON object\n");
    }
    String v = text(request, "virtual_namespace");
    String p = text(request, "physical_namespace");
    if (v == null || p == null) {
      return AdminResponse.text(400, "missing field: " + (v == null ? "virtual_namespace" : "physical_namespace") + "\n");
    }
    boolean force = request.path("force").asBoolean(false);
    Target t = find(v, p, text(request, "cluster_address"));
    if (t.error != null) {
      return t.error;
    }
    if (!force) {
      if (t.physical.isActive()) {
        return AdminResponse.text(
            409, "Physical namespace '" + p + "' is active: cordon it and let it drain first, or pass \"force\": true\n");
      }
      long open = proxy.drainReport(t.vns, t.physical).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).openWorkflows();
      if (open > 0) {
        return AdminResponse.text(
            409,
            "Physical namespace '" + p + "' still holds " + open
                + " open workflows: wait until they finish, or pass \"force\": true\n");
      }
    }
    try {
      topology.deletePhysicalNamespace(v, p, t.physical.clusterAddress()).get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof TopologyException te) {
        return AdminResponse.text(te.reason() == TopologyException.Reason.NOT_FOUND ? 404 : 409, te.getMessage() + "\n");
      }
      throw e;
    }
    return AdminResponse.text(
        200, "Physical namespace '" + p + "' removed from virtual namespace '" + v + "'\n");
  }

  private record Target(VirtualNamespace vns, PhysicalNamespace physical, AdminResponse error) {}

  private Target find(String virtualName, String physicalName, String clusterAddress) {
    VirtualNamespace vns = topology.virtualNamespace(virtualName).orElse(null);
    if (vns == null) {
      return new Target(null, null, AdminResponse.text(404, "Virtual namespace '" + virtualName + "' not found\n"));
    }
    List<PhysicalNamespace> found =
        vns.findByName(physicalName).stream()
            .filter(x -> clusterAddress == null || x.clusterAddress().toString().equalsIgnoreCase(clusterAddress))
            .toList();
    if (found.isEmpty()) {
      return new Target(vns, null, AdminResponse.text(
          404, "Physical namespace '" + physicalName + "' not found in virtual namespace '" + virtualName + "'\n"));
    }
    if (found.size() > 1) {
      return new Target(vns, null, AdminResponse.text(
          400, "Physical namespace '" + physicalName + "' is on several clusters; name its cluster_address\n"));
    }
    return new Target(vns, found.get(0), null);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || !v.isTextual() || v.asText().isBlank() ? null : v.asText();
  }
}
