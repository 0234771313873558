package dev.tempura.bench;

import dev.tempura.proxy.placement.RendezvousPlacement;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (d) Placement decisions against a mapping store: for a new workflow id, rendezvous placement over
 * three physical namespaces, then the store's atomic putIfAbsent, {@code inFlight} at once
 * (pipelined, as concurrent starts are). Then lookups: get of existing mappings, one at a time, for
 * latency.
 */
final class StoreBench {
  private static final Logger log = LoggerFactory.getLogger(StoreBench.class);
  static final String VIRTUAL = "bench";

  record Result(
      String store,
      long placements,
      long placementErrors,
      double placementsPerSecond,
      Histogram placementLatency,
      long gets,
      long getErrors,
      Histogram getLatency,
      List<Double> windowRates) {
    double bestWindow() {
      return windowRates.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
  }

  private static final List<PhysicalNamespace> CANDIDATES =
      List.of(
          new PhysicalNamespace(
              "bench-a", ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1),
          new PhysicalNamespace(
              "bench-b", ClusterAddress.parse("127.0.0.1:7234"), PhysicalNamespaceStatus.ACTIVE, 1),
          new PhysicalNamespace(
              "bench-c",
              ClusterAddress.parse("127.0.0.1:7235"),
              PhysicalNamespaceStatus.ACTIVE,
              1));

  private final RendezvousPlacement placement = new RendezvousPlacement();
  private final String idPrefix = "wf-" + java.util.UUID.randomUUID() + "-";
  private final AtomicLong created = new AtomicLong();

  /** How many ids this bench has placed: ids {@code 0..created-1} may have mappings. */
  long created() {
    return created.get();
  }

  MappingKey key(long i) {
    return new MappingKey(VIRTUAL, idPrefix + i);
  }

  Result run(
      String label,
      MappingStore store,
      int inFlight,
      Duration warmup,
      Duration window,
      Duration lookups)
      throws InterruptedException {
    place(store, inFlight, warmup, null);
    Histogram placeLatency = new Histogram(3);
    // one-second windows, so that the rate of each is there to see on a noisy machine
    long[] counts = new long[3];
    List<Double> rates = new java.util.ArrayList<>();
    for (long ms = window.toMillis(); ms > 0; ms -= 1000) {
      long[] w = place(store, inFlight, Duration.ofMillis(Math.min(ms, 1000)), placeLatency);
      rates.add(w[0] * 1e9 / w[2]);
      for (int i = 0; i < 3; i++) {
        counts[i] += w[i];
      }
    }
    double perSecond = counts[0] * 1e9 / counts[2];
    log.info(
        "store {}: {} placements/s ({} errors; windows {})",
        label,
        Math.round(perSecond),
        counts[1],
        rates.stream().map(x -> Long.toString(Math.round(x))).toList());

    Histogram getLatency = new Histogram(3);
    long gets = 0;
    long getErrors = 0;
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    long n = created.get();
    long end = System.nanoTime() + lookups.toNanos();
    long warmEnd = System.nanoTime() + Math.min(lookups.toNanos() / 4, TimeUnit.SECONDS.toNanos(1));
    while (System.nanoTime() < end) {
      MappingKey k = key(random.nextLong(n));
      long begin = System.nanoTime();
      try {
        String v = store.get(k).get(5, TimeUnit.SECONDS);
        long t = System.nanoTime() - begin;
        if (v == null) {
          getErrors++;
        } else if (begin > warmEnd) {
          getLatency.recordValue(t);
          gets++;
        }
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        getErrors++;
      }
    }
    log.info(
        "store {}: get p50 {} us p99 {} us",
        label,
        getLatency.getValueAtPercentile(50) / 1000.0,
        getLatency.getValueAtPercentile(99) / 1000.0);
    return new Result(
        label, counts[0], counts[1], perSecond, placeLatency, gets, getErrors, getLatency, rates);
  }

  /**
   * Placement decisions for {@code length}; answers {done, errors, nanos}. {@code inFlight} chains
   * each start the next decision from the completion of the last, on whichever thread completed it
   * (the store's), as a proxy does from its own callbacks; no thread hands work to another.
   */
  private long[] place(MappingStore store, int inFlight, Duration length, Histogram latency)
      throws InterruptedException {
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<String> lastError = new AtomicReference<>();
    java.util.concurrent.CountDownLatch chains = new java.util.concurrent.CountDownLatch(inFlight);
    long begin = System.nanoTime();
    long end = begin + length.toNanos();
    Runnable[] chain = new Runnable[1];
    chain[0] =
        () -> {
          while (System.nanoTime() < end) {
            MappingKey key = key(created.getAndIncrement());
            long t0 = System.nanoTime();
            PhysicalNamespace chosen = placement.choose(key.workflowId(), CANDIDATES);
            CompletableFuture<String> f;
            try {
              f = store.putIfAbsent(key, chosen.id());
            } catch (RuntimeException e) {
              errors.incrementAndGet();
              lastError.set(e.toString());
              continue;
            }
            java.util.function.BiConsumer<String, Throwable> record =
                (v, e) -> {
                  if (e != null || !chosen.id().equals(v)) {
                    errors.incrementAndGet();
                    lastError.set(e == null ? "unexpected mapping " + v : e.toString());
                  } else if (System.nanoTime() <= end) {
                    done.incrementAndGet();
                    if (latency != null) {
                      synchronized (latency) {
                        latency.recordValue(System.nanoTime() - t0);
                      }
                    }
                  }
                };
            if (f.isDone()) {
              // completed already: carry on here rather than recurse
              f.whenComplete(record);
              continue;
            }
            f.whenComplete(
                (v, e) -> {
                  record.accept(v, e);
                  chain[0].run();
                });
            return;
          }
          chains.countDown();
        };
    for (int i = 0; i < inFlight; i++) {
      chain[0].run();
    }
    if (!chains.await(length.toSeconds() + 30, TimeUnit.SECONDS)) {
      log.warn("placement chains did not all end within 30 s of the window");
    }
    long counted = done.get();
    if (lastError.get() != null) {
      log.warn("placement errors: {} (last: {})", errors.get(), lastError.get());
    }
    return new long[] {counted, errors.get(), end - begin};
  }

  /** Deletes every mapping this bench may have made, {@code inFlight} at a time. */
  long deleteAll(MappingStore store, int inFlight) throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    AtomicLong deleted = new AtomicLong();
    long n = created.get();
    for (long i = 0; i < n; i++) {
      permits.acquire();
      store
          .delete(key(i))
          .whenComplete(
              (v, e) -> {
                if (Boolean.TRUE.equals(v)) {
                  deleted.incrementAndGet();
                }
                permits.release();
              });
    }
    permits.acquire(inFlight);
    permits.release(inFlight);
    return deleted.get();
  }
}
