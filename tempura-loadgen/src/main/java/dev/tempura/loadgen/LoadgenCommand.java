package dev.tempura.loadgen;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tempura-loadgen worker|runner}: a Java stand-in for Temporal's benchmark-workers image,
 * taking the same flags, environment variables, type names and JSON.
 */
@Command(
    name = "tempura-loadgen",
    mixinStandardHelpOptions = true,
    versionProvider = LoadgenCommand.Version.class,
    description =
        "Load generator interchangeable with Temporal's benchmark-workers: its worker serves"
            + " their runner, their worker serves this runner.",
    footer = {
      "",
      "Examples:",
      "  tempura-loadgen worker",
      "  tempura-loadgen runner -c 50 -t ExecuteActivity \\",
      "      '{ \"Count\": 10, \"Activity\": \"Echo\", \"Input\": { \"Message\": \"test\" } }'",
      "  tempura-loadgen runner -t ReceiveSignal -s go '{ \"Count\": 1, \"Name\": \"go\" }'"
    })
public final class LoadgenCommand implements Runnable {
  private static final String LOGBACK_CONFIGURATION = "logback.configurationFile";

  @Spec private CommandSpec spec;

  private LoadgenCommand() {}

  public static void main(String[] args) {
    // set before any logger exists; a name of its own keeps the sandbox's logback.xml in charge
    // when this module is a library there
    if (System.getProperty(LOGBACK_CONFIGURATION) == null) {
      System.setProperty(LOGBACK_CONFIGURATION, "dev/tempura/loadgen/logback.xml");
    }
    System.exit(commandLine(System.getenv()).execute(args));
  }

  /**
   * The command tree, reading variables from {@code environment} rather than the process's, so that
   * tests can supply their own.
   */
  public static CommandLine commandLine(Map<String, String> environment) {
    CommandLine commandLine = new CommandLine(new LoadgenCommand());
    commandLine.addSubcommand(new WorkerCommand(environment));
    commandLine.addSubcommand(new RunnerCommand(environment));
    commandLine.setExecutionExceptionHandler(
        (e, cmd, parseResult) -> {
          cmd.getErr().println("error: " + Connections.oneLine(e));
          return 1;
        });
    return commandLine;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: worker or runner");
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = LoadgenCommand.class.getPackage().getImplementationVersion();
      return new String[] {"tempura-loadgen " + (version == null ? "(development)" : version)};
    }
  }
}
