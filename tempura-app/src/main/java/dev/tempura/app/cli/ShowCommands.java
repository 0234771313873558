package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The subcommands that show the topology: tables for people, the API's JSON with -o json. */
final class ShowCommands {
  private ShowCommands() {}

  @Command(
      name = "get",
      aliases = "describe",
      description = {
        "Shows a virtual namespace: its placement and its physical namespaces with their status,"
            + " weight, health and Start p95 latency, the topology version, and the stored entries"
            + " of it that cannot be served (rejected), with why."
      })
  static final class Get extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
    String virtual;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/virtual/get";
      JsonNode vns = api.parse(path, api.get(path, Map.of("name", virtual), TIMEOUT));
      print(vns, Tables.virtualNamespace(vns));
    }
  }

  @Command(
      name = "list",
      description =
          "Shows every virtual namespace as get does, the topology version, and every stored entry"
              + " that cannot be served (rejected).")
  static final class ListAll extends AdminCommand {
    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/virtual/list";
      JsonNode answer = api.parse(path, api.get(path, Map.of(), TIMEOUT));
      print(answer, table(answer));
    }

    private static String table(JsonNode answer) {
      StringBuilder text = new StringBuilder();
      if (answer.path("topology_version").isIntegralNumber()) {
        text.append(
            Tables.keyValues(
                List.of(Map.entry("topology version", answer.path("topology_version").asText()))));
        text.append('\n');
      }
      JsonNode all = answer.path("virtual_namespaces");
      if (all.isEmpty()) {
        text.append("No virtual namespaces; create one with: tempura namespace create NAME\n");
      }
      String separator = "";
      for (JsonNode vns : all) {
        text.append(separator).append(Tables.virtualNamespace(vns));
        separator = "\n";
      }
      if (!answer.path("rejected").isEmpty()) {
        text.append('\n').append(Tables.rejected(answer.path("rejected"), true));
      }
      return text.toString();
    }
  }
}
