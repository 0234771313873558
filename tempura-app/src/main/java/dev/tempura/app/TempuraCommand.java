package dev.tempura.app;

import dev.tempura.app.cli.NamespaceCommand;
import dev.tempura.app.cli.TopologyCommand;
import dev.tempura.app.sandbox.SandboxCommand;
import java.io.PrintWriter;
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

/** The {@code tempura} command; each subcommand is a class of its own. */
@Command(
    name = "tempura",
    mixinStandardHelpOptions = true,
    versionProvider = TempuraCommand.Version.class,
    description =
        "A Temporal-aware gRPC proxy: one virtual namespace over many physical namespaces.",
    subcommands = {
      ServeCommand.class,
      SandboxCommand.class,
      NamespaceCommand.class,
      TopologyCommand.class,
      CommandLine.HelpCommand.class
    })
public final class TempuraCommand implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(TempuraCommand.class);

  @Spec private CommandSpec spec;

  public static void main(String[] args) {
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
    System.exit(commandLine().execute(args));
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
    return new CommandLine(new TempuraCommand())
        // the benchmark-workers-compatible worker and runner, as the sandbox drives them
        .addSubcommand("loadgen", dev.tempura.loadgen.LoadgenCommand.commandLine(System.getenv()))
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
