package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * Decommissioning: how far a physical namespace has drained, and deleting one or a virtual
 * namespace.
 */
final class DrainCommands {
  private DrainCommands() {}

  @Command(
      name = "drain",
      description = {
        "Shows how far a physical namespace has drained: its open workflows (checked on its"
            + " backend) and the oldest one's start.",
        "It is removable once cordoned with none open."
      })
  static final class Drain extends AdminCommand {
    @Mixin PhysicalTarget target;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/physical/drain";
      Map<String, String> query = new LinkedHashMap<>();
      query.put("virtual_namespace", target.virtual);
      query.put("physical_namespace", target.physical);
      query.put("cluster_address", target.clusterAddress);
      JsonNode report = api.parse(path, api.get(path, query, DRAIN_TIMEOUT));
      print(report, Tables.fields(report));
    }
  }

  @Command(
      name = "delete",
      description = {
        "With VIRTUAL alone, deletes that virtual namespace and its physical namespaces from the"
            + " topology; with VIRTUAL PHYSICAL, takes that physical namespace out of it.",
        "Refused while what goes still holds open workflows (a physical namespace: also while it"
            + " is active), unless --force. Workflows still open there are no longer reachable"
            + " through Tempura."
      })
  static final class Delete extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
    String virtual;

    @Parameters(
        index = "1",
        arity = "0..1",
        paramLabel = "PHYSICAL",
        description = "The physical namespace in it to delete; leave it out to delete VIRTUAL.")
    String physical;

    @Option(
        names = "--cluster-address",
        paramLabel = "ADDRESS",
        description =
            "PHYSICAL's cluster (host:port); needed only when its name is on several clusters.")
    String clusterAddress;

    @Option(names = "--force", description = "Delete even if it is active or holds open workflows.")
    boolean force;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      if (physical == null) {
        if (clusterAddress != null) {
          throw new ParameterException(
              spec.commandLine(),
              "--cluster-address names a physical namespace's cluster: give PHYSICAL too");
        }
        ObjectNode body = AdminApi.JSON.createObjectNode().put("name", virtual).put("force", force);
        change(api, "/namespace/virtual/delete", body, DRAIN_TIMEOUT);
        return;
      }
      ObjectNode body =
          AdminApi.JSON
              .createObjectNode()
              .put("virtual_namespace", virtual)
              .put("physical_namespace", physical);
      if (clusterAddress != null) {
        body.put("cluster_address", clusterAddress);
      }
      change(api, "/namespace/physical/delete", body.put("force", force), DRAIN_TIMEOUT);
    }
  }
}
