package dev.tempura.proxy.scheduling;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Periodic tasks that survive their own failures. {@link
 * ScheduledExecutorService#scheduleWithFixedDelay} cancels a task for good, silently, the first
 * time it throws: one bad input once stopped every health check of the proxy that way. A task
 * scheduled here catches what its run throws, logs it and runs again after the delay, as planned.
 *
 * <p>Logging: the first failure of a streak is logged with its stack trace; further failures in a
 * row are counted ({@link Periodic#failures()}) and logged as one line, at most once per minute;
 * the first successful run after a streak says so.
 */
public final class Scheduling {
  private static final Logger log = LoggerFactory.getLogger(Scheduling.class);

  /** How often a failing task's repeated failures are logged, as one line each time. */
  static final Duration REPEAT_LOG_INTERVAL = Duration.ofMinutes(1);

  private Scheduling() {}

  /**
   * Runs {@code task} every {@code delay} after the previous run ended, the first time after {@code
   * initialDelay}, until cancelled or the executor shuts down, whatever the runs throw.
   *
   * @param name what the task does, for the log ("health checks")
   */
  public static Periodic withFixedDelay(
      ScheduledExecutorService timer,
      String name,
      Duration initialDelay,
      Duration delay,
      Runnable task) {
    return withFixedDelay(timer, name, initialDelay, delay, task, REPEAT_LOG_INTERVAL);
  }

  /** As above, logging repeated failures at most once per {@code repeatLogInterval}; for tests. */
  static Periodic withFixedDelay(
      ScheduledExecutorService timer,
      String name,
      Duration initialDelay,
      Duration delay,
      Runnable task,
      Duration repeatLogInterval) {
    requireNonNull(timer, "timer");
    requireNonNull(name, "name");
    requireNonNull(task, "task");
    Periodic p = new Periodic(name, task, delay, repeatLogInterval.toNanos());
    p.future =
        timer.scheduleWithFixedDelay(
            p::runOnce, initialDelay.toNanos(), delay.toNanos(), TimeUnit.NANOSECONDS);
    return p;
  }

  /** One task scheduled by {@link #withFixedDelay}. */
  public static final class Periodic {
    private final String name;
    private final Runnable task;
    private final Duration delay;
    private final long repeatLogNanos;
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile ScheduledFuture<?> future;
    // owned by the run in progress: runs never overlap
    private long failingInARow;
    private long lastRepeatLogNanos;

    private Periodic(String name, Runnable task, Duration delay, long repeatLogNanos) {
      this.name = name;
      this.task = task;
      this.delay = delay;
      this.repeatLogNanos = repeatLogNanos;
    }

    private void runOnce() {
      runs.incrementAndGet();
      try {
        task.run();
      } catch (Throwable t) {
        // anything that leaves this method would cancel the schedule for good
        failed(t);
        return;
      }
      if (failingInARow > 0) {
        log.info("{} runs again after failing {} times in a row", name, failingInARow);
        failingInARow = 0;
      }
    }

    private void failed(Throwable t) {
      failures.incrementAndGet();
      long now = System.nanoTime();
      if (failingInARow++ == 0) {
        lastRepeatLogNanos = now;
        log.warn(
            "{} failed; it runs again every {} ms, and further failures are counted",
            name,
            delay.toMillis(),
            t);
      } else if (now - lastRepeatLogNanos >= repeatLogNanos) {
        lastRepeatLogNanos = now;
        log.warn("{} failed again, {} times in a row: {}", name, failingInARow, oneLine(t));
      }
    }

    /** Runs so far, failed or not. */
    public long runs() {
      return runs.get();
    }

    /** Runs that threw, in all. */
    public long failures() {
      return failures.get();
    }

    /** No further runs; one in progress finishes. */
    public void cancel() {
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  /** {@code t} as one line: its class and message, without line breaks. */
  public static String oneLine(Throwable t) {
    String s = t.toString();
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
