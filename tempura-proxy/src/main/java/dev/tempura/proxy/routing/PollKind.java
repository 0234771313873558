package dev.tempura.proxy.routing;

/** Which task queue a worker's long poll reads; its label in metrics. */
public enum PollKind {
  WORKFLOW("workflow"),
  ACTIVITY("activity"),
  NEXUS("nexus");

  private final String label;

  PollKind(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
