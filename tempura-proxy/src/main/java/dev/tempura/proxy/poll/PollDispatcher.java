package dev.tempura.proxy.poll;

import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.forward.ProxyCall;
import dev.tempura.proxy.forward.WorkflowRecorder;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves worker long polls across every physical namespace of a virtual namespace. Polls for the
 * same queue with the same settings share a {@link TaskQueueHub}, which keeps backend polls
 * outstanding on every backend and hands each task a backend returns to a waiting client poll, or
 * keeps it for the next one: a task a backend has handed out is never dropped for lack of a taker.
 */
public final class PollDispatcher implements AutoCloseable {
  /** Fields that differ between workers of one pool yet do not change which tasks they may take. */
  private static final String[] PER_WORKER_FIELDS = {"identity", "worker_instance_key"};

  private final TopologyService topology;
  private final BackendChannels channels;
  private final Translations translations;
  private final WorkflowRecorder recorder;
  private final ScheduledExecutorService timer;
  private final PollOptions options;
  private final ConcurrentHashMap<HubKey, TaskQueueHub> hubs = new ConcurrentHashMap<>();
  private volatile boolean closed;

  public PollDispatcher(
      TopologyService topology,
      BackendChannels channels,
      Translations translations,
      WorkflowRecorder recorder,
      ScheduledExecutorService timer,
      PollOptions options) {
    this.topology = topology;
    this.channels = channels;
    this.translations = translations;
    this.recorder = recorder;
    this.timer = timer;
    this.options = options;
    long sweep = options.idleHubTimeout().toMillis();
    timer.scheduleWithFixedDelay(this::sweepIdleHubs, sweep, sweep, TimeUnit.MILLISECONDS);
  }

  /** Serves one client poll; answers it with a task, an empty response, or an error. */
  public void poll(ProxyCall call, VirtualNamespace vns) {
    Deadline deadline = call.context().getDeadline();
    if (deadline == null) {
      deadline = Deadline.after(options.defaultPollTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    if (closed) {
      Waiter.answerEmpty(call);
      return;
    }
    HubKey key = new HubKey(vns.name(), call.route().fullMethodName(), shape(call));
    TaskQueueHub hub =
        hubs.computeIfAbsent(
            key,
            k ->
                new TaskQueueHub(
                    k.toString(),
                    vns.name(),
                    call.route(),
                    this));
    hub.add(new Waiter(call, deadline));
  }

  /** Answers every parked poll empty and stops polling backends: for shutdown. */
  @Override
  public void close() {
    closed = true;
    for (TaskQueueHub hub : hubs.values()) {
      hub.close();
    }
  }

  /** Parked client polls across all hubs; for metrics and tests. */
  public int parkedPolls() {
    int n = 0;
    for (TaskQueueHub hub : hubs.values()) {
      n += hub.waiterCount();
    }
    return n;
  }

  /** Tasks a backend handed out that wait for a client poll; for metrics and tests. */
  public int bufferedTasks() {
    int n = 0;
    for (TaskQueueHub hub : hubs.values()) {
      n += hub.bufferedCount();
    }
    return n;
  }

  TopologyService topology() {
    return topology;
  }

  BackendChannels channels() {
    return channels;
  }

  Translations translations() {
    return translations;
  }

  WorkflowRecorder recorder() {
    return recorder;
  }

  ScheduledExecutorService timer() {
    return timer;
  }

  PollOptions options() {
    return options;
  }

  boolean isClosed() {
    return closed;
  }

  private void sweepIdleHubs() {
    long now = System.nanoTime();
    hubs.entrySet().removeIf(e -> e.getValue().idleSince(now, options.idleHubTimeout()));
  }

  /** The request without its per-worker fields: polls with equal shapes may share tasks. */
  private static ByteKey shape(ProxyCall call) {
    byte[] stripped = call.request();
    for (String field : PER_WORKER_FIELDS) {
      if (call.route().requestType().findFieldByName(field) != null) {
        stripped = WireStrip.without(stripped, call.route().requestType().findFieldByName(field).getNumber());
      }
    }
    return new ByteKey(stripped);
  }

  private record HubKey(String virtualNamespace, String method, ByteKey shape) {
    @Override
    public String toString() {
      return virtualNamespace + "/" + method.substring(method.lastIndexOf('/') + 1);
    }
  }

  private record ByteKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  static Duration remaining(Deadline d) {
    return Duration.ofNanos(d.timeRemaining(TimeUnit.NANOSECONDS));
  }

  static boolean nonEmptyTask(byte[] response, int[] tokenPath) {
    return response != null && WireFields.nonEmpty(response, tokenPath);
  }
}
