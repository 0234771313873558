package dev.tempura.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tempura.admin.AdminHttpException;
import dev.tempura.admin.AdminRequest;
import dev.tempura.admin.AdminResponse;
import dev.tempura.admin.AdminRoute;
import dev.tempura.proxy.TempuraProxy;
import dev.tempura.proxy.lifecycle.DrainReporter;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyDocument;
import dev.tempura.topology.TopologyException;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The changes that take something out of the topology, each refused while what goes still holds
 * open workflows (asked of its backend) unless forced; and how far a physical namespace has
 * drained.
 *
 * <pre>
 * GET  /namespace/physical/drain?virtual_namespace=V&amp;physical_namespace=P[&amp;cluster_address=A]
 * POST /namespace/physical/delete {"virtual_namespace", "physical_namespace", "cluster_address"?, "force"?, "topology_version"?}
 * POST /namespace/virtual/delete  {"name", "force"?, "topology_version"?}
 * POST /topology/apply[?dry_run=true][&amp;force=true]   a {@link TopologyDocument}
 * </pre>
 */
final class DrainRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final String FORCE_HINT = "or force it with \"force\": true (CLI: --force)";

  private final TopologyService topology;
  private final TempuraProxy proxy;

  DrainRoutes(TopologyService topology, TempuraProxy proxy) {
    this.topology = topology;
    this.proxy = proxy;
  }

  Map<String, Map<String, AdminRoute>> routes() {
    return Map.of(
        "/namespace/physical/drain", Map.of("GET", this::drain),
        "/namespace/physical/delete", Map.of("POST", this::deletePhysical),
        "/namespace/virtual/delete", Map.of("POST", this::deleteVirtual),
        "/topology/apply", Map.of("POST", this::apply));
  }

  private AdminResponse drain(String method, Map<String, String> query, byte[] body)
      throws Exception {
    AdminRequest.query(query, Set.of("virtual_namespace", "physical_namespace", "cluster_address"));
    String v = AdminRequest.queryName(query, "virtual_namespace");
    String p = AdminRequest.queryName(query, "physical_namespace");
    ClusterAddress address = AdminRequest.queryAddress(query, "cluster_address");
    VirtualNamespace vns = virtual(v);
    PhysicalNamespace physical = physical(vns, p, address);
    DrainReporter.Report r = report(vns, physical);
    ObjectNode out =
        JSON.createObjectNode()
            .put("virtual_namespace", v)
            .put("physical_namespace", physical.name())
            .put("cluster_address", physical.clusterAddress().toString())
            .put("status", physical.status().name().toLowerCase(Locale.ROOT))
            .put("open_workflows", r.openWorkflows())
            .put("removable", r.openWorkflows() == 0 && !physical.isActive());
    if (r.oldestStartedAt() != null) {
      out.put("oldest_started_at", r.oldestStartedAt().toString());
      out.put(
          "oldest_age_seconds", Duration.between(r.oldestStartedAt(), Instant.now()).toSeconds());
    }
    return AdminResponse.json(200, JSON.writeValueAsString(out) + "\n");
  }

  private AdminResponse deletePhysical(String method, Map<String, String> query, byte[] body)
      throws Exception {
    AdminRequest.query(query, Set.of());
    AdminRequest request =
        AdminRequest.body(
            body,
            Set.of(
                "virtual_namespace",
                "physical_namespace",
                "cluster_address",
                "force",
                AdminRequest.TOPOLOGY_VERSION));
    String v = request.name("virtual_namespace");
    String p = request.name("physical_namespace");
    ClusterAddress address = request.optionalAddress("cluster_address");
    boolean force = request.flag("force");
    VirtualNamespace vns = virtual(v);
    PhysicalNamespace physical = physical(vns, p, address);
    if (!force) {
      if (physical.isActive()) {
        throw new AdminHttpException(
            409,
            "Physical namespace '"
                + p
                + "' is active: cordon it and let it drain first, "
                + FORCE_HINT);
      }
      long open = report(vns, physical).openWorkflows();
      if (open > 0) {
        throw new AdminHttpException(
            409,
            "Physical namespace '"
                + p
                + "' still holds "
                + open
                + " open workflows: wait until they finish, "
                + FORCE_HINT);
      }
    }
    await(
        topology.update(
            TopologyService.deletePhysical(v, p, physical.clusterAddress()),
            request.expectedVersion()));
    return AdminResponse.line(
        200, "Physical namespace '" + p + "' removed from virtual namespace '" + v + "'");
  }

  private AdminResponse deleteVirtual(String method, Map<String, String> query, byte[] body)
      throws Exception {
    AdminRequest.query(query, Set.of());
    AdminRequest request =
        AdminRequest.body(body, Set.of("name", "force", AdminRequest.TOPOLOGY_VERSION));
    String v = request.name("name");
    boolean force = request.flag("force");
    VirtualNamespace vns = virtual(v);
    if (!force) {
      List<String> holding = holding(vns, vns.physicalNamespaces());
      if (!holding.isEmpty()) {
        throw new AdminHttpException(
            409,
            "Virtual namespace '"
                + v
                + "' still holds open workflows ("
                + String.join(", ", holding)
                + "): wait until they finish, "
                + FORCE_HINT);
      }
    }
    await(topology.update(TopologyService.deleteVirtual(v), request.expectedVersion()));
    return AdminResponse.line(200, "Virtual namespace '" + v + "' deleted");
  }

  /**
   * Makes the topology equal to the document in the body, atomically; {@code dry_run} only says
   * what would change. Removing a physical namespace that still holds open workflows is refused
   * unless {@code force}.
   */
  private AdminResponse apply(String method, Map<String, String> query, byte[] body)
      throws Exception {
    AdminRequest.query(query, Set.of("dry_run", "force"));
    boolean dryRun = AdminRequest.queryFlag(query, "dry_run");
    boolean force = AdminRequest.queryFlag(query, "force");
    TopologyDocument.Desired desired;
    try {
      desired =
          TopologyDocument.parse(
              AdminRequest.body(body, Set.of("topology_version", "virtual_namespaces", "rejected"))
                  .json());
    } catch (IllegalArgumentException e) {
      throw AdminHttpException.badRequest(e.getMessage());
    }
    Topology current = topology.current();
    if (desired.expectedVersion() != TopologyService.ANY_VERSION
        && desired.expectedVersion() != current.version()) {
      throw new AdminHttpException(
          409,
          "the topology is at version "
              + current.version()
              + ", not "
              + desired.expectedVersion()
              + " as the file expects; export it again and redo the edit");
    }
    List<String> changes = TopologyDocument.diff(current, desired.topology());
    ObjectNode out = JSON.createObjectNode();
    out.put("dry_run", dryRun);
    ArrayNode lines = out.putArray("changes");
    changes.forEach(lines::add);
    if (dryRun || changes.isEmpty()) {
      out.put("applied", false);
      out.put("topology_version", current.version());
      return AdminResponse.json(200, JSON.writeValueAsString(out) + "\n");
    }
    if (!force) {
      List<String> holding = new ArrayList<>();
      for (VirtualNamespace vns : current.virtualNamespaces().values()) {
        VirtualNamespace next = desired.topology().virtualNamespace(vns.name()).orElse(null);
        List<PhysicalNamespace> removed =
            vns.physicalNamespaces().stream()
                .filter(
                    p ->
                        next == null
                            || next.physicalNamespaces().stream()
                                .noneMatch(q -> q.sameNamespace(p)))
                .toList();
        holding.addAll(holding(vns, removed));
      }
      if (!holding.isEmpty()) {
        throw new AdminHttpException(
            409,
            "the file removes physical namespaces that still hold open workflows ("
                + String.join(", ", holding)
                + "): cordon and drain them first, "
                + FORCE_HINT);
      }
    }
    long expected =
        desired.expectedVersion() == TopologyService.ANY_VERSION
            ? current.version()
            : desired.expectedVersion();
    Topology applied =
        await(topology.update(TopologyService.replaceWith(desired.topology()), expected));
    out.put("applied", true);
    out.put("topology_version", applied.version());
    return AdminResponse.json(200, JSON.writeValueAsString(out) + "\n");
  }

  /** "p@a: N open" for each of {@code physical} that holds open workflows. */
  private List<String> holding(VirtualNamespace vns, List<PhysicalNamespace> physical)
      throws Exception {
    List<String> holding = new ArrayList<>();
    for (PhysicalNamespace p : physical) {
      long open = report(vns, p).openWorkflows();
      if (open > 0) {
        holding.add("'" + p.id() + "': " + open + " open");
      }
    }
    return holding;
  }

  private DrainReporter.Report report(VirtualNamespace vns, PhysicalNamespace p) throws Exception {
    try {
      return proxy.drainReport(vns, p).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new AdminHttpException(
          503,
          "could not count the open workflows of '" + p.id() + "': " + firstLine(e.getCause()));
    } catch (TimeoutException e) {
      throw new AdminHttpException(
          503,
          "counting the open workflows of '" + p.id() + "' took over " + TIMEOUT.toSeconds() + "s");
    }
  }

  private static String firstLine(Throwable t) {
    String m = t == null || t.getMessage() == null ? String.valueOf(t) : t.getMessage();
    return m.lines().findFirst().orElse("");
  }

  private VirtualNamespace virtual(String name) {
    return topology
        .virtualNamespace(name)
        .orElseThrow(
            () -> new AdminHttpException(404, "Virtual namespace '" + name + "' not found"));
  }

  private static PhysicalNamespace physical(
      VirtualNamespace vns, String name, ClusterAddress address) {
    List<PhysicalNamespace> found =
        vns.findByName(name).stream()
            .filter(x -> address == null || x.clusterAddress().sameCluster(address))
            .toList();
    if (found.isEmpty()) {
      throw new AdminHttpException(
          404,
          "Physical namespace '" + name + "' not found in virtual namespace '" + vns.name() + "'");
    }
    if (found.size() > 1) {
      throw new AdminHttpException(
          400,
          "Physical namespace '" + name + "' is on several clusters; name its cluster_address");
    }
    return found.get(0);
  }

  private static <T> T await(java.util.concurrent.CompletableFuture<T> write) throws Exception {
    try {
      return write.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof java.util.concurrent.CompletionException
          && cause.getCause() != null) {
        cause = cause.getCause();
      }
      if (cause instanceof TopologyException te) {
        throw te;
      }
      throw e;
    } catch (TimeoutException e) {
      throw new AdminHttpException(
          503,
          "the topology store did not answer within 30s; the change may still apply, check before retrying");
    }
  }
}
