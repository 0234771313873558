package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** The subcommands that show the topology: tables for people, the API's JSON with --json. */
final class ShowCommands {
  private ShowCommands() {}

  @Command(
      name = "get",
      description =
          "Shows a virtual namespace: its placement and its physical namespaces with their status,"
              + " weight, health and Start p95 latency.")
  static final class Get extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
    String virtual;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/virtual/get";
      String body = api.get(path, Map.of("name", virtual), TIMEOUT);
      JsonNode vns = api.parse(path, body);
      out().print(json() ? body.strip() + "\n" : Tables.virtualNamespace(vns));
    }
  }

  @Command(name = "list", description = "Shows every virtual namespace, as get does.")
  static final class ListAll extends AdminCommand {
    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/virtual/list";
      String body = api.get(path, Map.of(), TIMEOUT);
      JsonNode all = api.parse(path, body).path("virtual_namespaces");
      if (json()) {
        out().print(body.strip() + "\n");
        return;
      }
      if (all.isEmpty()) {
        out().println("No virtual namespaces; create one with: tempura namespace create NAME");
        return;
      }
      String separator = "";
      for (JsonNode vns : all) {
        out().print(separator + Tables.virtualNamespace(vns));
        separator = "\n";
      }
    }
  }
}
