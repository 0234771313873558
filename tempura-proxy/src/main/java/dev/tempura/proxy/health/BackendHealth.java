package dev.tempura.proxy.health;

import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which backends may take new workflows. Two signals, either of which takes a backend out:
 * active checks of its gRPC health service (a stalled backend fails them within the check timeout)
 * and passive detection of consecutive UNAVAILABLE or DEADLINE_EXCEEDED answers to real calls.
 * Recovery is automatic: a passing check ends an active failure, and an ejection ends by itself.
 *
 * <p>Health only steers placement. Calls for workflows a backend holds still go to it and fail
 * with its own status, since no other backend has them.
 */
public final class BackendHealth implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BackendHealth.class);
  static final String SERVICE = "temporal.api.workflowservice.v1.WorkflowService";

  private final TopologyService topology;
  private final BackendChannels channels;
  private final HealthOptions options;
  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  /** One backend's health; its fields change under its own lock. */
  private static final class State {
    final String physicalName;
    int failedChecks;
    boolean checkFailing;
    int consecutiveErrors;
    int ejections;
    long ejectedUntilNanos;
    volatile boolean checkInFlight;

    State(String physicalName) {
      this.physicalName = physicalName;
    }

    synchronized boolean healthy(long now) {
      return !checkFailing && now >= ejectedUntilNanos;
    }
  }

  public BackendHealth(
      TopologyService topology,
      BackendChannels channels,
      ScheduledExecutorService timer,
      HealthOptions options,
      MeterRegistry registry) {
    this.topology = topology;
    this.channels = channels;
    this.timer = timer;
    this.options = options;
    this.registry = registry;
  }

  public void start() {
    long every = options.checkInterval().toMillis();
    timer.scheduleWithFixedDelay(this::checkAll, 0, every, TimeUnit.MILLISECONDS);
  }

  /** True when the backend may take new workflows. Unknown backends are healthy. */
  public boolean isHealthy(PhysicalNamespace p) {
    State s = states.get(p.id());
    return s == null || s.healthy(System.nanoTime());
  }

  /** "healthy", "failing health checks" or "ejected after errors", for people. */
  public String describe(PhysicalNamespace p) {
    State s = states.get(p.id());
    if (s == null) {
      return "healthy";
    }
    synchronized (s) {
      if (s.checkFailing) {
        return "unhealthy: failing health checks";
      }
      if (System.nanoTime() < s.ejectedUntilNanos) {
        return "unhealthy: ejected after errors";
      }
      return "healthy";
    }
  }

  /** The outcome of a real call, for passive detection. */
  public void record(PhysicalNamespace p, Status.Code code) {
    State s = state(p);
    synchronized (s) {
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        if (++s.consecutiveErrors >= options.ejectAfterErrors()
            && System.nanoTime() >= s.ejectedUntilNanos) {
          s.ejections++;
          long nanos =
              options.ejection().toNanos() * Math.min(s.ejections, 10);
          s.ejectedUntilNanos = System.nanoTime() + nanos;
          s.consecutiveErrors = 0;
          log.warn("{} ejected from placement for {} ms after {} errors in a row",
              p.id(), TimeUnit.NANOSECONDS.toMillis(nanos), options.ejectAfterErrors());
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
    return states.computeIfAbsent(
        p.id(),
        id -> {
          State s = new State(p.name());
          Gauge.builder("tempura_backend_healthy", s, st -> st.healthy(System.nanoTime()) ? 1 : 0)
              .description("1 when the backend may take new workflows, 0 when it is out of placement")
              .tag("physical_namespace", p.name())
              .tag("cluster_address", p.clusterAddress().toString())
              .register(registry);
          return s;
        });
  }

  private void checkAll() {
    if (closed) {
      return;
    }
    Topology t = topology.current();
    Set<String> seen = new java.util.HashSet<>();
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (seen.add(p.id())) {
          check(p);
        }
      }
    }
  }

  private void check(PhysicalNamespace p) {
    State s = state(p);
    if (s.checkInFlight) {
      return; // the previous check is still waiting: its timeout will count
    }
    s.checkInFlight = true;
    Context.ROOT.run(
        () ->
            ClientCalls.asyncUnaryCall(
                channels
                    .channel(p)
                    .newCall(
                        HealthGrpc.getCheckMethod(),
                        CallOptions.DEFAULT.withDeadlineAfter(
                            options.checkTimeout().toMillis(), TimeUnit.MILLISECONDS)),
                HealthCheckRequest.newBuilder().setService(SERVICE).build(),
                new StreamObserver<HealthCheckResponse>() {
                  private boolean serving;

                  @Override
                  public void onNext(HealthCheckResponse r) {
                    serving = r.getStatus() == HealthCheckResponse.ServingStatus.SERVING;
                  }

                  @Override
                  public void onError(Throwable t) {
                    Status.Code code = Status.fromThrowable(t).getCode();
                    // a backend without a health service (or without this entry) is reachable
                    boolean reachable = code == Status.Code.UNIMPLEMENTED || code == Status.Code.NOT_FOUND;
                    done(p, s, reachable);
                  }

                  @Override
                  public void onCompleted() {
                    done(p, s, serving);
                  }
                }));
  }

  private void done(PhysicalNamespace p, State s, boolean ok) {
    s.checkInFlight = false;
    synchronized (s) {
      if (ok) {
        if (s.checkFailing) {
          log.info("{} passes its health check again", p.id());
        }
        s.failedChecks = 0;
        s.checkFailing = false;
      } else if (++s.failedChecks >= options.unhealthyAfter() && !s.checkFailing) {
        s.checkFailing = true;
        log.warn("{} failed {} health checks in a row; no new workflows go there", p.id(), s.failedChecks);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
