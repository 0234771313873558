package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.redis.RedisStoreOptions;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyDocument;
import dev.tempura.topology.TopologyException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tempura topology}: the whole topology as one declarative document, exported and applied
 * through a running Tempura's admin API, or offline on its store ({@code --data-dir}, {@code
 * --store}), which is how a topology that keeps a server from starting is repaired.
 */
@Command(
    name = "topology",
    description = {
      "Exports the whole topology as a document (YAML or JSON), and makes the topology equal to"
          + " an edited one, all of it or nothing.",
      "Through a running Tempura's admin API by default; with --data-dir or --store, on the store"
          + " itself, with no server running on an embedded store: the way to repair a topology"
          + " that keeps the server from starting."
    },
    subcommands = {TopologyCommand.Export.class, TopologyApply.class},
    footer = {
      "",
      "Exit status: 0 done, 1 refused (the reason is on stderr), 2 bad usage, 3 the admin API or"
          + " the store could not be reached."
    })
public final class TopologyCommand implements Runnable {
  private static final String EMBEDDED = "embedded";

  /** How long an offline command waits for the store. */
  private static final long STORE_TIMEOUT_SECONDS = 30;

  @Spec private CommandSpec spec;

  @Option(
      names = "--admin",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      description = {
        "The admin API (env TEMPURA_ADMIN_URL;",
        "  default: " + NamespaceCommand.DEFAULT_ADMIN_URL + ")."
      })
  private String admin;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      description =
          "Sent as 'Authorization: Bearer TOKEN'; the admin API requires one off loopback"
              + " (env TEMPURA_ADMIN_TOKEN).")
  private String token;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description =
          "Offline: open the embedded store in DIR (tempura serve's --data-dir) instead of calling"
              + " the admin API. No server may be running on it.")
  private Path dataDir;

  @Option(
      names = "--store",
      paramLabel = "URI",
      scope = ScopeType.INHERIT,
      description =
          "Offline: open this store (tempura serve's --store: a redis://, rediss:// or"
              + " redis-cluster:// URI, or embedded with --data-dir) instead of calling the admin API.")
  private String store;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      scope = ScopeType.INHERIT,
      description = "Show this help message and exit.")
  private boolean help;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  private boolean offline() {
    return dataDir != null || store != null;
  }

  /** The admin API the options (or the environment) name. */
  private AdminApi api(CommandLine command) {
    return NamespaceCommand.api(
        admin != null ? admin : System.getenv("TEMPURA_ADMIN_URL"),
        token != null ? token : System.getenv("TEMPURA_ADMIN_TOKEN"),
        command);
  }

  /** Checks the options that choose where the command works before anything is opened. */
  private void requireOneTarget(CommandLine command) {
    if (offline() && (admin != null || token != null)) {
      throw new ParameterException(
          command,
          (admin != null ? "--admin" : "--token")
              + " is for a running server's admin API, while"
              + " --data-dir and --store open the store here: pass one or the other");
    }
    if (store != null && !store.equals(EMBEDDED)) {
      if (!store.matches("^rediss?(-cluster)?://.+")) {
        throw new ParameterException(
            command,
            "--store: '"
                + Tables.line(store)
                + "' (expected: embedded, redis://..., rediss://..., redis-cluster://...)");
      }
      if (dataDir != null) {
        throw new ParameterException(
            command, "--data-dir is the embedded store's directory: leave it out with --store URI");
      }
    } else if (store != null && dataDir == null) {
      throw new ParameterException(
          command,
          "--store embedded needs --data-dir DIR, the directory tempura serve keeps it in");
    }
  }

  /**
   * Opens the store the options name, for one command.
   *
   * @throws Stop 1 when an embedded store is missing or held by a running server, 3 when a shared
   *     store cannot be reached
   */
  private OpenStore open(CommandLine command) throws Stop {
    if (store != null && !store.equals(EMBEDDED)) {
      RedisStoreOptions options;
      try {
        options = RedisStoreOptions.builder(store).build();
      } catch (IllegalArgumentException e) {
        throw new ParameterException(command, "--store: " + Tables.line(e.getMessage()));
      }
      try {
        Stores redis = Stores.redis(options);
        return new OpenStore(redis.topology(), redis, "--store URI");
      } catch (StoreUnavailableException e) {
        throw new Stop(AdminCommand.EXIT_UNREACHABLE, e.getMessage());
      }
    }
    String dir = Tables.line(dataDir.toString());
    if (!Files.isDirectory(dataDir)) {
      throw new Stop(AdminCommand.EXIT_REFUSED, dir + ": no such directory");
    }
    // EmbeddedStore's file; opening a directory without one would create an empty store
    if (!Files.exists(dataDir.resolve("tempura.mv"))) {
      throw new Stop(
          AdminCommand.EXIT_REFUSED,
          dir
              + " holds no Tempura store (no tempura.mv in it); name the directory tempura serve"
              + " was given as --data-dir");
    }
    try {
      Stores embedded = Stores.embedded(dataDir);
      return new OpenStore(embedded.topology(), embedded, "--data-dir DIR");
    } catch (IllegalStateException e) {
      String message = String.valueOf(e.getMessage());
      // MVStore's "The file is locked": another process, or this one, has the store open
      if (message.toLowerCase(Locale.ROOT).contains("locked")) {
        throw new Stop(
            AdminCommand.EXIT_REFUSED,
            "the store in "
                + dir
                + " is in use, most likely by a running Tempura server: stop it"
                + " first, or work through its admin API (--admin URL) instead");
      }
      throw new Stop(AdminCommand.EXIT_REFUSED, "cannot open the store in " + dir + ": " + message);
    }
  }

  /** A store opened here, and how the repair command names it. */
  record OpenStore(TopologyStore store, AutoCloseable resource, String option)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      resource.close();
    }
  }

  /** The command cannot go on: its exit code and the one line that says why. */
  static class Stop extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    Stop(int exitCode, String message) {
      super(message);
      this.exitCode = exitCode;
    }
  }

  /** A subcommand: online through the admin API, or offline on a store opened for it. */
  abstract static class Subcommand implements Callable<Integer> {
    @ParentCommand TopologyCommand topology;

    @Spec CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
      CommandLine command = spec.commandLine();
      checkOptions(command);
      topology.requireOneTarget(command);
      try {
        if (!topology.offline()) {
          online(topology.api(command));
          return 0;
        }
        try (OpenStore store = topology.open(command)) {
          offline(store);
        }
        return 0;
      } catch (Stop e) {
        return fail(e.exitCode, e.getMessage());
      } catch (AdminApi.Refused e) {
        return fail(AdminCommand.EXIT_REFUSED, e.getMessage());
      } catch (AdminApi.Unreachable e) {
        return fail(AdminCommand.EXIT_UNREACHABLE, e.getMessage());
      } finally {
        out().flush();
      }
    }

    /** Refuses option values that make no sense, as usage errors. */
    void checkOptions(CommandLine command) {}

    abstract void online(AdminApi api)
        throws Stop, AdminApi.Refused, AdminApi.Unreachable, InterruptedException;

    abstract void offline(OpenStore store) throws Stop, InterruptedException;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    private int fail(int exitCode, String message) {
      PrintWriter err = spec.commandLine().getErr();
      err.println(Tables.refusal(message));
      err.flush();
      return exitCode;
    }

    /** The stored topology; refused, saying how to repair it, when it cannot be read. */
    static Topology load(OpenStore store) throws Stop, InterruptedException {
      try {
        return await(store.store().load());
      } catch (StoreFailed e) {
        throw new Stop(
            AdminCommand.EXIT_REFUSED,
            e.getMessage()
                + "; repair it with: tempura topology apply -f FILE "
                + store.option()
                + " --force");
      }
    }

    /**
     * Waits for the store.
     *
     * @throws StoreFailed when the store failed the call (for a load: it cannot read what it holds)
     * @throws Stop 3 when it did not answer, 1 when it refused
     */
    static <T> T await(CompletableFuture<T> future) throws Stop, InterruptedException {
      try {
        return future.get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new Stop(
            AdminCommand.EXIT_UNREACHABLE,
            "the store did not answer within " + STORE_TIMEOUT_SECONDS + "s");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        while (cause instanceof CompletionException && cause.getCause() != null) {
          cause = cause.getCause();
        }
        if (cause instanceof StoreUnavailableException) {
          throw new Stop(AdminCommand.EXIT_UNREACHABLE, cause.getMessage());
        }
        if (cause instanceof TopologyException) {
          throw new Stop(AdminCommand.EXIT_REFUSED, cause.getMessage());
        }
        throw new StoreFailed(
            cause == null ? String.valueOf(e) : String.valueOf(cause.getMessage()));
      }
    }
  }

  /**
   * The store failed the call with an answer of its own, not for being unreachable: from {@link
   * TopologyStore#load}, that the topology it holds cannot be read.
   */
  static final class StoreFailed extends Stop {
    private static final long serialVersionUID = 1L;

    StoreFailed(String message) {
      // the embedded store's own advice names its flags; callers name the ones of the store in use
      super(AdminCommand.EXIT_REFUSED, message.replaceFirst(";\\s*repair it offline with .*$", ""));
    }
  }

  @Command(
      name = "export",
      description = {
        "Prints the whole topology as a document: every virtual namespace with its placement and"
            + " its physical namespaces with their status and weight, the topology version it was"
            + " taken at, and the stored entries that cannot be served (rejected; apply ignores them).",
        "Save it, edit it, and apply it."
      })
  static final class Export extends Subcommand {
    @Option(
        names = {"-o", "--output"},
        paramLabel = "FORMAT",
        defaultValue = "yaml",
        description = "yaml (the default) or json.")
    String format;

    @Override
    void checkOptions(CommandLine command) {
      if (!format.equals("yaml") && !format.equals("json")) {
        throw new ParameterException(
            command,
            "-o: '" + Tables.line(format) + "' is not a document format (expected: yaml or json)");
      }
    }

    @Override
    void online(AdminApi api) throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
      String path = "/topology";
      print(api.parse(path, api.get(path, Map.of(), AdminCommand.TIMEOUT)));
    }

    @Override
    void offline(OpenStore store) throws Stop, InterruptedException {
      print(TopologyDocument.toJson(load(store)));
    }

    private void print(JsonNode document) {
      out()
          .print(
              format.equals("json") ? TopologyFiles.json(document) : TopologyFiles.yaml(document));
    }
  }
}
