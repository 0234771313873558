package dev.tempura.loadgen;

import java.time.Duration;

/**
 * A workflow the runner has started.
 *
 * @param startLatency how long the start call took (SignalWithStart when a signal type is set)
 */
public record WorkflowStarted(String workflowId, String runId, Duration startLatency) {}
