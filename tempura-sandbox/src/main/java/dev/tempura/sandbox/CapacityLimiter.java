package dev.tempura.sandbox;

import static java.util.Objects.requireNonNull;

import dev.tempura.local.ForwardingServer;
import dev.tempura.proxy.routing.ByteMarshaller;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed capacity in front of one in-process Temporal server, so that it behaves like a cluster
 * whose history shard count cannot grow: a {@link ForwardingServer} that forwards every call, as
 * bytes, to the server behind it, but whose hook makes each state-changing call first take one of
 * {@code shards} permits and hold it for its service time: {@code startServiceTime} for a start,
 * {@code serviceTime} for any other (a task completion, a signal). With 4 shards of 10 ms the
 * cluster does at most 400 state transitions a second; calls beyond that wait their turn in one
 * FIFO queue, and their latency grows with the queue.
 *
 * <p>Two service times because a start is little work next to a task completion (one new history,
 * where a completion writes the events, timers and tasks of its commands) yet waits behind them for
 * the shard all the same: under contention a start is slow for the work queued ahead of it, not for
 * its own.
 *
 * <p><b>This is an emulation of shard-lock contention, not Temporal's real behaviour.</b> A real
 * history service serialises the updates of the workflows that hash to one shard and its latency
 * also depends on persistence, caches, matching and many other things; here every state-changing
 * call simply needs any free permit for a constant time. It reproduces the one symptom the
 * scale-out scenario is about: past a fixed throughput, StartWorkflowExecution latency climbs, and
 * only more capacity (another cluster) brings it down. The in-memory test server behind it has no
 * shards at all.
 *
 * <p>A state-changing call's request is read in full before it queues for a permit. The gate never
 * blocks a gRPC thread: a waiting call is a queue entry, and a {@link ScheduledExecutorService}
 * releases each permit after the service time and forwards the call. Everything else (polls,
 * describes, history reads, the {@code grpc.health.v1} checks Tempura makes) passes straight
 * through. A call whose client gives up while it waits is dropped from its turn; its deadline
 * travels with it to the server behind.
 */
final class CapacityLimiter implements AutoCloseable {
  /** The WorkflowService methods that change a workflow's state and so need a shard. */
  static final Set<String> STATE_CHANGING =
      Set.of(
          "StartWorkflowExecution",
          "SignalWithStartWorkflowExecution",
          "SignalWorkflowExecution",
          "RespondWorkflowTaskCompleted",
          "RespondActivityTaskCompleted",
          "RespondActivityTaskFailed",
          "RespondWorkflowTaskFailed");

  /** The calls that start a workflow: they hold a shard for the start service time. */
  static final Set<String> STARTS =
      Set.of("StartWorkflowExecution", "SignalWithStartWorkflowExecution");

  private static final String GATEABLE_SERVICE = WorkflowServiceGrpc.SERVICE_NAME + "/";

  private final ShardGate gate;
  private final ForwardingServer server;

  private CapacityLimiter(
      String target, int shards, Duration serviceTime, Duration startServiceTime) {
    this.gate = new ShardGate(shards, serviceTime, startServiceTime);
    try {
      this.server = ForwardingServer.start(target, ByteMarshaller.INSTANCE, this::arrived);
    } catch (RuntimeException e) {
      gate.close();
      throw e;
    }
  }

  /**
   * Starts a limiter on a free loopback port.
   *
   * @param target the Temporal server behind it, {@code host:port}
   * @param shards how many state-changing calls may be served at once
   * @param serviceTime how long each of them holds its permit
   */
  static CapacityLimiter start(String target, int shards, Duration serviceTime) throws IOException {
    return start(target, shards, serviceTime, serviceTime);
  }

  /**
   * Starts a limiter on a free loopback port whose starts hold a shard for {@code startServiceTime}
   * and every other state-changing call for {@code serviceTime}.
   */
  static CapacityLimiter start(
      String target, int shards, Duration serviceTime, Duration startServiceTime)
      throws IOException {
    requireNonNull(target, "target");
    if (shards < 1) {
      throw new IllegalArgumentException("shards: " + shards + " (expected: 1 or more)");
    }
    if (serviceTime.isNegative()) {
      throw new IllegalArgumentException("serviceTime: " + serviceTime + " (expected: >= 0)");
    }
    if (startServiceTime.isNegative()) {
      throw new IllegalArgumentException(
          "startServiceTime: " + startServiceTime + " (expected: >= 0)");
    }
    try {
      return new CapacityLimiter(target, shards, serviceTime, startServiceTime);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** {@code 127.0.0.1:port}, the address clients use instead of the server behind. */
  String address() {
    return server.address();
  }

  /** State-changing calls that have held a permit (served or being served) since the start. */
  long transitions() {
    return gate.served.get();
  }

  /** State-changing calls waiting for a permit now. */
  int queued() {
    return gate.queued();
  }

  /** The most state-changing calls of {@code serviceTime} a second this capacity can serve. */
  double capacityPerSecond() {
    return gate.serviceNanos == 0
        ? Double.POSITIVE_INFINITY
        : gate.shards * 1e9 / gate.serviceNanos;
  }

  @Override
  public void close() {
    server.close();
    gate.close();
  }

  /**
   * The hook: a state-changing WorkflowService call queues for a permit once its request is read;
   * everything else (polls, describes, health checks, OperatorService, ...) passes straight
   * through.
   */
  private void arrived(ForwardingServer.Call call) {
    if (call.fullMethodName().startsWith(GATEABLE_SERVICE)
        && STATE_CHANGING.contains(call.bareMethodName())) {
      long nanos =
          STARTS.contains(call.bareMethodName()) ? gate.startServiceNanos : gate.serviceNanos;
      call.readRequest(() -> gate.submit(new Held(call, nanos)));
    } else {
      call.forward();
    }
  }

  /** A state-changing call and how long it holds its permit. */
  private record Held(ForwardingServer.Call call, long nanos) {}

  /**
   * {@code shards} permits, each held for its call's service time; calls beyond them wait in FIFO
   * order. Non-blocking: a held permit is a scheduled task that, when it fires, hands the permit to
   * the next waiting call (or frees it) and forwards its own call.
   */
  private static final class ShardGate {
    private final int shards;
    private final long serviceNanos;
    private final long startServiceNanos;
    private final ScheduledExecutorService timer;
    private final AtomicLong served = new AtomicLong();
    private final Queue<Held> waiting = new ArrayDeque<>(); // guarded by this
    private int free; // guarded by this

    ShardGate(int shards, Duration serviceTime, Duration startServiceTime) {
      this.shards = shards;
      this.serviceNanos = serviceTime.toNanos();
      this.startServiceNanos = startServiceTime.toNanos();
      this.free = shards;
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "sandbox-shard-gate");
                t.setDaemon(true);
                return t;
              });
    }

    void submit(Held held) {
      synchronized (this) {
        if (free == 0) {
          waiting.add(held);
          return;
        }
        free--;
      }
      hold(held);
    }

    synchronized int queued() {
      return waiting.size();
    }

    private void hold(Held held) {
      served.incrementAndGet();
      timer.schedule(() -> release(held.call()), held.nanos(), TimeUnit.NANOSECONDS);
    }

    /** The permit's service time is over: pass it on, then forward the call that held it. */
    private void release(ForwardingServer.Call done) {
      Held next;
      synchronized (this) {
        do {
          next = waiting.poll();
          // a call whose client has gone does not spend a permit
        } while (next != null && next.call().cancelled());
        if (next == null) {
          free++;
        }
      }
      if (next != null) {
        hold(next);
      }
      done.forward();
    }

    void close() {
      timer.shutdownNow();
    }
  }
}
