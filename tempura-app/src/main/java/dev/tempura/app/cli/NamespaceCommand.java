package dev.tempura.app.cli;

import java.net.URI;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code tempura namespace}: the admin API from the command line. The options here are inherited by
 * every subcommand, so they may come before or after the subcommand's name.
 */
@Command(
    name = "namespace",
    description = {
      "Shows and changes the topology through a running Tempura's admin HTTP API.",
      "One virtual namespace (what clients see) spans physical namespaces on Temporal clusters."
    },
    subcommands = {
      TopologyCommands.Create.class,
      TopologyCommands.Add.class,
      TopologyCommands.Remove.class,
      TopologyCommands.Cordon.class,
      TopologyCommands.Uncordon.class,
      TopologyCommands.Weight.class,
      TopologyCommands.Placement.class,
      ShowCommands.Get.class,
      ShowCommands.ListAll.class,
      DrainCommands.Drain.class,
      DrainCommands.Delete.class
    },
    footer = {
      "",
      "To see or change the whole topology at once, from a file, see: tempura topology --help.",
      "",
      "Exit status: 0 done, 1 the admin API refused (its message is on stderr), 2 bad usage,"
          + " 3 the admin API could not be reached."
    })
public final class NamespaceCommand implements Runnable {
  static final String DEFAULT_ADMIN_URL = "http://127.0.0.1:8089";

  @Spec private CommandSpec spec;

  @Option(
      names = "--admin",
      paramLabel = "URL",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:TEMPURA_ADMIN_URL}",
      description = {
        "The admin API (env TEMPURA_ADMIN_URL;",
        "  default: " + DEFAULT_ADMIN_URL + ")."
      })
  private String admin;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      defaultValue = "${env:TEMPURA_ADMIN_TOKEN}",
      description =
          "Sent as 'Authorization: Bearer TOKEN'; the admin API requires one off loopback"
              + " (env TEMPURA_ADMIN_TOKEN).")
  private String token;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description =
          "Print JSON for scripts: the API's JSON, or {\"ok\": true, \"message\": ...} for a change;"
              + " the same as -o json.")
  private boolean json;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description = "table (the default) or json.")
  private String output;

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

  boolean json() {
    return json || "json".equals(output);
  }

  /**
   * The admin API the options name.
   *
   * @throws ParameterException when {@code --admin} is not an http(s) URL, {@code --token} cannot
   *     be a header value, or {@code -o} names no format
   */
  AdminApi api(CommandLine command) {
    if (output != null && !output.equals("json") && !output.equals("table")) {
      throw new ParameterException(
          command,
          "-o: '" + Tables.line(output) + "' is not an output format (expected: table or json)");
    }
    if (json && "table".equals(output)) {
      throw new ParameterException(command, "--json and -o table contradict each other; pass one");
    }
    return api(admin, token, command);
  }

  /**
   * The admin API at {@code admin} (blank for the default), called with {@code token}.
   *
   * @throws ParameterException when {@code admin} is not an http(s) URL, or {@code token} cannot be
   *     a header value
   */
  static AdminApi api(String admin, String token, CommandLine command) {
    if (token != null && token.strip().chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
      throw new ParameterException(command, "--token: contains spaces or control characters");
    }
    return new AdminApi(baseUri(admin, command), token);
  }

  /**
   * {@code --admin} as a base URL: {@code http://} is assumed when no scheme is given, and trailing
   * slashes are dropped; blank means the default.
   */
  static URI baseUri(String admin, CommandLine command) {
    String s = admin == null || admin.isBlank() ? DEFAULT_ADMIN_URL : admin.strip();
    if (!s.contains("://")) {
      s = "http://" + s;
    }
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    URI uri;
    try {
      uri = new URI(s);
    } catch (java.net.URISyntaxException e) {
      throw badAdmin(command, admin);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw badAdmin(command, admin);
    }
    return uri;
  }

  private static ParameterException badAdmin(CommandLine command, String admin) {
    return new ParameterException(
        command,
        "--admin: '"
            + Tables.line(admin)
            + "' is not an admin API URL (expected: http://host:port)");
  }
}
