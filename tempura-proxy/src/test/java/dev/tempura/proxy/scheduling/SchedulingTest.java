package dev.tempura.proxy.scheduling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A periodic task that throws keeps running, and its failures are logged without flooding. */
class SchedulingTest {
  private ScheduledExecutorService timer;
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;

  @BeforeEach
  void setUp() {
    timer = Executors.newSingleThreadScheduledExecutor();
    logs = new ListAppender<>();
    logs.start();
    logger = (Logger) LoggerFactory.getLogger(Scheduling.class);
    logger.addAppender(logs);
  }

  @AfterEach
  void tearDown() {
    logger.detachAppender(logs);
    timer.shutdownNow();
  }

  /** What was logged about the named task (other tests' timers may share the logger). */
  private List<ILoggingEvent> events(String task) {
    synchronized (logs.list) {
      return logs.list.stream()
          .filter(e -> e.getFormattedMessage().startsWith(task + " "))
          .toList();
    }
  }

  @Test
  void theJdkAlone_stopsAPeriodicTaskForGoodAtItsFirstThrow() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    timer.scheduleWithFixedDelay(
        () -> {
          if (runs.incrementAndGet() == 2) {
            throw new IllegalStateException("boom");
          }
        },
        0,
        5,
        TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 2);
    Thread.sleep(200);

    assertThat(runs.get()).as("runs after the throw").isEqualTo(2);
  }

  @Test
  void aTaskThatThrows_keepsRunning_logsOneStackTrace_thenOneLineCounts_andItsRecovery() {
    AtomicInteger runs = new AtomicInteger();
    Scheduling.Periodic p =
        Scheduling.withFixedDelay(
            timer,
            "test task",
            Duration.ZERO,
            Duration.ofMillis(5),
            () -> {
              int n = runs.incrementAndGet();
              if (n <= 5) {
                throw new IllegalStateException("boom " + n + "\nsecond line");
              }
            },
            Duration.ZERO); // every repeat gets its one line, to be seen here

    await().atMost(Duration.ofSeconds(5)).until(() -> runs.get() >= 15);

    assertThat(p.failures()).isEqualTo(5);
    assertThat(p.runs()).isGreaterThanOrEqualTo(15);
    List<ILoggingEvent> events = events("test task");
    assertThat(events).hasSize(6);
    ILoggingEvent first = events.get(0);
    assertThat(first.getLevel()).isEqualTo(Level.WARN);
    assertThat(first.getFormattedMessage()).contains("test task failed");
    assertThat(first.getThrowableProxy()).isNotNull();
    assertThat(first.getThrowableProxy().getMessage()).startsWith("boom 1");
    for (ILoggingEvent repeat : events.subList(1, 5)) {
      assertThat(repeat.getLevel()).isEqualTo(Level.WARN);
      assertThat(repeat.getThrowableProxy()).as("a repeat's stack trace").isNull();
      assertThat(repeat.getFormattedMessage()).doesNotContain("\n").contains("times in a row");
    }
    assertThat(events.get(4).getFormattedMessage())
        .contains("5 times in a row")
        .contains("boom 5 second line");
    assertThat(events.get(5).getLevel()).isEqualTo(Level.INFO);
    assertThat(events.get(5).getFormattedMessage())
        .contains("test task runs again after failing 5 times");
  }

  @Test
  void aTaskThatAlwaysThrows_isCountedEveryTime_butLoggedOnceAMinute() {
    AtomicInteger runs = new AtomicInteger();
    Scheduling.Periodic p =
        Scheduling.withFixedDelay(
            timer,
            "hopeless task",
            Duration.ZERO,
            Duration.ofMillis(2),
            () -> {
              runs.incrementAndGet();
              throw new IllegalArgumentException("always");
            });

    await().atMost(Duration.ofSeconds(5)).until(() -> p.failures() >= 50);
    p.cancel();

    assertThat(runs.get()).isGreaterThanOrEqualTo(50);
    assertThat(events("hopeless task"))
        .singleElement()
        .satisfies(e -> assertThat(e.getThrowableProxy()).isNotNull());
  }
}
