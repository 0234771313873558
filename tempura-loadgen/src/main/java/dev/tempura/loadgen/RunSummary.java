package dev.tempura.loadgen;

import java.time.Duration;
import java.util.Optional;

/**
 * A whole run.
 *
 * @param started successful start calls
 * @param completed workflows whose successful result arrived (none without waiting)
 * @param failed failed start calls plus failed workflows
 * @param startFailures the failed start calls among {@code failed}
 * @param abandoned workflows still running when the drain timeout ran out
 * @param startsPerSecond {@code started} over {@code elapsed}
 * @param completionsPerSecond {@code completed} over {@code elapsed}
 * @param lastFailure the most recent failure's message
 */
public record RunSummary(
    Duration elapsed,
    long started,
    long completed,
    long failed,
    long startFailures,
    long abandoned,
    double startsPerSecond,
    double completionsPerSecond,
    LatencyPercentiles startLatency,
    LatencyPercentiles workflowLatency,
    Optional<String> lastFailure) {}
