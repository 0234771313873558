package dev.tempura.proxy.poll;

import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.lifecycle.WorkflowRecorder;
import dev.tempura.proxy.metrics.ProxyMetrics;
import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.proxy.security.Limits;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.store.TaskHandoff;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.micrometer.core.instrument.Gauge;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves worker long polls across every physical namespace of a virtual namespace. Polls for the
 * same queue with the same settings share a {@link TaskQueueHub}, which keeps backend polls
 * outstanding on every backend and hands each task a backend returns to a waiting client poll, or
 * keeps it for the next one: a task a backend has handed out is never dropped for lack of a taker.
 * Replicas sharing a store hand each other the tasks one holds while a poll for them waits on
 * another ({@link TaskHandoff}; docs/polling.md, "Replicas behind a load balancer").
 */
public final class PollDispatcher implements AutoCloseable {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(PollDispatcher.class);

  /** Fields that differ between workers of one pool yet do not change which tasks they may take. */
  private static final String[] PER_WORKER_FIELDS = {"identity", "worker_instance_key"};

  private final TopologyService topology;
  private final BackendChannels channels;
  private final Translations translations;
  private final WorkflowRecorder recorder;
  private final ScheduledExecutorService timer;
  private final PollOptions options;
  private final ProxyMetrics metrics;
  private final BackendFaults faults;
  private final Scheduling.Periodic sweeper;
  private final dev.tempura.topology.TopologyService.Subscription topologyChanges;
  private final java.util.Set<List<String>> parkedGauges = ConcurrentHashMap.newKeySet();
  private final java.util.Set<List<String>> outstandingGauges = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<HubKey, TaskQueueHub> hubs = new ConcurrentHashMap<>();

  /** Hubs by the queue id other replicas know them by (see {@link TaskHandoff}). */
  private final ConcurrentHashMap<String, TaskQueueHub> byHandoffId = new ConcurrentHashMap<>();

  private final TaskHandoff handoff;
  private final HandoffMetrics handoffMetrics;
  private final AutoCloseable offers;
  private final Scheduling.Periodic handoffTicks;
  private volatile boolean wasShared;
  private int ticks;

  /** 0: unlimited. */
  private final int maxParkedPerClient;

  /** Client (identity, else IP address) → its polls parked now; absent at 0. */
  private final ConcurrentHashMap<String, Integer> parkedByClient = new ConcurrentHashMap<>();

  /** No new backend polls; client polls still park and take what outstanding ones bring. */
  private volatile boolean closed;

  /** Tasks handed to client polls after the stop began. */
  final java.util.concurrent.atomic.AtomicInteger deliveredWhileDraining =
      new java.util.concurrent.atomic.AtomicInteger();

  /** Drained: new client polls are refused so that workers go elsewhere. */
  private volatile boolean finished;

  /**
   * @param maxParkedPerClient polls one client may have parked at once (more get
   *     RESOURCE_EXHAUSTED); 0 for no limit. A client is its {@link
   *     dev.tempura.proxy.security.ClientIdentity#label()}: its certificate subject or token
   *     identity, else its IP address
   * @param handoff where tasks held with no local poll waiting go when other replicas share the
   *     store ({@link TaskHandoff#NONE}: this replica is alone)
   */
  public PollDispatcher(
      TopologyService topology,
      BackendChannels channels,
      Translations translations,
      WorkflowRecorder recorder,
      ScheduledExecutorService timer,
      PollOptions options,
      ProxyMetrics metrics,
      BackendFaults faults,
      int maxParkedPerClient,
      TaskHandoff handoff) {
    this.handoff = java.util.Objects.requireNonNull(handoff, "handoff");
    this.handoffMetrics = new HandoffMetrics(metrics.registry());
    this.faults = faults;
    this.maxParkedPerClient = maxParkedPerClient;
    this.metrics = metrics;
    this.topology = topology;
    this.channels = channels;
    this.translations = translations;
    this.recorder = recorder;
    this.timer = timer;
    this.options = options;
    // a physical namespace added while polls are parked must be polled at once, not when the next
    // client poll happens to arrive
    topologyChanges = topology.addListener(t -> timer.execute(this::topUpAll));
    sweeper =
        Scheduling.withFixedDelay(
            timer,
            "idle poll hub sweep",
            options.idleHubTimeout(),
            options.idleHubTimeout(),
            this::sweepIdleHubs);
    if (handoff == TaskHandoff.NONE) {
      offers = () -> {};
      handoffTicks = null;
    } else {
      // an offer anywhere: the hub takes it if a poll of its own waits (on a store thread: short)
      offers =
          handoff.subscribe(
              queue -> {
                TaskQueueHub hub = byHandoffId.get(queue);
                if (hub != null) {
                  hub.offeredElsewhere();
                }
              });
      handoffTicks =
          Scheduling.withFixedDelay(
              timer, "task handoff", HANDOFF_TICK, HANDOFF_TICK, this::handoffTick);
      Gauge.builder("tempura_poll_replicas", handoff, TaskHandoff::replicas)
          .description(
              "Replicas that hand each other held tasks through the store, this one included")
          .register(metrics.registry());
    }
  }

  /** How often held tasks are offered again and pools looked at, in case an offer was missed. */
  private static final Duration HANDOFF_TICK = Duration.ofMillis(250);

  /**
   * Every {@link #HANDOFF_TICK}: tasks kept here while no poll waits go to the other replicas
   * (those whose offer failed, those kept before another replica appeared), and once a second, or
   * when replicas come or go, hubs with waiting polls look at their pool (an announcement may have
   * been missed).
   */
  private void handoffTick() {
    boolean shared = handoff.shared();
    boolean changed = shared != wasShared;
    wasShared = shared;
    if (changed) {
      log.info(
          shared
              ? "other replicas share the store: held tasks go to wherever a poll waits"
              : "no other replica is alive: held tasks stay here");
    }
    boolean look = changed || (shared && ++ticks % 4 == 0);
    for (TaskQueueHub hub : hubs.values()) {
      try {
        hub.handoffTick(shared, look);
      } catch (RuntimeException e) {
        log.warn("task handoff of {} failed", hub.name(), e);
      }
    }
  }

  /** Serves one client poll; answers it with a task, an empty response, or an error. */
  public void poll(ProxyCall call, VirtualNamespace vns) {
    Deadline deadline = call.context().getDeadline();
    if (deadline == null) {
      deadline = Deadline.after(options.defaultPollTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }
    if (finished) {
      // an empty answer would bring the worker straight back; UNAVAILABLE makes it back off and
      // reconnect, to another replica or to this one once it is back
      call.close(
          io.grpc.Status.UNAVAILABLE.withDescription("Tempura is shutting down; poll again"),
          new io.grpc.Metadata());
      return;
    }
    HubKey key = new HubKey(vns.name(), call.route().fullMethodName(), shape(call));
    if (closed && handoff.shared()) {
      // stopping, with other replicas taking what comes back here: the worker polls there
      Waiter.answerEmpty(call);
      return;
    }
    Runnable release = parkSlot(call);
    Waiter waiter = new Waiter(call, deadline, release);
    while (true) {
      TaskQueueHub hub = hub(key, vns.name(), call);
      gaugeParked(vns.name(), hub.queueLabel());
      if (hub.add(waiter)) {
        return;
      }
      // the idle sweep retired it after we found it: it may still be in the map for a moment
      hubs.remove(key, hub);
    }
  }

  private TaskQueueHub hub(HubKey key, String virtualName, ProxyCall call) {
    return hubs.computeIfAbsent(
        key,
        k -> {
          TaskQueueHub h =
              new TaskQueueHub(
                  k.toString(), k.handoffId(), virtualName, queueLabel(call), call.route(), this);
          byHandoffId.put(h.handoffId(), h);
          return h;
        });
  }

  /**
   * Counts the poll against its client's limit; the returned action gives the slot back.
   *
   * @throws io.grpc.StatusRuntimeException RESOURCE_EXHAUSTED when the client has too many parked
   */
  private Runnable parkSlot(ProxyCall call) {
    if (maxParkedPerClient <= 0) {
      return () -> {};
    }
    String client = call.identity().label();
    boolean[] taken = {false};
    parkedByClient.compute(
        client,
        (k, n) -> {
          int now = n == null ? 0 : n;
          if (now >= maxParkedPerClient) {
            return n;
          }
          taken[0] = true;
          return now + 1;
        });
    if (!taken[0]) {
      throw Limits.resourceExhausted(
          "too many parked polls from " + client + " (limit: " + maxParkedPerClient + ")",
          ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT,
          ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_SYSTEM);
    }
    return () -> parkedByClient.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }

  /**
   * Parked polls of one client (see {@link #PollDispatcher(TopologyService, BackendChannels,
   * Translations, WorkflowRecorder, ScheduledExecutorService, PollOptions, ProxyMetrics,
   * BackendFaults, int)}); for tests.
   */
  public int parkedPollsOf(String client) {
    return parkedByClient.getOrDefault(client, 0);
  }

  /** Stops at once: see {@link #close(Duration, Runnable)}. */
  @Override
  public void close() {
    close(Duration.ZERO, () -> {});
  }

  /**
   * A graceful stop. No new backend polls; for up to {@code grace} the outstanding ones come back
   * on their own (at most {@link PollOptions#maxBackendPoll()} later) and their tasks go to parked
   * client polls, or to the next poll a worker sends; then every parked poll is answered empty, so
   * that workers poll again, elsewhere, well before their deadline.
   *
   * @param whenCovered run once no further client poll is needed to take what may still come back:
   *     every queue has at least as many parked polls as it has backend polls out and tasks kept
   *     (or at the end, if that never happens). The server may stop taking new calls from then on.
   */
  public void close(Duration grace, Runnable whenCovered) {
    closed = true;
    // the others stop sending polls' tasks this way; tasks that come back here go to them
    handoff.leave();
    boolean shared = handoff.shared();
    for (TaskQueueHub hub : hubs.values()) {
      hub.beginClose(shared);
    }
    long begin = System.nanoTime();
    long until = begin + grace.toNanos();
    if (!grace.isZero()) {
      log.info(
          "draining polls: {} outstanding on backends, {} parked, {} tasks waiting for a poll",
          (int) sum(TaskQueueHub::outstandingCount),
          parkedPolls(),
          bufferedTasks());
    }
    boolean covered = false;
    while (System.nanoTime() < until && !hubs.values().stream().allMatch(TaskQueueHub::drained)) {
      if (!covered && hubs.values().stream().allMatch(TaskQueueHub::covered)) {
        covered = true;
        log.info(
            "parked polls cover every outstanding backend poll after {} ms",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        whenCovered.run();
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (!covered) {
      whenCovered.run();
    }
    finished = true;
    if (!grace.isZero()) {
      log.info(
          "polls drained in {} ms: {} tasks handed to workers meanwhile, {} backend polls left, {} parked"
              + " polls answered empty",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin),
          deliveredWhileDraining.get(),
          (int) sum(TaskQueueHub::outstandingCount),
          parkedPolls());
    }
    for (TaskQueueHub hub : hubs.values()) {
      hub.finishClose();
    }
    sweeper.cancel();
    if (handoffTicks != null) {
      handoffTicks.cancel();
    }
    try {
      offers.close();
    } catch (Exception e) {
      log.debug("unsubscribing from task offers failed", e);
    }
    topologyChanges.close();
  }

  /** Parked client polls across all hubs; for metrics and tests. */
  public int parkedPolls() {
    int n = 0;
    for (TaskQueueHub hub : hubs.values()) {
      n += hub.waiterCount();
    }
    return n;
  }

  /** Tasks handed to client polls since a graceful stop began; for tests. */
  public int deliveredWhileDraining() {
    return deliveredWhileDraining.get();
  }

  /** Tasks a backend handed out that wait for a client poll; for metrics and tests. */
  public int bufferedTasks() {
    int n = 0;
    for (TaskQueueHub hub : hubs.values()) {
      n += hub.bufferedCount();
    }
    return n;
  }

  /**
   * The physical namespace with {@code id} ({@code name@host:port}), as a task from another replica
   * names it: from the topology, or, if it has left it meanwhile, made from the id alone (the task
   * is still delivered; the id only labels its metrics).
   */
  PhysicalNamespace physicalById(String id) {
    for (VirtualNamespace vns : topology.current().virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (p.id().equals(id)) {
          return p;
        }
      }
    }
    int at = id.lastIndexOf('@');
    dev.tempura.topology.ClusterAddress address;
    try {
      address = dev.tempura.topology.ClusterAddress.parse(id.substring(at + 1));
    } catch (RuntimeException unreadable) {
      // a label only: never a reason to drop the task
      address = dev.tempura.topology.ClusterAddress.parse("unknown:1");
    }
    return new PhysicalNamespace(
        at > 0 ? id.substring(0, at) : "unknown",
        address,
        dev.tempura.topology.PhysicalNamespaceStatus.ACTIVE,
        0);
  }

  ProxyMetrics metrics() {
    return metrics;
  }

  HandoffMetrics handoffMetrics() {
    return handoffMetrics;
  }

  TaskHandoff handoff() {
    return handoff;
  }

  /** Task queue names for labels: sticky queues are per worker, so they share one label. */
  private static String queueLabel(ProxyCall call) {
    java.util.Optional<com.google.protobuf.Descriptors.FieldDescriptor> tq =
        java.util.Optional.ofNullable(call.route().requestType().findFieldByName("task_queue"));
    if (tq.isEmpty()) {
      return "";
    }
    int[] namePath = WireFields.path(call.route().requestType(), "task_queue.name");
    int[] kindPath = WireFields.path(call.route().requestType(), "task_queue.kind");
    if (WireFields.varint(call.request(), kindPath, 0)
        == io.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY_VALUE) {
      return "(sticky)";
    }
    String name = WireFields.string(call.request(), namePath);
    return name == null ? "" : name;
  }

  private void gaugeParked(String vns, String queue) {
    List<String> k = List.of(vns, queue);
    if (parkedGauges.add(k)) {
      Gauge.builder(
              "tempura_polls_parked",
              this,
              d -> d.sum(h -> h.matches(vns, queue) ? h.waiterCount() : 0))
          .description("Client polls parked, waiting for a task")
          .tag("namespace", vns)
          .tag("task_queue", queue)
          .register(metrics.registry());
    }
  }

  void gaugeOutstanding(PhysicalNamespace p, String queue) {
    String physicalId = p.id();
    List<String> k = List.of(physicalId, queue);
    if (outstandingGauges.add(k)) {
      Gauge.builder(
              "tempura_backend_polls_outstanding",
              this,
              d -> d.sum(h -> h.queueLabel().equals(queue) ? h.outstandingOn(physicalId) : 0))
          .description("Polls the proxy keeps open on a backend")
          .tag("physical_namespace", p.name())
          .tag("cluster_address", p.clusterAddress().toString())
          .tag("task_queue", queue)
          .register(metrics.registry());
    }
  }

  private double sum(java.util.function.ToIntFunction<TaskQueueHub> f) {
    int n = 0;
    for (TaskQueueHub hub : hubs.values()) {
      n += f.applyAsInt(hub);
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

  public PollOptions options() {
    return options;
  }

  boolean isClosed() {
    return closed;
  }

  /**
   * After a topology change: every hub polls the backends it now should. Each backend's polls are
   * started on their own (see {@link TaskQueueHub#topUp()}), and each hub too: a failure for one
   * does not keep the others from polling.
   */
  private void topUpAll() {
    for (TaskQueueHub hub : hubs.values()) {
      try {
        hub.topUp();
      } catch (RuntimeException e) {
        log.warn("topping up the polls of {} after a topology change failed", hub.name(), e);
      }
    }
  }

  BackendFaults faults() {
    return faults;
  }

  private void sweepIdleHubs() {
    long now = System.nanoTime();
    hubs.entrySet()
        .removeIf(
            e -> {
              if (!e.getValue().retireIfIdle(now, options.idleHubTimeout())) {
                return false;
              }
              byHandoffId.remove(e.getValue().handoffId(), e.getValue());
              return true;
            });
  }

  /** The request without its per-worker fields: polls with equal shapes may share tasks. */
  private static ByteKey shape(ProxyCall call) {
    byte[] stripped = call.request();
    for (String field : PER_WORKER_FIELDS) {
      if (call.route().requestType().findFieldByName(field) != null) {
        stripped =
            WireStrip.without(
                stripped, call.route().requestType().findFieldByName(field).getNumber());
      }
    }
    return new ByteKey(stripped);
  }

  private record HubKey(String virtualNamespace, String method, ByteKey shape) {
    /**
     * The queue's name between replicas: the same polls on any replica make the same id. A hash, as
     * the shape is bytes and may be long; 128 bits make a collision of two live queues moot.
     */
    String handoffId() {
      try {
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update(virtualNamespace.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(method.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(shape.bytes());
        return java.util.HexFormat.of().formatHex(sha.digest(), 0, 16);
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-256", e);
      }
    }

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
