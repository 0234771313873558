// Over 500 lines: one queue's state machine (parked polls, kept tasks, tasks on their way to and
// from other replicas, backend slots, backoff and the graceful stop) under one lock; split, its
// invariant would be spread over several classes.
package dev.tempura.proxy.poll;

import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.translate.Translation;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.store.TaskHandoff;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The polls of one task queue (one shape of poll request) in one virtual namespace.
 *
 * <p>Invariant: on every backend, the hub keeps as many backend polls outstanding as there are
 * parked client polls, no more (after a client cancels, the excess is cancelled) and no fewer
 * (unless the backend is backing off after errors). A backend poll that returns a task hands it to
 * the oldest parked client poll, or to the buffer that the next client poll drains first. Backend
 * polls are never cancelled because a client poll was answered: that is the race in which a task
 * the backend has started gets lost, so an answered client's leftover polls are adopted by the next
 * client poll instead.
 *
 * <p>Replicas sharing a store ({@link dev.tempura.store.TaskHandoff#shared()}): a task that finds
 * no parked poll here is offered to the queue's pool in the store rather than kept, and a hub with
 * parked polls takes from the pool when any replica announces an offer. A task is in one place at a
 * time: kept here, on its way (an offer or a take the store has not answered), in the pool, or
 * handed to a client poll.
 *
 * <p>All state is guarded by {@code this}; network sends happen outside the lock.
 */
final class TaskQueueHub {
  private static final Logger log = LoggerFactory.getLogger(TaskQueueHub.class);

  private final String name;
  private final String handoffId;
  private final String virtualName;
  private final String queueLabel;
  private final String kind;
  private final MethodRoute route;
  private final PollDispatcher dispatcher;

  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final ArrayDeque<Buffered> buffered = new ArrayDeque<>();
  private final Map<String, Slot> slots = new HashMap<>();
  private long lastActiveNanos = System.nanoTime();
  private boolean closed;

  /** Swept as idle and out of the dispatcher's map: see {@link #retireIfIdle}. */
  private boolean retired;

  /**
   * Whether the store's pool of this queue may hold tasks: set by an offer anywhere (and now and
   * then, in case an announcement was missed), cleared by a take that found none.
   */
  private boolean poolMaybe = true;

  /** Takes from the pool the store has not answered yet; at most one per parked poll. */
  private int takesInFlight;

  /**
   * Offers heard of (and looks due): a take that finds the pool empty clears {@link #poolMaybe}
   * only if none was heard of since it was sent, as it may have passed that offer on its way.
   */
  private long offersHeard;

  /** Tasks offered to the pool that the store has not answered for yet. */
  private int offersInFlight;

  /**
   * A task that found no parked poll: already translated for the client.
   *
   * @param arrivedNanos when its backend handed it to Tempura, on this JVM's clock
   * @param from the physical namespace it came from (for a task from another replica, as named in
   *     the pool; see {@link PollDispatcher#physicalById})
   * @param across it came from another replica
   */
  private record Buffered(
      byte[] response, long arrivedNanos, PhysicalNamespace from, boolean across) {}

  /** One backend's outstanding polls and error backoff. */
  private static final class Slot {
    final List<BackendPoll> outstanding = new ArrayList<>(2);
    int failures;
    long retryAtNanos;
    boolean retryScheduled;
  }

  TaskQueueHub(
      String name,
      String handoffId,
      String virtualName,
      String queueLabel,
      MethodRoute route,
      PollDispatcher dispatcher) {
    this.name = name;
    this.handoffId = handoffId;
    this.virtualName = virtualName;
    this.queueLabel = queueLabel;
    this.kind = route.pollKind().label();
    this.route = route;
    this.dispatcher = dispatcher;
  }

  /**
   * Parks {@code w} here, or hands it a task at once.
   *
   * @return false, doing nothing, if the idle sweep retired this hub: the poll belongs in the hub
   *     that replaces it
   */
  boolean add(Waiter w) {
    synchronized (this) {
      if (retired) {
        return false;
      }
    }
    Duration remaining = PollDispatcher.remaining(w.deadline);
    Duration answerBefore = dispatcher.options().answerBeforeDeadline();
    if (remaining.compareTo(answerBefore) <= 0) {
      if (w.tryFinish()) {
        Waiter.answerEmpty(w.call);
      }
      return true;
    }
    Buffered task;
    List<Start> starts = List.of();
    boolean take = false;
    long heard = 0;
    synchronized (this) {
      if (retired) {
        // retired since the check above (it had no poll then)
        return false;
      }
      long now = System.nanoTime();
      lastActiveNanos = now;
      task = takeBuffered(now);
      if (task == null) {
        waiters.addLast(w);
        // the pool first, as the local buffer: a backend poll started while tasks wait there would
        // fetch more than the workers take, and the surplus would wait in Tempura, its timeout
        // running on the backend
        take = claimTake();
        heard = offersHeard;
        starts = planStarts(now);
      }
    }
    if (task != null) {
      if (w.tryFinish()) {
        handOver(w, task, false);
      } else {
        requeue(task);
      }
      return true;
    }
    w.setTimer(
        dispatcher
            .timer()
            .schedule(
                () -> expire(w), remaining.minus(answerBefore).toNanos(), TimeUnit.NANOSECONDS));
    w.call.context().addListener(ctx -> cancelled(w), Runnable::run);
    launch(starts);
    if (take) {
      takeFromPool(heard);
    }
    return true;
  }

  /** The client's deadline is near: answer empty, as Temporal does. Backend polls end by theirs. */
  private void expire(Waiter w) {
    synchronized (this) {
      waiters.remove(w);
    }
    if (w.tryFinish()) {
      Waiter.answerEmpty(w.call);
      dispatcher
          .metrics()
          .request(virtualName, null, route.bareMethodName(), true, Status.Code.OK, -1);
    }
  }

  /** The client cancelled its poll (or its deadline passed): cancel backend polls left over. */
  private void cancelled(Waiter w) {
    if (!w.tryFinish()) {
      return;
    }
    List<BackendPoll> excess = new ArrayList<>();
    synchronized (this) {
      waiters.remove(w);
      if (closed) {
        // stopping: every outstanding poll is left to come back, and what it brings is kept for
        // the polls that workers keep sending until the server stops taking calls
        return;
      }
      for (Slot slot : slots.values()) {
        while (slot.outstanding.size() > waiters.size()) {
          excess.add(slot.outstanding.remove(slot.outstanding.size() - 1));
        }
      }
    }
    for (BackendPoll p : excess) {
      p.cancel("the client poll was cancelled");
    }
  }

  private void onBackendDone(BackendPoll poll, Status status, byte[] response, Metadata trailers) {
    onBackendDone(poll, status, response, trailers, false);
  }

  /**
   * @param local the poll never reached the backend: Tempura's own failure for that backend, which
   *     backs it off but is no answer for a client's poll
   */
  private void onBackendDone(
      BackendPoll poll, Status status, byte[] response, Metadata trailers, boolean local) {
    boolean task = status.isOk() && PollDispatcher.nonEmptyTask(response, route.taskTokenPath());
    if (!task && response != null && PollDispatcher.nonEmptyTask(response, route.taskTokenPath())) {
      // a task arrived even though the call then failed (cancelled after the answer): keep it
      task = true;
    }
    byte[] translated = null;
    String workflowId = null;
    if (task) {
      try {
        workflowId =
            route.responseWorkflowIdPath() == null
                ? null
                : WireFields.string(response, route.responseWorkflowIdPath());
        translated =
            dispatcher.translations().response(route, response, poll.translation, workflowId);
      } catch (RuntimeException e) {
        log.error(
            "{}: unreadable task from {}; it will time out on the backend",
            name,
            poll.physicalId(),
            e);
        task = false;
        status = Status.INTERNAL.withDescription("unreadable poll response: " + e.getMessage());
      }
    }
    boolean empty =
        !task
            && (status.isOk()
                || status.getCode() == Status.Code.DEADLINE_EXCEEDED
                || status.getCode() == Status.Code.CANCELLED);
    Waiter taker = null;
    Waiter errorTaker = null;
    Buffered arrived = null;
    boolean offer = false;
    List<Start> starts;
    Long retryIn = null;
    synchronized (this) {
      long now = System.nanoTime();
      lastActiveNanos = now;
      Slot slot = slots.get(poll.physicalId());
      if (slot != null) {
        slot.outstanding.remove(poll);
        if (task || empty) {
          slot.failures = 0;
        } else {
          retryIn = backOff(slot, now);
          if (!local && !retryable(status)) {
            errorTaker = takeWaiter();
          }
        }
      }
      if (task) {
        arrived = new Buffered(translated, now, poll.translation.physical(), false);
        taker = takeWaiter();
        if (taker == null) {
          offer = shouldOffer();
          if (offer) {
            offersInFlight++;
          } else {
            buffered.addLast(arrived);
          }
          dispatcher.metrics().taskBuffered(poll.translation.physical(), kind);
        }
      }
      starts = planStarts(now);
    }
    if (task) {
      dispatcher.recorder().recordPolled(workflowId, virtualName, poll.translation.physical());
      if (log.isDebugEnabled()) {
        log.debug(
            "{}: task of {} from {} ({}): {}",
            name,
            workflowId,
            poll.physicalId(),
            status.getCode(),
            taker != null ? "delivered" : "kept for the next poll");
      }
    }
    if (taker != null) {
      handOver(taker, arrived, true);
    } else if (offer) {
      offer(arrived);
    }
    if (errorTaker != null) {
      log.warn("{}: poll on {} failed: {}", name, poll.physicalId(), status);
      errorTaker.answerError(
          dispatcher.translations().status(status, poll.translation),
          dispatcher.translations().trailers(trailers, poll.translation));
    } else if (!task && !empty) {
      log.debug("{}: poll on {} failed, backing off: {}", name, poll.physicalId(), status);
    }
    if (retryIn != null) {
      dispatcher.timer().schedule(() -> retry(poll.physicalId()), retryIn, TimeUnit.NANOSECONDS);
    }
    launch(starts);
  }

  /** Starts whatever backend polls the invariant calls for now (after a topology change). */
  void topUp() {
    List<Start> starts;
    synchronized (this) {
      starts = planStarts(System.nanoTime());
    }
    launch(starts);
  }

  private void retry(String physicalId) {
    List<Start> starts;
    synchronized (this) {
      Slot slot = slots.get(physicalId);
      if (slot != null) {
        slot.retryScheduled = false;
      }
      starts = planStarts(System.nanoTime());
    }
    launch(starts);
  }

  /**
   * Sends a task to a claimed waiter; if its client has gone, the task goes to the next one.
   *
   * @param direct the waiter was parked when the task's backend answered
   */
  private void handOver(Waiter w, Buffered task, boolean direct) {
    if (w.clientGone()) {
      dispatcher.metrics().taskBuffered(task.from(), kind);
      requeue(task);
      return;
    }
    w.answer(task.response());
    dispatcher
        .handoffMetrics()
        .handedOut(
            kind,
            direct
                ? HandoffMetrics.Path.DIRECT
                : task.across() ? HandoffMetrics.Path.ACROSS : HandoffMetrics.Path.KEPT,
            System.nanoTime() - task.arrivedNanos());
    dispatcher.metrics().taskDelivered(task.from(), kind);
    dispatcher
        .metrics()
        .request(virtualName, task.from(), route.bareMethodName(), true, Status.Code.OK, -1);
    if (closed) {
      dispatcher.deliveredWhileDraining.incrementAndGet();
    }
  }

  private void requeue(Buffered task) {
    Waiter next;
    synchronized (this) {
      next = takeWaiter();
      if (next == null) {
        if (!shouldOffer()) {
          buffered.addFirst(task);
          return;
        }
        offersInFlight++;
      }
    }
    if (next == null) {
      offer(task, true);
      return;
    }
    handOver(next, task, false);
  }

  // ---- tasks between replicas (see the class comment)

  /**
   * A task no poll here waits for goes to the other replicas when there are any. Holds the lock.
   */
  private boolean shouldOffer() {
    return dispatcher.handoff().shared();
  }

  /** Whether to take from the pool now: it may hold tasks, and a poll waits for each take. */
  private boolean claimTake() {
    if (poolMaybe && waiters.size() > takesInFlight) {
      takesInFlight++;
      return true;
    }
    return false;
  }

  /** Offers a task to the store's pool; the caller has counted it in {@link #offersInFlight}. */
  private void offer(Buffered task) {
    offer(task, false);
  }

  /**
   * @param first it goes before the tasks in the pool: it was taken from there, or kept here, for a
   *     poll that then got another task, so it is older than they are
   */
  private void offer(Buffered task, boolean first) {
    long heldNanos = System.nanoTime() - task.arrivedNanos();
    HeldTask held =
        HeldTask.of(
            task.response(),
            System.currentTimeMillis() - TimeUnit.NANOSECONDS.toMillis(heldNanos),
            task.from().id());
    CompletableFuture<Boolean> f;
    try {
      f = dispatcher.handoff().offer(handoffId, held.id(), held.encode(), first);
    } catch (RuntimeException e) {
      // refused before anything was sent: the task is still here
      f = CompletableFuture.completedFuture(false);
      log.warn("{}: offering a task to the other replicas failed", name, e);
    }
    f.whenComplete((handed, failure) -> offered(task, handed, failure));
  }

  private void offered(Buffered task, Boolean handed, Throwable failure) {
    if (failure == null && Boolean.TRUE.equals(handed)) {
      synchronized (this) {
        offersInFlight--;
      }
      dispatcher.handoffMetrics().across(kind, true);
      return;
    }
    if (failure != null) {
      // the store could not say whether it has the task: giving it out here could hand it twice
      synchronized (this) {
        offersInFlight--;
      }
      dispatcher.metrics().taskDropped(task.from(), kind);
      log.error(
          "{}: the store never settled an offer of a task from {}; it may time out on its backend",
          name,
          task.from(),
          failure);
      return;
    }
    // still ours: a poll here takes it, or it waits here and the next tick offers it again
    Waiter next;
    synchronized (this) {
      offersInFlight--;
      next = takeWaiter();
      if (next == null) {
        buffered.addFirst(task);
        return;
      }
    }
    handOver(next, task, false);
  }

  /** A replica offered a task of this queue: take it if a poll waits here. */
  void offeredElsewhere() {
    boolean take;
    long heard;
    synchronized (this) {
      poolMaybe = true;
      heard = ++offersHeard;
      take = claimTake();
    }
    if (take) {
      takeFromPool(heard);
    }
  }

  /**
   * Takes the pool's oldest task; the caller has counted it in {@link #takesInFlight}.
   *
   * @param heard {@link #offersHeard} when the take was decided on
   */
  private void takeFromPool(long heard) {
    CompletableFuture<TaskHandoff.Taken> f;
    try {
      f = dispatcher.handoff().take(handoffId);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((result, failure) -> taken(result, failure, heard));
  }

  private void taken(TaskHandoff.Taken result, Throwable failure, long heard) {
    String payload = failure == null ? result.payload() : null;
    boolean drained = failure == null && result.drained();
    Buffered task = null;
    if (payload != null) {
      try {
        HeldTask held = HeldTask.decode(payload);
        long ageMillis = Math.max(0, System.currentTimeMillis() - held.arrivedMillis());
        task =
            new Buffered(
                held.response(),
                System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(ageMillis),
                dispatcher.physicalById(held.from()),
                true);
        dispatcher.handoffMetrics().across(kind, false);
      } catch (RuntimeException e) {
        // validated where it enters: one bad entry is skipped, the queue goes on
        log.error("{}: a task in the store's pool cannot be read; skipped", name, e);
      }
    } else if (failure != null) {
      log.warn("{}: taking a task from the other replicas failed: {}", name, failure.toString());
    }
    Waiter taker = null;
    boolean offerBack = false;
    boolean again;
    long heardNow;
    List<Start> starts;
    synchronized (this) {
      takesInFlight--;
      lastActiveNanos = System.nanoTime();
      boolean heardSince = offersHeard != heard;
      if (drained && !heardSince) {
        poolMaybe = false;
      }
      if (task != null) {
        taker = takeWaiter();
        if (taker == null) {
          // the poll it was taken for got a task meanwhile
          offerBack = shouldOffer();
          if (offerBack) {
            offersInFlight++;
          } else {
            buffered.addLast(task);
          }
        }
      }
      // there may be more, for the other polls waiting here; the store said whether there are
      again = (heardSince || (payload != null && !drained)) && claimTake();
      heardNow = offersHeard;
      // the polls the pool did not serve are served by the backends
      starts = planStarts(System.nanoTime());
    }
    if (taker != null) {
      handOver(taker, task, false);
    } else if (offerBack) {
      offer(task, true);
    }
    launch(starts);
    if (again) {
      takeFromPool(heardNow);
    }
  }

  /**
   * Now and then: tasks kept here while no poll waits go to the other replicas, and with {@code
   * look} the pool is looked at for the polls waiting here.
   */
  void handoffTick(boolean shared, boolean look) {
    List<Buffered> toOffer = List.of();
    boolean take;
    long heard;
    synchronized (this) {
      if (look) {
        poolMaybe = true;
        offersHeard++;
      }
      heard = offersHeard;
      if (shared && waiters.isEmpty() && !buffered.isEmpty()) {
        dropExpired(System.nanoTime());
        toOffer = new ArrayList<>(buffered);
        buffered.clear();
        offersInFlight += toOffer.size();
      }
      take = look && claimTake();
    }
    for (Buffered b : toOffer) {
      offer(b);
    }
    if (take) {
      takeFromPool(heard);
    }
  }

  String handoffId() {
    return handoffId;
  }

  /** The oldest parked poll whose client is still there, claimed; or null. Holds the lock. */
  private Waiter takeWaiter() {
    Waiter w;
    while ((w = waiters.pollFirst()) != null) {
      if (!w.clientGone() && w.tryFinish()) {
        return w;
      }
    }
    return null;
  }

  /** Holds the lock. */
  private Buffered takeBuffered(long now) {
    dropExpired(now);
    return buffered.pollFirst();
  }

  private void dropExpired(long now) {
    if (buffered.isEmpty()) {
      return;
    }
    long ttl = dispatcher.options().bufferedTaskTimeout().toNanos();
    for (Iterator<Buffered> it = buffered.iterator(); it.hasNext(); ) {
      Buffered b = it.next();
      if (now - b.arrivedNanos() > ttl) {
        it.remove();
        dispatcher.metrics().taskDropped(b.from(), kind);
        log.error(
            "{}: a task from {} waited {} s and no worker polled for it; it will time out on the backend",
            name,
            b.from().id(),
            TimeUnit.NANOSECONDS.toSeconds(now - b.arrivedNanos()));
      }
    }
  }

  /** A backend poll to start; {@code backends}: how many backends the queue is polled on. */
  private record Start(BackendPoll poll, Waiter forWaiter, int backends) {}

  /**
   * The shortest backend poll worth starting. Temporal's frontend refuses a long poll with less
   * than 2 s left ({@code common.MinLongPollTimeout}) with FAILED_PRECONDITION "Context timeout is
   * too short.", which a worker would see as a poll error; the in-memory server takes any deadline.
   */
  static final Duration MIN_BACKEND_POLL = Duration.ofSeconds(2);

  /**
   * The parked poll with the most time left, whose deadline new backend polls get. Holds the lock.
   */
  private Waiter latestDeadline() {
    Waiter latest = waiters.peekLast();
    for (Waiter w : waiters) {
      if (w.deadline.compareTo(latest.deadline) > 0) {
        latest = w;
      }
    }
    return latest;
  }

  /**
   * Tops up every backend to one outstanding poll per parked client poll, but for those waiting for
   * a take from the pool. Holds the lock.
   */
  private List<Start> planStarts(long now) {
    int wanted = waiters.size() - takesInFlight;
    if (closed || dispatcher.isClosed() || wanted <= 0) {
      return List.of();
    }
    VirtualNamespace vns = dispatcher.topology().virtualNamespace(virtualName).orElse(null);
    if (vns == null) {
      return List.of();
    }
    Waiter newest = latestDeadline();
    if (PollDispatcher.remaining(newest.deadline)
            .minus(dispatcher.options().answerBeforeDeadline())
            .compareTo(MIN_BACKEND_POLL)
        < 0) {
      // too late for a backend poll a real frontend would take: the parked polls are answered
      // empty at their deadline, and the next client poll starts backend polls again
      return List.of();
    }
    List<Start> starts = new ArrayList<>();
    Translations translations = dispatcher.translations();
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      Slot slot = slots.get(p.id());
      boolean fresh = slot == null;
      if (fresh) {
        slot = new Slot();
        slots.put(p.id(), slot);
      }
      if (slot.failures > 0 && now < slot.retryAtNanos) {
        continue;
      }
      try {
        if (fresh) {
          dispatcher.gaugeOutstanding(p, queueLabel);
          dispatcher.metrics().pollSeries(p, kind);
        }
        Translation t = translations.of(virtualName, p);
        while (slot.outstanding.size() < wanted) {
          BackendPoll poll = new BackendPoll(t);
          slot.outstanding.add(poll);
          starts.add(new Start(poll, newest, vns.physicalNamespaces().size()));
        }
      } catch (RuntimeException e) {
        // this backend's polls only: it backs off, and every other backend is polled as usual
        dispatcher.faults().failed(p, BackendFaults.POLLS, e);
        Long pause = backOff(slot, now);
        if (pause != null) {
          String id = p.id();
          dispatcher.timer().schedule(() -> retry(id), pause, TimeUnit.NANOSECONDS);
        }
      }
    }
    return starts;
  }

  /**
   * Counts a failure on a backend and sets when to poll it again; answers the pause if no retry is
   * scheduled yet (the caller schedules it), else null. Holds the lock.
   */
  private Long backOff(Slot slot, long now) {
    slot.failures++;
    long backoff =
        Math.min(
            dispatcher.options().backendRetryBackoff().toNanos() << Math.min(slot.failures - 1, 10),
            dispatcher.options().backendRetryBackoff().toNanos() * 10);
    slot.retryAtNanos = now + backoff;
    if (!slot.retryScheduled) {
      slot.retryScheduled = true;
      return backoff;
    }
    return null;
  }

  private void launch(List<Start> starts) {
    Duration answerBefore = dispatcher.options().answerBeforeDeadline();
    for (Start s : starts) {
      PhysicalNamespace p = s.poll().translation.physical();
      byte[] request;
      try {
        request =
            dispatcher
                .translations()
                .request(route, s.forWaiter().call.request(), s.poll().translation);
        // every backend applies the worker's task queue rate limit: each gets its share
        request = route.splitRates(request, s.backends());
      } catch (RuntimeException e) {
        onBackendDone(
            s.poll(), Status.INTERNAL.withDescription(e.getMessage()), null, new Metadata());
        continue;
      }
      Deadline deadline =
          s.forWaiter()
              .deadline
              .offset(-answerBefore.toNanos(), TimeUnit.NANOSECONDS)
              .minimum(
                  Deadline.after(
                      dispatcher.options().maxBackendPoll().toNanos(), TimeUnit.NANOSECONDS));
      try {
        s.poll()
            .start(
                dispatcher.channels().channel(p.clusterAddress()),
                route.method(),
                request,
                Translations.headersToBackend(s.forWaiter().call.headers(), p.name()),
                deadline,
                this::onBackendDone);
      } catch (RuntimeException e) {
        // Tempura's own failure for this backend: it backs off and is shown unusable, while the
        // polls of every other backend start as usual and the client's poll waits for them
        dispatcher.faults().failed(p, BackendFaults.POLLS, e);
        s.poll().cancel("it could not be started");
        onBackendDone(
            s.poll(),
            Status.UNAVAILABLE.withDescription("cannot poll " + p.id() + ": " + e),
            null,
            new Metadata(),
            true);
        continue;
      }
      dispatcher.faults().succeeded(p, BackendFaults.POLLS);
    }
  }

  private static boolean retryable(Status status) {
    return switch (status.getCode()) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, ABORTED, UNKNOWN, RESOURCE_EXHAUSTED -> true;
      default -> false;
    };
  }

  String queueLabel() {
    return queueLabel;
  }

  String name() {
    return name;
  }

  boolean matches(String vns, String queue) {
    return virtualName.equals(vns) && queueLabel.equals(queue);
  }

  synchronized int outstandingOn(String physicalId) {
    Slot s = slots.get(physicalId);
    return s == null ? 0 : s.outstanding.size();
  }

  synchronized int outstandingCount() {
    int n = 0;
    for (Slot s : slots.values()) {
      n += s.outstanding.size();
    }
    return n;
  }

  synchronized int waiterCount() {
    return waiters.size();
  }

  synchronized int bufferedCount() {
    return buffered.size();
  }

  /**
   * Retires this hub if it has been idle (no poll, no task, no store call, no backend poll) for
   * {@code timeout}: from then on it refuses polls ({@link #add} answers false). Checked and set
   * under the hub's lock, as {@link #add} checks it, so a poll that found this hub in the
   * dispatcher's map just before the sweep removed it never parks where no task will come.
   */
  synchronized boolean retireIfIdle(long now, Duration timeout) {
    if (idleSince(now, timeout)) {
      retired = true;
    }
    return retired;
  }

  private boolean idleSince(long now, Duration timeout) {
    dropExpired(now);
    if (!waiters.isEmpty() || !buffered.isEmpty() || offersInFlight > 0 || takesInFlight > 0) {
      return false;
    }
    for (Slot s : slots.values()) {
      if (!s.outstanding.isEmpty()) {
        return false;
      }
    }
    return now - lastActiveNanos > timeout.toNanos();
  }

  /**
   * First step of a graceful stop: no new backend polls. No outstanding one is cancelled either,
   * not even those beyond the number of parked polls: a poll cancelled just as its backend matched
   * it loses the task until its timeout. They come back on their own (by {@link
   * PollOptions#maxBackendPoll()} at the latest); their tasks go to parked polls, or wait for the
   * next poll, which workers keep sending to this instance until its server stops taking calls.
   */
  void beginClose(boolean shared) {
    List<Waiter> parked = List.of();
    List<Buffered> toOffer = List.of();
    synchronized (this) {
      closed = true;
      if (shared) {
        // other replicas take what comes back here: parked polls need not wait for it, and their
        // workers' next polls go to a replica that stays
        parked = new ArrayList<>(waiters);
        waiters.clear();
        toOffer = new ArrayList<>(buffered);
        buffered.clear();
        offersInFlight += toOffer.size();
      }
    }
    for (Waiter w : parked) {
      if (w.tryFinish()) {
        Waiter.answerEmpty(w.call);
      }
    }
    for (Buffered b : toOffer) {
      offer(b);
    }
  }

  /**
   * True when every task that may still arrive has a parked poll to go to: new client polls are no
   * longer needed. A parked poll only leaves before the end of the stop if its client cancels it.
   */
  synchronized boolean covered() {
    if (dispatcher.handoff().shared()) {
      // what comes back goes to the other replicas
      return true;
    }
    int out = 0;
    for (Slot s : slots.values()) {
      out += s.outstanding.size();
    }
    return waiters.size() >= out + buffered.size();
  }

  /**
   * True once no backend poll of this hub is outstanding and no task it brought waits for a poll.
   */
  synchronized boolean drained() {
    if (!buffered.isEmpty() || offersInFlight > 0 || takesInFlight > 0) {
      return false;
    }
    for (Slot s : slots.values()) {
      if (!s.outstanding.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Last step: kept tasks go to parked polls, and the rest of the parked polls are answered empty.
   */
  void finishClose() {
    List<Waiter> parked;
    List<Buffered> tasks;
    List<BackendPoll> stragglers = new ArrayList<>();
    synchronized (this) {
      closed = true;
      parked = new ArrayList<>(waiters);
      waiters.clear();
      tasks = new ArrayList<>(buffered);
      buffered.clear();
      for (Slot s : slots.values()) {
        stragglers.addAll(s.outstanding);
        s.outstanding.clear();
      }
    }
    int lost = 0;
    java.util.Iterator<Buffered> next = tasks.iterator();
    for (Waiter w : parked) {
      if (!w.tryFinish()) {
        continue;
      }
      if (next.hasNext() && !w.clientGone()) {
        Buffered task = next.next();
        w.answer(task.response());
        dispatcher
            .handoffMetrics()
            .handedOut(
                kind,
                task.across() ? HandoffMetrics.Path.ACROSS : HandoffMetrics.Path.KEPT,
                System.nanoTime() - task.arrivedNanos());
        dispatcher.metrics().taskDelivered(task.from(), kind);
        dispatcher.deliveredWhileDraining.incrementAndGet();
      } else {
        Waiter.answerEmpty(w.call);
      }
    }
    while (next.hasNext()) {
      dispatcher.metrics().taskDropped(next.next().from(), kind);
      lost++;
    }
    for (BackendPoll p : stragglers) {
      p.cancel("proxy shutting down");
    }
    if (lost > 0) {
      log.warn(
          "{}: {} kept tasks had no taker at shutdown; they will time out on the backend",
          name,
          lost);
    }
  }
}
