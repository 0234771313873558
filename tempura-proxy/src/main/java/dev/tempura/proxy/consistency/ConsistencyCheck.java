package dev.tempura.proxy.consistency;

import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares a physical namespace with the others of its virtual namespace ({@link
 * ConsistencyReport}): when it is added, and again in the background when {@code get} shows a
 * report older than the refresh interval. Every backend is asked with a bounded deadline and on its
 * own, so one that cannot answer makes its part unknown and never holds an add up for longer than
 * the deadline. Nothing here runs on the data plane's path.
 */
public final class ConsistencyCheck {
  private static final Logger log = LoggerFactory.getLogger(ConsistencyCheck.class);

  private final BackendChannels channels;
  private final Duration deadline;
  private final Duration refreshAfter;
  private final ConcurrentHashMap<String, ConsistencyReport> reports = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<ConsistencyReport>> running =
      new ConcurrentHashMap<>();

  /**
   * @param deadline how long each backend may take to answer each question
   * @param refreshAfter how old a report may be before {@code get} starts a new check
   */
  public ConsistencyCheck(BackendChannels channels, Duration deadline, Duration refreshAfter) {
    this.channels = channels;
    this.deadline = deadline;
    this.refreshAfter = refreshAfter;
  }

  /** Checks {@code candidate} against the other physical namespaces of {@code virtual}. */
  public CompletableFuture<ConsistencyReport> check(
      VirtualNamespace virtual, PhysicalNamespace candidate) {
    Deadline d = Deadline.after(deadline.toNanos(), TimeUnit.NANOSECONDS);
    CompletableFuture<BackendFacts> mine = BackendFacts.read(channels, candidate, d);
    List<CompletableFuture<BackendFacts>> theirs = new ArrayList<>();
    for (PhysicalNamespace p : virtual.physicalNamespaces()) {
      if (!p.sameNamespace(candidate)) {
        theirs.add(BackendFacts.read(channels, p, d));
      }
    }
    List<CompletableFuture<BackendFacts>> all = new ArrayList<>(theirs);
    all.add(mine);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              ConsistencyReport r =
                  ConsistencyReport.compare(
                      mine.join(), theirs.stream().map(CompletableFuture::join).toList());
              reports.put(candidate.id(), r);
              return r;
            });
  }

  /**
   * For the admin API's add: the one-line refusal, or null. Waits at most the deadline and a
   * second; a check that has not finished by then is logged and refuses nothing.
   */
  public String refusal(VirtualNamespace virtual, PhysicalNamespace candidate) {
    try {
      ConsistencyReport r =
          check(virtual, candidate).get(deadline.plusSeconds(1).toMillis(), TimeUnit.MILLISECONDS);
      String refusal = r.refusal();
      if (refusal != null) {
        log.warn("add of {} to {} refused: {}", candidate.id(), virtual.name(), refusal);
      } else if (!r.drift().isEmpty() || !r.unknown().isEmpty()) {
        log.warn(
            "{} added to {} with drift {} and unknown {}",
            candidate.id(),
            virtual.name(),
            r.drift(),
            r.unknown());
      }
      return refusal;
    } catch (TimeoutException | ExecutionException | RuntimeException e) {
      log.warn("consistency check of {} did not finish ({}); added unchecked", candidate.id(), e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /**
   * For {@code get}: the last report of {@code p}, at once. One older than the refresh interval (or
   * none) starts a check in the background, whose result the next {@code get} shows.
   */
  public Map<String, Object> details(VirtualNamespace virtual, PhysicalNamespace p) {
    ConsistencyReport r = reports.get(p.id());
    if (r == null || r.checkedAt().plus(refreshAfter).isBefore(java.time.Instant.now())) {
      refresh(virtual, p);
    }
    return r == null ? Map.of("verdict", "checking") : r.toDetails();
  }

  private void refresh(VirtualNamespace virtual, PhysicalNamespace p) {
    CompletableFuture<ConsistencyReport> started = new CompletableFuture<>();
    if (running.putIfAbsent(p.id(), started) != null) {
      return;
    }
    try {
      check(virtual, p)
          .whenComplete(
              (r, e) -> {
                running.remove(p.id(), started);
                if (e != null) {
                  log.debug("consistency check of {} failed", p.id(), e);
                }
              });
    } catch (RuntimeException e) {
      running.remove(p.id(), started);
      log.debug("consistency check of {} could not start", p.id(), e);
    }
  }

  /** Forgets the reports of physical namespaces no longer in the topology; a topology listener. */
  public void retain(Topology topology) {
    Set<String> present = new HashSet<>();
    for (VirtualNamespace v : topology.virtualNamespaces().values()) {
      for (PhysicalNamespace p : v.physicalNamespaces()) {
        present.add(p.id());
      }
    }
    reports.keySet().retainAll(present);
  }
}
