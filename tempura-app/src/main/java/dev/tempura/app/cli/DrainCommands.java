package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Decommissioning a physical namespace: how far it has drained, and its deletion. */
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
      String body = api.get(path, query, DRAIN_TIMEOUT);
      JsonNode report = api.parse(path, body);
      out().print(json() ? body.strip() + "\n" : Tables.fields(report));
    }
  }

  @Command(
      name = "delete",
      description = {
        "Takes a physical namespace out of the topology. Refused while it is active or still holds"
            + " open workflows, unless --force.",
        "Workflows still open on it are no longer reachable through Tempura."
      })
  static final class Delete extends AdminCommand {
    @Mixin PhysicalTarget target;

    @Option(
        names = "--force",
        description = "Delete even if it is active or holds open workflows.")
    boolean force;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      change(api, "/namespace/physical/delete", target.body().put("force", force), DRAIN_TIMEOUT);
    }
  }
}
