package dev.tempura.proxy.health;

import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unexpected exceptions Tempura's own work hits for one backend (its health check, its polls, the
 * work a topology change brings, a call forwarded to it), kept per backend so that they stay with
 * that backend: the work for every other backend goes on.
 *
 * <p>A backend with a current fault is <em>unusable</em>: placement leaves it out, and the admin
 * API and the {@code tempura_backend_usable} gauge say so, with the fault as one line. A fault is
 * logged once, with its stack trace, when it first happens; every repetition is only counted
 * ({@code tempura_backend_faults}). It stops being current, and the backend is usable again, as
 * soon as the same work succeeds for that backend (the next health check, the next poll, the work
 * of the next topology version), or once it has not happened again for {@link #HOLD}, which covers
 * work that does not retry by itself. Entries that leave the topology are forgotten.
 */
public final class BackendFaults {
  private static final Logger log = LoggerFactory.getLogger(BackendFaults.class);

  /** How long a fault keeps a backend unusable when nothing retries the work that hit it. */
  static final Duration HOLD = Duration.ofSeconds(30);

  /** The work that hit a fault, as shown in the log, the admin API and the counter's tag. */
  public static final String HEALTH_CHECK = "health check";

  public static final String POLLS = "poll";
  public static final String CALLS = "forwarded call";
  public static final String RETENTION = "retention lookup";
  public static final String RECONCILER = "reconciler lookup";

  private final MeterRegistry registry;
  private final long holdNanos;
  private final ConcurrentHashMap<String, Backend> backends = new ConcurrentHashMap<>();

  /** Backends with a streak: one volatile read on the hot paths when there is none. */
  private final java.util.concurrent.atomic.AtomicInteger streaking =
      new java.util.concurrent.atomic.AtomicInteger();

  /** One fault streak of one kind of work on one backend; fields under the backend's lock. */
  private static final class Streak {
    final Counter counter;
    long count;
    long lastFailedNanos;
    Instant since;
    String reason;

    Streak(Counter counter) {
      this.counter = counter;
    }
  }

  /** One backend's streaks, by kind of work, and its meters. */
  private static final class Backend {
    final PhysicalNamespace physical;
    final Map<String, Streak> streaks = new LinkedHashMap<>();
    final List<Meter> meters = new ArrayList<>();

    /** Whether any streak exists; read without the lock on the hot path of every call. */
    volatile boolean anyStreak;

    Backend(PhysicalNamespace physical) {
      this.physical = physical;
    }
  }

  public BackendFaults(MeterRegistry registry) {
    this(registry, HOLD);
  }

  BackendFaults(MeterRegistry registry, Duration hold) {
    this.registry = registry;
    this.holdNanos = hold.toNanos();
  }

  /**
   * Records that {@code work} for {@code p} threw {@code t}: logged the first time of a streak,
   * counted every time; {@code p} is unusable from now on until the work succeeds again.
   */
  public void failed(PhysicalNamespace p, String work, Throwable t) {
    Backend b = backend(p);
    boolean first;
    String reason = Scheduling.oneLine(t);
    Streak s;
    synchronized (b) {
      s = b.streaks.get(work);
      if (s == null) {
        s =
            new Streak(
                Counter.builder("tempura_backend_faults")
                    .description(
                        "Unexpected exceptions Tempura's own work hit for a backend; the first of a"
                            + " streak is logged, the rest only counted")
                    .tag("physical_namespace", p.name())
                    .tag("cluster_address", p.clusterAddress().toString())
                    .tag("work", work)
                    .register(registry));
        b.streaks.put(work, s);
        b.meters.add(s.counter);
      }
      if (!b.anyStreak) {
        b.anyStreak = true;
        streaking.incrementAndGet();
      }
      first = s.count == 0;
      if (first) {
        s.since = Instant.now();
      }
      s.count++;
      s.lastFailedNanos = System.nanoTime();
      s.reason = reason;
    }
    s.counter.increment();
    if (first) {
      log.warn(
          "{}: {} failed; it is out of placement until the {} succeeds again, and further"
              + " failures are only counted (tempura_backend_faults)",
          p.id(),
          work,
          work,
          t);
    }
  }

  /** Records that {@code work} for {@code p} went through: ends its fault streak, if any. */
  public void succeeded(PhysicalNamespace p, String work) {
    if (streaking.get() == 0) {
      return;
    }
    Backend b = backends.get(p.id());
    if (b == null || !b.anyStreak) {
      return;
    }
    long count;
    synchronized (b) {
      Streak s = b.streaks.get(work);
      if (s == null || s.count == 0) {
        return;
      }
      count = s.count;
      s.count = 0;
      s.reason = null;
      if (b.streaks.values().stream().noneMatch(x -> x.count > 0)) {
        b.anyStreak = false;
        streaking.decrementAndGet();
      }
    }
    log.info("{}: the {} succeeded again after {} failures", p.id(), work, count);
  }

  /** False while {@code p} has a current fault: placement must leave it out. */
  public boolean usable(PhysicalNamespace p) {
    return problem(p) == null;
  }

  /**
   * The current fault of {@code p} as one line ("poll failed 12 times since ...: the exception"),
   * the most recent first when several kinds of work fail; null when it has none.
   */
  public String problem(PhysicalNamespace p) {
    if (streaking.get() == 0) {
      return null;
    }
    Backend b = backends.get(p.id());
    if (b == null || !b.anyStreak) {
      return null;
    }
    long now = System.nanoTime();
    synchronized (b) {
      Streak latest = null;
      String latestWork = null;
      for (Map.Entry<String, Streak> e : b.streaks.entrySet()) {
        Streak s = e.getValue();
        if (s.count > 0
            && now - s.lastFailedNanos < holdNanos
            && (latest == null || s.lastFailedNanos - latest.lastFailedNanos > 0)) {
          latest = s;
          latestWork = e.getKey();
        }
      }
      if (latest == null) {
        return null;
      }
      return latestWork
          + " failed "
          + (latest.count == 1 ? "once" : latest.count + " times")
          + " since "
          + latest.since
          + ": "
          + latest.reason;
    }
  }

  /** Registers {@code tempura_backend_usable} for {@code p}, once. */
  public void track(PhysicalNamespace p) {
    backend(p);
  }

  /** Forgets the backends no longer in {@code t}, with their meters. */
  public void retain(Topology t) {
    Set<String> present = new HashSet<>();
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        present.add(p.id());
      }
    }
    for (Map.Entry<String, Backend> e : backends.entrySet()) {
      if (!present.contains(e.getKey()) && backends.remove(e.getKey(), e.getValue())) {
        synchronized (e.getValue()) {
          if (e.getValue().anyStreak) {
            e.getValue().anyStreak = false;
            streaking.decrementAndGet();
          }
          for (Meter m : e.getValue().meters) {
            registry.remove(m);
          }
        }
      }
    }
  }

  private Backend backend(PhysicalNamespace p) {
    Backend b = backends.get(p.id());
    if (b != null) {
      return b;
    }
    return backends.computeIfAbsent(
        p.id(),
        id -> {
          Backend created = new Backend(p);
          created.meters.add(
              Gauge.builder("tempura_backend_usable", created, x -> usable(x.physical) ? 1 : 0)
                  .description(
                      "0 while Tempura's own work for the backend fails with an unexpected"
                          + " exception (see the admin API's problem), which keeps it out of"
                          + " placement; 1 otherwise")
                  .tag("physical_namespace", p.name())
                  .tag("cluster_address", p.clusterAddress().toString())
                  .register(registry));
          return created;
        });
  }
}
