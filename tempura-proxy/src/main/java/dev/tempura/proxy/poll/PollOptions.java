package dev.tempura.proxy.poll;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Timing of long polls.
 *
 * @param answerBeforeDeadline how long before the client's deadline a parked poll is answered
 *     empty, as Temporal's frontend does, so the worker polls again instead of seeing an error
 * @param defaultPollTimeout the poll length when a client sets no deadline
 * @param bufferedTaskTimeout how long a task that found no waiting poll is kept for the next one
 * @param idleHubTimeout when a queue's state with no polls and no tasks is dropped
 * @param backendRetryBackoff the first pause before polling a backend that failed again; doubles up
 *     to 10 times this
 * @param maxBackendPoll the longest a single backend poll runs before it is started afresh; bounds
 *     how long a graceful stop waits for backend polls to come back on their own
 */
public record PollOptions(
    Duration answerBeforeDeadline,
    Duration defaultPollTimeout,
    Duration bufferedTaskTimeout,
    Duration idleHubTimeout,
    Duration backendRetryBackoff,
    Duration maxBackendPoll) {

  public static final PollOptions DEFAULTS =
      new PollOptions(
          Duration.ofMillis(500),
          Duration.ofSeconds(60),
          Duration.ofSeconds(60),
          Duration.ofMinutes(2),
          Duration.ofMillis(200),
          Duration.ofSeconds(20));

  public PollOptions {
    requireNonNull(answerBeforeDeadline, "answerBeforeDeadline");
    requireNonNull(defaultPollTimeout, "defaultPollTimeout");
    requireNonNull(bufferedTaskTimeout, "bufferedTaskTimeout");
    requireNonNull(idleHubTimeout, "idleHubTimeout");
    requireNonNull(backendRetryBackoff, "backendRetryBackoff");
    requireNonNull(maxBackendPoll, "maxBackendPoll");
  }
}
