package dev.tempura.proxy.lifecycle;

import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.proxy.scheduling.Scheduling;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records mappings for workflows that reach a backend without a recorded Start through Tempura:
 * children started by a workflow (placed on the parent's backend by Temporal itself), any workflow
 * whose task is polled (started by a schedule, or before Tempura was in the path), and workflows
 * placed or located while the store was unavailable.
 *
 * <h2>Backlog</h2>
 *
 * <p>A mapping that could not be written because the store was down is not given up: it waits in a
 * bounded in-memory backlog and is written as soon as the store answers again, whether or not the
 * workflow is called again. Until then the workflow is still reachable (a call that misses the
 * store locates it on the backends), so the backlog only spares those lookups and gives the store
 * back the whole picture, for drains and the reconciler. It is lost if this replica stops before
 * the store returns; the next call for such a workflow locates and records it.
 */
public final class WorkflowRecorder {
  private static final Logger log = LoggerFactory.getLogger(WorkflowRecorder.class);

  /** Mappings kept for a store that is down; past this, new ones are left to be located later. */
  static final int MAX_BACKLOG = 100_000;

  /** Writes in flight at once while the backlog drains. */
  private static final int DRAIN_BATCH = 256;

  private final MappingStore mappings;
  private final Map<MappingKey, String> backlog = new ConcurrentHashMap<>();
  private final AtomicBoolean draining = new AtomicBoolean();
  private final LongAdder overflowed = new LongAdder();
  private final LongAdder recordedLate = new LongAdder();

  public WorkflowRecorder(MappingStore mappings) {
    this.mappings = mappings;
  }

  /**
   * Tries the backlog every {@code every}; the first write that fails ends the round. A round that
   * throws does not stop the next ones (see {@link Scheduling}).
   */
  public void start(ScheduledExecutorService timer, Duration every) {
    Scheduling.withFixedDelay(timer, "mapping backlog drain", every, every, this::drainBacklog);
  }

  /**
   * Records the children a completed workflow task starts, before the task reaches the backend, so
   * that a client can address a child as soon as it exists. With the store down the task still goes
   * through (a workflow must not stall on the store) and the children wait in the backlog.
   *
   * @param request the fields of a RespondWorkflowTaskCompletedRequest as the client sent it
   *     (virtual names)
   */
  public CompletableFuture<Void> recordChildren(
      RequestFields request, String virtualName, PhysicalNamespace parentBackend) {
    List<String> ids = request.childIds();
    if (ids.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    for (String ns : request.childNamespaces()) {
      if (!ns.isEmpty() && !ns.equals(virtualName)) {
        // a child in another namespace lives wherever that namespace is; not ours to record here
        return CompletableFuture.completedFuture(null);
      }
    }
    List<CompletableFuture<String>> writes = new ArrayList<>(ids.size());
    for (String id : ids) {
      MappingKey key = Keyspace.WORKFLOW.key(virtualName, id);
      writes.add(
          mappings
              .putIfAbsent(key, parentBackend.id())
              .exceptionally(
                  e -> {
                    recordLater(key, parentBackend.id());
                    return parentBackend.id();
                  }));
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
  }

  /** Records the workflow of a polled task; cheap when known, since the cache answers. */
  public void recordPolled(String id, String virtualName, PhysicalNamespace from) {
    if (id == null || id.isEmpty()) {
      return;
    }
    MappingKey key = Keyspace.WORKFLOW.key(virtualName, id);
    mappings
        .putIfAbsent(key, from.id())
        .whenComplete(
            (mapped, error) -> {
              if (error != null) {
                recordLater(key, from.id());
              } else if (!mapped.equals(from.id())) {
                // the same id on two backends (reused after its mapping expired): keep the mapping
                log.debug("workflow {} polled from {} but mapped to {}", id, from.id(), mapped);
              }
            });
  }

  /**
   * Keeps a mapping the store could not take, to write once it can: a workflow a backend is known
   * to hold (its start was acknowledged, it was located, or its task was polled from there).
   */
  public void recordLater(MappingKey key, String physicalId) {
    if (backlog.size() >= MAX_BACKLOG && !backlog.containsKey(key)) {
      overflowed.increment();
      return;
    }
    if (backlog.putIfAbsent(key, physicalId) == null) {
      log.debug("mapping of {} kept until the store is back", key);
    }
  }

  /** Mappings waiting for the store. */
  public int backlogSize() {
    return backlog.size();
  }

  /** Mappings written from the backlog once the store was back. */
  public long recordedLate() {
    return recordedLate.sum();
  }

  /** Mappings not kept because the backlog was full; the locator finds their workflows. */
  public long backlogOverflowed() {
    return overflowed.sum();
  }

  /** Writes the backlog, a batch at a time, until it is empty or a write fails. */
  void drainBacklog() {
    if (backlog.isEmpty() || !draining.compareAndSet(false, true)) {
      return;
    }
    long before = recordedLate.sum();
    nextBatch()
        .whenComplete(
            (done, error) -> {
              draining.set(false);
              long written = recordedLate.sum() - before;
              if (written > 0) {
                log.info(
                    "the store answers again: {} mappings kept meanwhile are recorded, {} wait",
                    written,
                    backlog.size());
              }
            });
  }

  private CompletableFuture<Void> nextBatch() {
    List<CompletableFuture<Boolean>> writes = new ArrayList<>(DRAIN_BATCH);
    Iterator<Map.Entry<MappingKey, String>> it = backlog.entrySet().iterator();
    while (it.hasNext() && writes.size() < DRAIN_BATCH) {
      Map.Entry<MappingKey, String> e = it.next();
      MappingKey key = e.getKey();
      String physicalId = e.getValue();
      writes.add(
          mappings
              .putIfAbsent(key, physicalId)
              .handle(
                  (mapped, error) -> {
                    if (error != null) {
                      return false;
                    }
                    // a mapping made meanwhile (another replica, a later call) is kept as it is
                    backlog.remove(key, physicalId);
                    recordedLate.increment();
                    return true;
                  }));
    }
    if (writes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
        .thenCompose(
            v -> {
              for (CompletableFuture<Boolean> w : writes) {
                if (!w.join()) {
                  // still down: the next round tries again
                  return CompletableFuture.completedFuture(null);
                }
              }
              return nextBatch();
            });
  }
}
