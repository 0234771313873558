package dev.tempura.app.cli;

import dev.tempura.app.TempuraCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

/** One {@code tempura} invocation in-process: its exit code and what it printed. */
record CliRun(int exitCode, String out, String err) {

  /** Runs {@code tempura args...} with stdout and stderr captured. */
  static CliRun tempura(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exitCode =
        TempuraCommand.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  /** Runs {@code tempura namespace args... --admin URL}. */
  static CliRun namespace(String adminUrl, String... args) {
    String[] all = Arrays.copyOf(new String[] {"namespace"}, args.length + 3);
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--admin";
    all[args.length + 2] = adminUrl;
    return tempura(all);
  }
}
