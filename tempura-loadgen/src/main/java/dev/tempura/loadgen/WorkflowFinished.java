package dev.tempura.loadgen;

import java.time.Duration;
import java.util.Optional;

/**
 * A workflow the runner has stopped following: completed, failed, or failed to start.
 *
 * @param latency from just before the start call to the result or failure
 * @param failure why it failed; empty when it completed
 */
public record WorkflowFinished(String workflowId, Duration latency, Optional<String> failure) {
  public boolean completed() {
    return failure.isEmpty();
  }
}
