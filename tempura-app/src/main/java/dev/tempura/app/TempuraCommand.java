package dev.tempura.app;

import dev.tempura.app.cli.NamespaceCommand;
import dev.tempura.app.cli.TopologyCommand;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code tempura} command; each subcommand is a class of its own. This is the production jar's:
 * {@code sandbox} and {@code loadgen}, which need the in-memory Temporal server and the SDK's
 * worker, are added by the tempura-sandbox module's jar.
 */
@Command(
    name = "tempura",
    mixinStandardHelpOptions = true,
    versionProvider = TempuraCommand.Version.class,
    description =
        "A Temporal-aware gRPC proxy: one virtual namespace over many physical namespaces.",
    subcommands = {
      ServeCommand.class,
      NamespaceCommand.class,
      TopologyCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TempuraCommand implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TempuraCommand.class);

  @Spec private CommandSpec spec;

  /** Commands that only the sandbox jar has, and why: named when asked for here. */
  private static final Set<String> SANDBOX_ONLY = Set.of("sandbox", "loadgen");

  public static void main(String[] args) {
    launch(commandLine(), args);
  }

  /** Runs {@code commandLine} as a process's main: logging set up, then exits with its code. */
  public static void launch(CommandLine commandLine, String[] args) {
    Logging.install();
    String env = System.getenv("TEMPURA_LOG_FORMAT");
    if (env != null && !env.isBlank()) {
      try {
        Logging.use(Logging.Format.parse(env));
      } catch (IllegalArgumentException e) {
        System.err.println("TEMPURA_LOG_FORMAT: " + e.getMessage());
        System.exit(2);
      }
    }
    System.exit(commandLine.execute(args));
  }

  /** Every subcommand takes it; it applies as soon as it is parsed. */
  @Option(
      names = "--log-format",
      scope = ScopeType.INHERIT,
      paramLabel = "text|json",
      description =
          "Log lines as text (ISO-8601 timestamps) or as JSON objects, one a line, on stderr"
              + " (env TEMPURA_LOG_FORMAT); default text")
  void logFormat(Logging.Format format) {
    Logging.use(format);
  }

  /** The command line as {@link #main} runs it, for running it in-process. */
  public static CommandLine commandLine() {
    return commandLine(Map.of());
  }

  /**
   * The command line with more subcommands, by name, each a command object or a {@link
   * CommandLine}; added before the settings below, which apply to the subcommands present.
   */
  public static CommandLine commandLine(Map<String, Object> more) {
    CommandLine commandLine = new CommandLine(new TempuraCommand());
    more.forEach(commandLine::addSubcommand);
    return commandLine
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setParameterExceptionHandler(TempuraCommand::badUsage)
        .setExecutionExceptionHandler(TempuraCommand::failed);
  }

  /**
   * Bad usage, an unknown command included: the message, picocli's suggestions when it has some
   * ("Did you mean"), and always the usage of the command it happened in, all on stderr.
   */
  private static int badUsage(ParameterException e, String[] args) {
    CommandLine command = e.getCommandLine();
    PrintWriter err = command.getErr();
    err.println(e.getMessage());
    if (e instanceof UnmatchedArgumentException unmatched && command.getParent() == null) {
      List<String> unknown = unmatched.getUnmatched();
      if (!unknown.isEmpty() && SANDBOX_ONLY.contains(unknown.get(0))) {
        err.println(
            "'"
                + unknown.get(0)
                + "' is not in this jar: the production jar carries neither Temporal's in-memory"
                + " server nor the SDK's worker. Run ./tempura "
                + unknown.get(0)
                + " from a checkout, or java -jar tempura-sandbox/target/tempura-sandbox.jar "
                + unknown.get(0)
                + ".");
      }
    }
    UnmatchedArgumentException.printSuggestions(e, err);
    command.usage(err, command.getColorScheme());
    err.flush();
    return command.getCommandSpec().exitCodeOnInvalidInput();
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing required subcommand");
  }

  /**
   * Reports a failed command in one line, as the usual failures (a port in use, a locked data
   * directory) are explained by their messages; the stack trace goes to the debug log.
   */
  private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
    PrintWriter err = command.getErr();
    err.println(command.getCommandSpec().qualifiedName() + ": " + describe(e));
    err.flush();
    log.debug("{} failed", command.getCommandSpec().qualifiedName(), e);
    return command.getCommandSpec().exitCodeOnExecutionException();
  }

  /** The messages of {@code e} and its causes, without the repeats that wrapping adds. */
  private static String describe(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof CompletionException && t.getCause() != null) {
        continue; // its message is its cause's class and message
      }
      String message = t.getMessage();
      if (message == null || message.isBlank()) {
        message = t.getClass().getSimpleName();
      }
      if (text.indexOf(message) < 0) {
        text.append(text.length() == 0 ? "" : ": ").append(message);
      }
    }
    return text.toString();
  }

  /** The version the jar's manifest records; unknown when run from classes, as in an IDE. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = TempuraCommand.class.getPackage().getImplementationVersion();
      BuildInfo build = BuildInfo.current();
      return new String[] {
        "tempura "
            + (version == null ? "(development build)" : version)
            + " (commit "
            + build.commit()
            + ")"
      };
    }
  }
}
