package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.Names;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyDocument;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tempura topology apply}: see its description. */
@Command(
    name = "apply",
    description = {
      "Makes the topology equal to FILE (YAML when named .yaml or .yml, else JSON; as export"
          + " prints it), in one change: all of it or nothing. Prints what changes, one line each.",
      "Refused when the topology has moved on since FILE's topology_version (export again and"
          + " redo the edit), and when it removes physical namespaces that still hold open"
          + " workflows, unless --force; offline, where open workflows cannot be counted, any"
          + " removal of a physical namespace needs --force.",
      "Offline, on a store whose topology cannot be read, --force overwrites it with FILE's."
    })
final class TopologyApply extends TopologyCommand.Subcommand {
  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      required = true,
      description = "The topology document.")
  Path file;

  @Option(names = "--dry-run", description = "Print what would change, and change nothing.")
  boolean dryRun;

  @Option(
      names = "--force",
      description =
          "Remove physical namespaces even if they hold open workflows; offline, overwrite a"
              + " stored topology that cannot be read.")
  boolean force;

  @Override
  void online(AdminApi api)
      throws TopologyCommand.Stop, AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
    JsonNode document = read();
    String path =
        "/topology/apply"
            + (dryRun ? "?dry_run=true" : "")
            + (force ? (dryRun ? "&" : "?") + "force=true" : "");
    JsonNode answer =
        api.parse("/topology/apply", api.post(path, document, AdminCommand.DRAIN_TIMEOUT));
    List<String> changes = new ArrayList<>();
    answer.path("changes").forEach(c -> changes.add(c.asText()));
    report(changes, answer.path("applied").asBoolean(), answer.path("topology_version").asLong());
  }

  @Override
  void offline(TopologyCommand.OpenStore store) throws TopologyCommand.Stop, InterruptedException {
    TopologyDocument.Desired desired = parse(read());
    try {
      await(store.store().load());
    } catch (TopologyCommand.StoreFailed e) {
      repair(store, desired, e.getMessage());
      return;
    }
    try (TopologyService service = TopologyService.load(store.store())) {
      Topology current = service.current();
      requireVersion(desired, current.version());
      List<String> changes = TopologyDocument.diff(current, desired.topology());
      if (dryRun || changes.isEmpty()) {
        report(changes, false, current.version());
        return;
      }
      List<String> removed = removedPhysical(current, desired.topology());
      if (!force && !removed.isEmpty()) {
        throw new TopologyCommand.Stop(
            AdminCommand.EXIT_REFUSED,
            Tables.line(file.toString())
                + " removes physical namespaces ("
                + String.join(", ", removed)
                + ") whose open workflows cannot be counted offline: apply it through the admin"
                + " API, which counts them, or pass --force once they have drained");
      }
      long expected =
          desired.expectedVersion() == TopologyService.ANY_VERSION
              ? current.version()
              : desired.expectedVersion();
      Topology applied =
          await(service.update(TopologyService.replaceWith(desired.topology()), expected));
      report(changes, true, applied.version());
    }
  }

  /**
   * Writes FILE's topology over one that cannot be read, as the next version, if --force says so:
   * {@link TopologyStore#storedVersion} is readable when the topology is not.
   */
  private void repair(
      TopologyCommand.OpenStore store, TopologyDocument.Desired desired, String unreadable)
      throws TopologyCommand.Stop, InterruptedException {
    if (!force) {
      throw new TopologyCommand.Stop(
          AdminCommand.EXIT_REFUSED,
          "the stored topology cannot be read ("
              + unreadable
              + "); --force overwrites it with "
              + Tables.line(file.toString())
              + "'s topology");
    }
    long stored = await(store.store().storedVersion());
    Topology next = new Topology(stored + 1, desired.topology().virtualNamespaces());
    List<String> changes = TopologyDocument.diff(Topology.EMPTY, next);
    changes.forEach(c -> out().println(Tables.line(c)));
    if (dryRun) {
      out()
          .println(
              "Dry run: would overwrite the unreadable stored topology (version "
                  + stored
                  + ") with "
                  + count(changes)
                  + ", as version "
                  + next.version()
                  + "; nothing applied");
      return;
    }
    if (!await(store.store().compareAndSet(next))) {
      throw new TopologyCommand.Stop(
          AdminCommand.EXIT_REFUSED,
          "the stored topology changed during the repair (it is no longer at version "
              + stored
              + "); run the command again");
    }
    out()
        .println(
            "Overwrote the unreadable stored topology with "
                + count(changes)
                + ": topology version "
                + next.version());
  }

  private JsonNode read() throws TopologyCommand.Stop {
    JsonNode document;
    try {
      document = TopologyFiles.read(file);
    } catch (IllegalArgumentException e) {
      throw new TopologyCommand.Stop(AdminCommand.EXIT_REFUSED, e.getMessage());
    }
    parse(document); // refused here, naming the file, rather than by the server
    return document;
  }

  private TopologyDocument.Desired parse(JsonNode document) throws TopologyCommand.Stop {
    try {
      return TopologyDocument.parse(document);
    } catch (IllegalArgumentException e) {
      throw new TopologyCommand.Stop(
          AdminCommand.EXIT_REFUSED, Tables.line(file.toString()) + ": " + e.getMessage());
    }
  }

  private void requireVersion(TopologyDocument.Desired desired, long current)
      throws TopologyCommand.Stop {
    if (desired.expectedVersion() != TopologyService.ANY_VERSION
        && desired.expectedVersion() != current) {
      throw new TopologyCommand.Stop(
          AdminCommand.EXIT_REFUSED,
          "the topology is at version "
              + current
              + ", not "
              + desired.expectedVersion()
              + " as the file expects; export it again and redo the edit");
    }
  }

  /** The physical namespaces of {@code current} that {@code desired} leaves out, as ids. */
  private static List<String> removedPhysical(Topology current, Topology desired) {
    List<String> removed = new ArrayList<>();
    for (VirtualNamespace vns : current.virtualNamespaces().values()) {
      VirtualNamespace next = desired.virtualNamespace(vns.name()).orElse(null);
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (next == null || next.physicalNamespaces().stream().noneMatch(q -> q.sameNamespace(p))) {
          removed.add("'" + Names.printable(p.id()) + "'");
        }
      }
    }
    return removed;
  }

  /** The changes, one a line, then what became of them. */
  private void report(List<String> changes, boolean applied, long version) {
    changes.forEach(c -> out().println(Tables.line(c)));
    if (changes.isEmpty()) {
      out().println("No changes (topology version " + version + ")");
    } else if (applied) {
      out().println("Applied " + count(changes) + ": topology version " + version);
    } else {
      out()
          .println(
              "Dry run: "
                  + count(changes)
                  + ", nothing applied (topology version "
                  + version
                  + ")");
    }
  }

  private static String count(List<String> changes) {
    return changes.size() + (changes.size() == 1 ? " change" : " changes");
  }
}
