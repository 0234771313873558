package dev.tempura.proxy.health;

import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which backends may take new workflows. Two signals, either of which takes a backend out: active
 * checks of its gRPC health service (a stalled backend fails them within the check timeout) and
 * passive detection of consecutive UNAVAILABLE or DEADLINE_EXCEEDED answers to real calls. Recovery
 * is automatic: a passing check ends an active failure, and an ejection ends by itself.
 *
 * <p>Health only steers placement. Calls for workflows a backend holds still go to it and fail with
 * its own status, since no other backend has them.
 *
 * <p>A backend's health is <em>unknown</em> until its first check answers (and again while its
 * check cannot even be sent). Placement still uses a backend of unknown health, as it did before
 * checks existed: a freshly added backend takes workflows at once, and a proxy that has just
 * started does not refuse every start for a check interval.
 *
 * <p>Each backend is checked on its own: an exception for one (its channel cannot be had, say) is
 * recorded in {@link BackendFaults}, which takes that backend out of placement with the reason, and
 * the checks of every other backend go on. The checks themselves run as a {@link
 * Scheduling#withFixedDelay} task, which a throwing run does not stop.
 */
public final class BackendHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackendHealth.class);
  static final String SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

  private final TopologyService topology;
  private final BackendChannels channels;
  private final HealthOptions options;
  private final MeterRegistry registry;
  private final BackendFaults faults;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private volatile boolean closed;
  private volatile Scheduling.Periodic checks;

  /** One backend's health; its fields change under its own lock. */
  private static final class State {
    final PhysicalNamespace physical;
    final List<Meter> meters = new java.util.ArrayList<>(2);

    /** A check has answered since the last time none could be sent. */
    boolean known;

    int failedChecks;
    boolean checkFailing;
    int consecutiveErrors;
    int ejections;
    long ejectedUntilNanos;

    /** Out of placement until then: the backend said it is short of capacity. */
    long throttledUntilNanos;

    String throttledBecause;

    /** Out of placement until then: the namespace is not active on this cluster; and why. */
    long notActiveUntilNanos;

    String notActive;
    volatile boolean checkInFlight;
    volatile long checkSentNanos;

    State(PhysicalNamespace physical) {
      this.physical = physical;
    }

    synchronized boolean healthy(long now) {
      return !checkFailing
          && now >= ejectedUntilNanos
          && now >= throttledUntilNanos
          && now >= notActiveUntilNanos;
    }

    synchronized boolean known() {
      return known;
    }
  }

  public BackendHealth(
      TopologyService topology,
      BackendChannels channels,
      ScheduledExecutorService timer,
      HealthOptions options,
      MeterRegistry registry,
      BackendFaults faults) {
    this.topology = topology;
    this.channels = channels;
    this.timer = timer;
    this.options = options;
    this.registry = registry;
    this.faults = faults;
  }

  public void start() {
    checks =
        Scheduling.withFixedDelay(
            timer, "backend health checks", Duration.ZERO, options.checkInterval(), this::checkAll);
  }

  /** What keeps backends out of placement besides their health: unexpected exceptions. */
  public BackendFaults faults() {
    return faults;
  }

  /**
   * True when the backend's health lets it take new workflows. A backend of unknown health (no
   * check has answered yet) counts as healthy: see the class doc.
   */
  public boolean isHealthy(PhysicalNamespace p) {
    State s = states.get(p.id());
    return s == null || s.healthy(System.nanoTime());
  }

  /**
   * True when placement may choose the backend: healthy (or of unknown health) and usable, i.e.
   * without a current fault in {@link BackendFaults}.
   */
  public boolean mayPlace(PhysicalNamespace p) {
    return isHealthy(p) && faults.usable(p);
  }

  /**
   * "unknown" (no check has answered yet), "healthy", "unhealthy: failing health checks" or
   * "unhealthy: ejected after errors", for people.
   */
  public String describe(PhysicalNamespace p) {
    State s = states.get(p.id());
    if (s == null) {
      return "unknown";
    }
    synchronized (s) {
      long now = System.nanoTime();
      if (now < s.ejectedUntilNanos) {
        return "unhealthy: ejected after errors";
      }
      if (now < s.notActiveUntilNanos) {
        return "unhealthy: namespace not active on this cluster (" + s.notActive + ")";
      }
      if (now < s.throttledUntilNanos) {
        return "unhealthy: throttled by the backend (RESOURCE_EXHAUSTED "
            + s.throttledBecause
            + ")";
      }
      if (!s.known) {
        return "unknown";
      }
      if (s.checkFailing) {
        return "unhealthy: failing health checks";
      }
      return "healthy";
    }
  }

  /**
   * The outcome of a real call, with the backend's trailers: besides passive detection, a
   * RESOURCE_EXHAUSTED that says the backend is short of capacity keeps it out of placement for
   * {@link HealthOptions#throttle()} after each such answer, and NamespaceNotActive (the physical
   * namespace failed over to another cluster) keeps it out until a call succeeds again, with one
   * log line per failover. See {@link BackendVerdict}.
   */
  public void record(PhysicalNamespace p, Status status, Metadata trailers) {
    BackendVerdict verdict = BackendVerdict.of(status.getCode(), trailers);
    if (verdict.kind() == BackendVerdict.Kind.NONE) {
      record(p, status.getCode());
      return;
    }
    State s = state(p);
    boolean firstNotActive = false;
    synchronized (s) {
      long now = System.nanoTime();
      if (verdict.kind() == BackendVerdict.Kind.OVERLOADED) {
        s.throttledUntilNanos = now + options.throttle().toNanos();
        s.throttledBecause = verdict.detail();
      } else {
        firstNotActive = s.notActive == null || !s.notActive.equals(verdict.detail());
        s.notActive = verdict.detail();
        // kept out while it keeps answering so; the first success clears it
        s.notActiveUntilNanos = now + options.ejection().toNanos() * 10;
      }
    }
    if (verdict.kind() == BackendVerdict.Kind.OVERLOADED) {
      log.debug("{} throttled: RESOURCE_EXHAUSTED {}", p.id(), verdict.detail());
    } else if (firstNotActive) {
      log.warn(
          "{} answers NamespaceNotActive ({}): the namespace failed over to another cluster."
              + " Its calls fail, passed to clients as Temporal sent them, and it takes no new"
              + " workflows; point its cluster_address at the active cluster's frontend",
          p.id(),
          verdict.detail());
    }
  }

  /** The outcome of a real call, for passive detection. */
  public void record(PhysicalNamespace p, Status.Code code) {
    State s = state(p);
    synchronized (s) {
      if (code == Status.Code.OK && s.notActive != null) {
        s.notActive = null;
        s.notActiveUntilNanos = 0;
      }
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        if (++s.consecutiveErrors >= options.ejectAfterErrors()
            && System.nanoTime() >= s.ejectedUntilNanos) {
          s.ejections++;
          long nanos = options.ejection().toNanos() * Math.min(s.ejections, 10);
          s.ejectedUntilNanos = System.nanoTime() + nanos;
          s.consecutiveErrors = 0;
          log.warn(
              "{} ejected from placement for {} ms after {} errors in a row",
              p.id(),
              TimeUnit.NANOSECONDS.toMillis(nanos),
              options.ejectAfterErrors());
        }
      } else {
        s.consecutiveErrors = 0;
        if (System.nanoTime() >= s.ejectedUntilNanos) {
          s.ejections = 0;
        }
      }
    }
  }

  private State state(PhysicalNamespace p) {
    State existing = states.get(p.id());
    if (existing != null) {
      return existing;
    }
    return states.computeIfAbsent(
        p.id(),
        id -> {
          State s = new State(p);
          s.meters.add(
              Gauge.builder(
                      "tempura_backend_healthy",
                      s,
                      st -> st.healthy(System.nanoTime()) && faults.usable(st.physical) ? 1 : 0)
                  .description(
                      "1 when the backend may take new workflows (also while its health is still"
                          + " unknown), 0 when it is out of placement: unhealthy, or unusable")
                  .tag("physical_namespace", p.name())
                  .tag("cluster_address", p.clusterAddress().toString())
                  .register(registry));
          s.meters.add(
              Gauge.builder("tempura_backend_health_known", s, st -> st.known() ? 1 : 0)
                  .description(
                      "0 until the backend's first health check answers (and while none can be"
                          + " sent): its health is unknown; 1 after")
                  .tag("physical_namespace", p.name())
                  .tag("cluster_address", p.clusterAddress().toString())
                  .register(registry));
          return s;
        });
  }

  /** One round: every backend of the topology, each on its own. */
  private void checkAll() {
    if (closed) {
      return;
    }
    Topology t = topology.current();
    Set<String> seen = new HashSet<>();
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (seen.add(p.id())) {
          faults.track(p);
          State s = state(p);
          try {
            check(p, s);
          } catch (RuntimeException | Error e) {
            // this backend only: the others are still checked, this round and every next one
            s.checkInFlight = false;
            synchronized (s) {
              s.known = false;
            }
            faults.failed(p, BackendFaults.HEALTH_CHECK, e);
          }
        }
      }
    }
    forgetAllBut(seen);
    faults.retain(t);
  }

  /** Drops the state and meters of backends no longer in the topology. */
  private void forgetAllBut(Set<String> present) {
    for (java.util.Map.Entry<String, State> e : states.entrySet()) {
      if (!present.contains(e.getKey()) && states.remove(e.getKey(), e.getValue())) {
        for (Meter m : e.getValue().meters) {
          registry.remove(m);
        }
      }
    }
  }

  private void check(PhysicalNamespace p, State s) {
    if (s.checkInFlight) {
      long lost = 2 * options.checkTimeout().toNanos() + options.checkInterval().toNanos();
      if (System.nanoTime() - s.checkSentNanos < lost) {
        return; // the previous check is still waiting: its timeout will count
      }
      // its answer never came (gRPC lost a callback): a check must not stop for good over it
    }
    s.checkInFlight = true;
    s.checkSentNanos = System.nanoTime();
    BackendCalls.unary(
            channels.channel(p),
            HealthGrpc.getCheckMethod(),
            HealthCheckRequest.newBuilder().setService(SERVICE).build(),
            new Metadata(),
            Deadline.after(options.checkTimeout().toMillis(), TimeUnit.MILLISECONDS))
        .whenComplete(
            (r, t) -> {
              if (t != null) {
                Status.Code code = Status.fromThrowable(t).getCode();
                // a backend without a health service (or without this entry) is reachable
                boolean reachable =
                    code == Status.Code.UNIMPLEMENTED || code == Status.Code.NOT_FOUND;
                done(p, s, reachable);
              } else {
                done(p, s, r != null && r.getStatus() == HealthCheckResponse.ServingStatus.SERVING);
              }
            });
    faults.succeeded(p, BackendFaults.HEALTH_CHECK);
  }

  private void done(PhysicalNamespace p, State s, boolean ok) {
    s.checkInFlight = false;
    synchronized (s) {
      s.known = true;
      if (ok) {
        if (s.checkFailing) {
          log.info("{} passes its health check again", p.id());
        }
        s.failedChecks = 0;
        s.checkFailing = false;
      } else if (++s.failedChecks >= options.unhealthyAfter() && !s.checkFailing) {
        s.checkFailing = true;
        log.warn(
            "{} failed {} health checks in a row; no new workflows go there",
            p.id(),
            s.failedChecks);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    Scheduling.Periodic c = checks;
    if (c != null) {
      c.cancel();
    }
  }
}
