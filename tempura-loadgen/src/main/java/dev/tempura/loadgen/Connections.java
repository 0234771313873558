package dev.tempura.loadgen;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.Optional;

final class Connections {
  /** Long enough for a proxy to dial its backends, short enough to report a typo promptly. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private Connections() {}

  /** Fails here, with the endpoint in the message, rather than on the first poll or start. */
  static WorkflowServiceStubs connect(String endpoint, Optional<TlsSettings> tls) {
    WorkflowServiceStubsOptions.Builder options =
        WorkflowServiceStubsOptions.newBuilder().setTarget(endpoint);
    tls.ifPresent(t -> options.setSslContext(t.sslContext()));
    try {
      return WorkflowServiceStubs.newConnectedServiceStubs(options.build(), CONNECT_TIMEOUT);
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot reach Temporal at " + endpoint + ": " + oneLine(e), e);
    }
  }

  static WorkflowClient client(WorkflowServiceStubs stubs, String namespace) {
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace(namespace).build());
  }

  /** A failure and its causes on one line, for reports that stay one line per event. */
  static String oneLine(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null && text.length() < 1000; t = t.getCause()) {
      String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
      if (text.indexOf(message) >= 0) {
        continue;
      }
      if (text.length() > 0) {
        text.append(": ");
      }
      text.append(message);
    }
    return text.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
