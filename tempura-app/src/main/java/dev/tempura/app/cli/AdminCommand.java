package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * One {@code tempura namespace} subcommand: one or two admin API calls, their answer printed on
 * stdout, and a refusal or an unreachable API turned into its message on stderr and an exit code.
 * Everything printed is escaped for a terminal ({@link Tables}).
 */
abstract class AdminCommand implements Callable<Integer> {
  /** The admin API refused: a 4xx or 5xx, whose message is printed. */
  static final int EXIT_REFUSED = 1;

  /** Nothing answered at the admin URL. */
  static final int EXIT_UNREACHABLE = 3;

  /** Writes wait for the store (10 s at most on the server) and answer at once. */
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  /** Drain reports ask the backend about every open workflow; the server waits up to 2 min. */
  static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(3);

  @ParentCommand NamespaceCommand namespace;

  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    AdminApi api = namespace.api(spec.commandLine());
    try {
      run(api);
      return 0;
    } catch (AdminApi.Refused e) {
      return fail(EXIT_REFUSED, e.getMessage());
    } catch (AdminApi.Unreachable e) {
      return fail(EXIT_UNREACHABLE, e.getMessage());
    } finally {
      out().flush();
    }
  }

  /** Calls the admin API and prints the answer. */
  abstract void run(AdminApi api)
      throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException;

  boolean json() {
    return namespace.json();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /**
   * POSTs a change and prints the API's one-line answer, or {@code {"ok": true, "message"}} for
   * {@code --json}.
   */
  void change(AdminApi api, String path, ObjectNode body, Duration timeout)
      throws AdminApi.Refused, AdminApi.Unreachable, InterruptedException {
    String message = api.post(path, body, timeout).strip();
    if (json()) {
      out()
          .println(
              Tables.json(
                  AdminApi.JSON.createObjectNode().put("ok", true).put("message", message)));
    } else {
      out().println(Tables.line(message));
    }
  }

  /** Prints the API's JSON answer (as one line) for {@code -o json}, or {@code table}. */
  void print(JsonNode answer, String table) {
    out().print(json() ? Tables.json(answer) + "\n" : table);
  }

  private int fail(int exitCode, String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println(Tables.refusal(message));
    err.flush();
    return exitCode;
  }
}
