package dev.tempura.proxy.onboard;

import dev.tempura.proxy.onboard.ImportProgress.Listing;
import dev.tempura.proxy.onboard.ImportProgress.State;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.ProgressStore;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Status;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The import of one adopted physical namespace: page by page, open executions then closed ones,
 * each listed id put into the mapping store if it has no mapping, and the progress stored after
 * every page (so a restart resumes from the last page token stored). Paced to {@link
 * OnboardingOptions#workflowsPerSecond()}.
 *
 * <p>One replica runs it: the one whose compare-and-set of the progress record last succeeded (its
 * lease, renewed with every write). The others read the record every {@link
 * OnboardingOptions#followInterval()} and take over once the lease has run out. Steps run one at a
 * time on the onboarding thread; nothing here blocks.
 */
final class NamespaceImport {
  private static final Logger log = LoggerFactory.getLogger(NamespaceImport.class);

  /** Failures in a row after which the state shows {@code failed} (it keeps retrying). */
  static final int FAILED_AFTER = 5;

  private static final long MAX_BACKOFF_MILLIS = 20_000;

  private final String virtualNamespace;
  private final PhysicalNamespace physical;
  private final String recordName;
  private final ProgressStore progress;
  private final MappingStore mappings;
  private final VisibilityPages pages;
  private final ScheduledExecutorService thread;
  private final OnboardingOptions options;
  private final String replicaId;

  // the record as last read or written: the expected value of the next compare-and-set
  private volatile String raw;
  private volatile ImportProgress seen;
  private volatile boolean done;
  private volatile boolean stopped;
  // failures in a row; touched by the steps only, which run one at a time
  private int failures;
  private final AtomicInteger locatedStarts = new AtomicInteger();

  NamespaceImport(
      String virtualNamespace,
      PhysicalNamespace physical,
      ProgressStore progress,
      MappingStore mappings,
      VisibilityPages pages,
      ScheduledExecutorService thread,
      OnboardingOptions options,
      String replicaId) {
    this.virtualNamespace = virtualNamespace;
    this.physical = physical;
    this.recordName = recordName(virtualNamespace, physical);
    this.progress = progress;
    this.mappings = mappings;
    this.pages = pages;
    this.thread = thread;
    this.options = options;
    this.replicaId = replicaId;
  }

  /**
   * The progress record's name: {@code onboarding:<length of the virtual namespace>:<virtual
   * namespace><physical id>}; the length keeps it unambiguous whatever the names hold.
   */
  static String recordName(String virtualNamespace, PhysicalNamespace p) {
    return "onboarding:" + virtualNamespace.length() + ":" + virtualNamespace + p.id();
  }

  PhysicalNamespace physical() {
    return physical;
  }

  /** Whether starts for unmapped ids must still be looked for on this namespace first. */
  boolean pending() {
    return !done;
  }

  /** The progress as last read or written here; null before the first read. */
  ImportProgress progress() {
    return seen;
  }

  void countLocatedStart() {
    locatedStarts.incrementAndGet();
  }

  int locatedStarts() {
    return locatedStarts.get();
  }

  void start() {
    run(this::load, 0);
  }

  /** Stops after the step in flight; the stored progress stays for whoever resumes. */
  void stop() {
    stopped = true;
  }

  /**
   * Stops and, when this replica holds the lease, gives it up in the stored progress, so that the
   * next owner (this proxy restarted, or another replica) resumes at once rather than after the
   * lease runs out. A write in flight or a store that does not answer leaves the lease to expire.
   */
  CompletableFuture<Boolean> release() {
    stopped = true;
    ImportProgress at = seen;
    String stored = raw;
    if (done || at == null || stored == null || !replicaId.equals(at.owner())) {
      return CompletableFuture.completedFuture(false);
    }
    return progress.compareAndSet(
        recordName, stored, at.claimedBy(null, System.currentTimeMillis()).encode());
  }

  /** Stops and removes the stored progress: the namespace left the topology. */
  void forget() {
    stop();
    progress
        .get(recordName)
        .thenCompose(stored -> progress.compareAndSet(recordName, stored, null))
        .exceptionally(
            e -> {
              log.warn("could not remove the onboarding progress of {}: {}", physical.id(), e);
              return false;
            });
  }

  // ---- steps

  private void load() {
    progress
        .get(recordName)
        .whenCompleteAsync(
            (stored, error) -> {
              if (stopped) {
                return;
              }
              if (error != null) {
                retry("reading its progress", error, this::load);
                return;
              }
              ImportProgress record = null;
              if (stored != null) {
                try {
                  record = ImportProgress.decode(stored);
                } catch (IllegalArgumentException bad) {
                  // importing again is harmless: every write is a put-if-absent
                  log.warn(
                      "onboarding progress of {} in '{}' is unreadable ({}); importing it again"
                          + " from the start",
                      physical.id(),
                      virtualNamespace,
                      bad.getMessage());
                }
              }
              raw = stored;
              if (record != null) {
                seen = record;
              }
              if (record != null && record.state() == State.DONE) {
                finish(record);
                return;
              }
              long now = System.currentTimeMillis();
              if (record != null
                  && record.owner() != null
                  && !record.owner().equals(replicaId)
                  && now - record.updatedAt() < options.lease().toMillis()) {
                // another replica runs it; watch for it to finish or to stop renewing its lease
                run(this::load, options.followInterval().toNanos());
                return;
              }
              ImportProgress claimed =
                  record == null
                      ? ImportProgress.begin(replicaId, now)
                      : record.claimedBy(replicaId, now);
              if (record == null) {
                log.info(
                    "importing the workflows of {} into virtual namespace '{}'",
                    physical.id(),
                    virtualNamespace);
              } else if (record.pageToken() != null || record.pages() > 0) {
                log.info(
                    "resuming the import of {} at page {} ({} workflows imported so far)",
                    physical.id(),
                    record.pages() + 1,
                    record.imported());
              }
              write(claimed, () -> run(this::nextPage, 0));
            },
            thread);
  }

  private void nextPage() {
    ImportProgress at = seen;
    long began = System.nanoTime();
    pages
        .page(physical, at.listing(), at.phase(), at.pageToken(), options.pageSize())
        .thenCompose(
            page -> writeMappings(page.workflowIds()).thenApply(c -> new Object[] {page, c}))
        .whenCompleteAsync(
            (result, error) -> {
              if (stopped) {
                return;
              }
              if (error != null) {
                listFailed(at, unwrap(error));
                return;
              }
              VisibilityPages.Page page = (VisibilityPages.Page) result[0];
              int[] counts = (int[]) result[1];
              failures = 0;
              ImportProgress next =
                  at.afterPage(
                      page.nextPageToken(), counts[0], counts[1], System.currentTimeMillis());
              // the pace: this page's share of a second at the configured rate, less what it took
              long pause =
                  (long) (page.workflowIds().size() / options.workflowsPerSecond() * 1e9)
                      - (System.nanoTime() - began);
              write(next, () -> run(this::nextPage, Math.max(0, pause)));
            },
            thread);
  }

  /** Puts every id if absent; answers {imported here, mapped elsewhere}. */
  private CompletableFuture<int[]> writeMappings(List<String> ids) {
    int[] counts = new int[2];
    CompletableFuture<?>[] puts = new CompletableFuture<?>[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      puts[i] =
          mappings
              .putIfAbsent(new MappingKey(virtualNamespace, id), physical.id())
              .thenAccept(
                  mapped -> {
                    synchronized (counts) {
                      if (physical.id().equals(mapped)) {
                        counts[0]++;
                      } else {
                        counts[1]++;
                        log.warn(
                            "workflow '{}' of {} was mapped to {} already; calls for it go there",
                            id,
                            physical.id(),
                            mapped);
                      }
                    }
                  });
    }
    return CompletableFuture.allOf(puts)
        .thenApply(
            v -> {
              synchronized (counts) {
                return counts.clone();
              }
            });
  }

  private void listFailed(ImportProgress at, Throwable error) {
    Status status = Status.fromThrowable(error);
    if (at.listing() == Listing.VISIBILITY
        && (status.getCode() == Status.Code.UNIMPLEMENTED
            || (status.getCode() == Status.Code.INVALID_ARGUMENT && at.pageToken() == null))) {
      // a backend without the query API (or that refuses the status query) still has the
      // legacy listings; the in-memory test server is one
      log.info(
          "{} answered {} to ListWorkflowExecutions; importing with ListOpen/ListClosed"
              + "WorkflowExecutions instead",
          physical.id(),
          status.getCode());
      write(at.withListing(Listing.LEGACY).withoutPageToken(), () -> run(this::nextPage, 0));
      return;
    }
    if (status.getCode() == Status.Code.INVALID_ARGUMENT && at.pageToken() != null) {
      // a stored token the backend no longer takes (expired, or its visibility store changed):
      // this phase again from its first page, which only repeats put-if-absent writes
      log.warn(
          "{} refused the stored page token ({}); listing this phase again from its start",
          physical.id(),
          status.getDescription());
      write(at.withoutPageToken(), () -> run(this::nextPage, 0));
      return;
    }
    failures++;
    String reason =
        (status.getCode() == Status.Code.UNKNOWN && status.getCause() != null
            ? status.getCause().toString()
            : status.getCode()
                + (status.getDescription() == null ? "" : ": " + status.getDescription()));
    if (failures == 1 || failures == FAILED_AFTER) {
      log.warn("import of {} failed ({} in a row): {}", physical.id(), failures, reason);
    }
    write(
        at.failing(reason, failures >= FAILED_AFTER, System.currentTimeMillis()),
        () -> run(this::nextPage, backoffNanos()));
  }

  /**
   * Stores {@code next} if the record is still what this replica last saw, then runs {@code then};
   * if another replica wrote it meanwhile, follows that one instead.
   */
  private void write(ImportProgress next, Runnable then) {
    String encoded = next.encode();
    progress
        .compareAndSet(recordName, raw, encoded)
        .whenCompleteAsync(
            (stored, error) -> {
              if (stopped) {
                return;
              }
              if (error != null) {
                retry("writing its progress", error, this::load);
                return;
              }
              if (!stored) {
                run(this::load, options.followInterval().toNanos());
                return;
              }
              raw = encoded;
              seen = next;
              if (next.state() == State.DONE) {
                finish(next);
                return;
              }
              then.run();
            },
            thread);
  }

  private void finish(ImportProgress record) {
    seen = record;
    if (!done) {
      done = true;
      log.info(
          "import of {} into '{}' done: {} workflows mapped there, {} mapped elsewhere already",
          physical.id(),
          virtualNamespace,
          record.imported(),
          record.mappedElsewhere());
    }
  }

  private void retry(String what, Throwable error, Runnable step) {
    failures++;
    if (failures == 1 || failures == FAILED_AFTER) {
      log.warn("onboarding of {}: {} failed: {}", physical.id(), what, unwrap(error).toString());
    }
    run(step, backoffNanos());
  }

  private long backoffNanos() {
    long millis = Math.min(MAX_BACKOFF_MILLIS, 500L << Math.min(failures, 10));
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  /** Runs a step on the onboarding thread; a step that throws is retried like a failure. */
  private void run(Runnable step, long delayNanos) {
    if (stopped) {
      return;
    }
    Runnable guarded =
        () -> {
          if (stopped) {
            return;
          }
          try {
            step.run();
          } catch (RuntimeException e) {
            log.error("onboarding of {} threw; retrying", physical.id(), e);
            retry("a step", e, this::load);
          }
        };
    try {
      thread.schedule(guarded, delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the proxy is stopping
    }
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
