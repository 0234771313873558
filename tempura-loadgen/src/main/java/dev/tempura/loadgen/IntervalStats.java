package dev.tempura.loadgen;

import java.time.Duration;
import java.time.Instant;

/**
 * One report interval of a run; the last one of a run may be shorter than the others.
 *
 * @param end when the interval closed, for charting against other time series
 * @param elapsed from the start of the run to the end of the interval
 * @param length how long the interval lasted, the denominator of its rates
 * @param started workflows started in the interval (successful start calls)
 * @param completed workflows whose result arrived in the interval
 * @param failed starts and workflows that failed in the interval
 * @param inFlight workflows started and not finished at the end of the interval
 * @param startLatency the start calls of this interval
 * @param workflowLatency from the start call to the result, for workflows completed in it
 * @param totalStarted started since the run began
 */
public record IntervalStats(
    Instant end,
    Duration elapsed,
    Duration length,
    long started,
    long completed,
    long failed,
    double startsPerSecond,
    double completionsPerSecond,
    int inFlight,
    LatencyPercentiles startLatency,
    LatencyPercentiles workflowLatency,
    long totalStarted,
    long totalCompleted,
    long totalFailed) {}
