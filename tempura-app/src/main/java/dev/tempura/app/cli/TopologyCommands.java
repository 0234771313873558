package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The subcommands that change the topology; each prints the admin API's one-line answer. */
final class TopologyCommands {
  private TopologyCommands() {}

  @Command(name = "create", description = "Creates a virtual namespace.")
  static final class Create extends AdminCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The virtual namespace's name.")
    String name;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      change(
          api,
          "/namespace/virtual/create",
          AdminApi.JSON.createObjectNode().put("name", name),
          TIMEOUT);
    }
  }

  @Command(
      name = "add",
      description = {
        "Adds a physical namespace to a virtual namespace; new workflows start spreading onto it"
            + " at once.",
        "Adding a cordoned one again makes it active."
      })
  static final class Add extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
    String virtual;

    @Parameters(index = "1", paramLabel = "PHYSICAL", description = "The Temporal namespace.")
    String physical;

    @Parameters(
        index = "2",
        paramLabel = "CLUSTER_ADDRESS",
        description = "The Temporal frontend that holds it, host:port.")
    String clusterAddress;

    @Option(
        names = "--weight",
        paramLabel = "N",
        description = "Its share of new workflows relative to the others (default: 1).")
    Integer weight;

    @Option(
        names = "--existing-workflows",
        description =
            "It already holds workflows (Tempura is put in front of a namespace in use): their"
                + " ids are imported, and until that is done a start for an id Tempura does not"
                + " know is looked for there first, so it reaches the existing execution.")
    boolean existingWorkflows;

    @Option(
        names = "--force",
        description =
            "Add it even though it lacks a capability or custom search attribute the others have.")
    boolean force;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      ObjectNode body =
          AdminApi.JSON
              .createObjectNode()
              .put("virtual_namespace", virtual)
              .put("physical_namespace", physical)
              .put("cluster_address", clusterAddress);
      if (weight != null) {
        body.put("weight", weight);
      }
      if (existingWorkflows) {
        body.put("existing_workflows", true);
      }
      if (force) {
        body.put("force", true);
      }
      change(api, "/namespace/physical/add", body, TIMEOUT);
    }
  }

  /** remove, cordon and uncordon: the same request to different paths. */
  abstract static class StatusChange extends AdminCommand {
    @Mixin PhysicalTarget target;

    abstract String path();

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      change(api, path(), target.body(), TIMEOUT);
    }
  }

  @Command(
      name = "remove",
      description = {
        "Cordons a physical namespace, as the admin API's remove does: no new workflows go there;"
            + " existing ones keep running and workers keep polling it.",
        "To take it out of the topology once it has drained, see drain and delete."
      })
  static final class Remove extends StatusChange {
    @Override
    String path() {
      return "/namespace/physical/remove";
    }
  }

  @Command(
      name = "cordon",
      description =
          "Cordons a physical namespace: no new workflows go there; existing ones keep running.")
  static final class Cordon extends StatusChange {
    @Override
    String path() {
      return "/namespace/physical/cordon";
    }
  }

  @Command(
      name = "uncordon",
      description = "Makes a cordoned physical namespace take new workflows again.")
  static final class Uncordon extends StatusChange {
    @Override
    String path() {
      return "/namespace/physical/uncordon";
    }
  }

  @Command(
      name = "weight",
      description = "Sets a physical namespace's share of new workflows; 0 takes none.")
  static final class Weight extends AdminCommand {
    @Mixin PhysicalTarget target;

    @Parameters(index = "2", paramLabel = "N", description = "The weight, an integer >= 0.")
    int weight;

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      change(api, "/namespace/physical/weight", target.body().put("weight", weight), TIMEOUT);
    }
  }

  @Command(
      name = "placement",
      description = {
        "Sets how a virtual namespace places new workflows; without options, shows it.",
        "Options left out keep their current value."
      })
  static final class Placement extends AdminCommand {
    @Parameters(index = "0", paramLabel = "VIRTUAL", description = "The virtual namespace.")
    String virtual;

    @Option(
        names = "--policy",
        paramLabel = "POLICY",
        description =
            "rendezvous (weighted rendezvous hashing), round-robin, or adaptive (weights scaled"
                + " down for slow or failing backends).")
    String policy;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Affinity affinity;

    /** At most one affinity option. */
    static final class Affinity {
      @Option(
          names = "--affinity-prefix",
          paramLabel = "SEP",
          description = "Keep workflows whose ids share the part before the first SEP together.")
      String prefix;

      @Option(
          names = "--affinity-regex",
          paramLabel = "RE",
          description =
              "Keep workflows together whose ids give the same first capture group of RE (or"
                  + " match, without one).")
      String regex;

      @Option(names = "--no-affinity", description = "Place each workflow on its own.")
      boolean none;
    }

    @Override
    void run(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      if (policy == null && affinity == null) {
        show(api);
        return;
      }
      ObjectNode body = AdminApi.JSON.createObjectNode().put("name", virtual);
      if (policy != null) {
        body.put("policy", policy);
      }
      if (affinity != null) {
        if (affinity.none) {
          body.putNull("affinity");
        } else {
          body.putObject("affinity")
              .put("kind", affinity.prefix != null ? "prefix" : "regex")
              .put("value", affinity.prefix != null ? affinity.prefix : affinity.regex);
        }
      }
      change(api, "/namespace/virtual/placement", body, TIMEOUT);
    }

    private void show(AdminApi api)
        throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/namespace/virtual/get";
      JsonNode vns = api.parse(path, api.get(path, Map.of("name", virtual), TIMEOUT));
      print(vns.path("placement"), Tables.placement(vns.path("placement")) + "\n");
    }
  }
}
