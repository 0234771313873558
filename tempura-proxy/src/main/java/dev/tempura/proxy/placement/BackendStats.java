package dev.tempura.proxy.placement;

import io.grpc.Status;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recent StartWorkflowExecution latency and call errors per backend, as the proxy measures them:
 * the signals of the scale-out scenario's SLO. Samples older than the window are ignored, so a
 * backend's figures follow its present, not its history.
 */
public final class BackendStats {
  private static final int SAMPLES = 512;
  private final long windowNanos;
  private final ConcurrentHashMap<String, Ring> rings = new ConcurrentHashMap<>();

  public BackendStats(java.time.Duration window) {
    this.windowNanos = window.toNanos();
  }

  /** Latency of a call that starts workflows. */
  public void startLatency(String physicalId, long nanos) {
    ring(physicalId).addLatency(nanos);
  }

  /** The outcome of any call to the backend. */
  public void outcome(String physicalId, Status.Code code) {
    ring(physicalId)
        .addOutcome(
            code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.INTERNAL
                || code == Status.Code.RESOURCE_EXHAUSTED);
  }

  /** Start latency p95 in the window, in nanos, or -1 without samples. */
  public long startP95(String physicalId) {
    Ring r = rings.get(physicalId);
    return r == null ? -1 : r.p95(System.nanoTime() - windowNanos);
  }

  /** Share of failed calls in the window, or 0 without calls. */
  public double errorRate(String physicalId) {
    Ring r = rings.get(physicalId);
    return r == null ? 0 : r.errorRate(System.nanoTime() - windowNanos);
  }

  private Ring ring(String physicalId) {
    return rings.computeIfAbsent(physicalId, k -> new Ring());
  }

  /** Fixed-size rings of (time, value); a lock per backend is cheap next to a backend call. */
  private static final class Ring {
    private final long[] latencyAt = new long[SAMPLES];
    private final long[] latency = new long[SAMPLES];
    private int latencyNext;
    private final long[] outcomeAt = new long[SAMPLES];
    private final boolean[] failed = new boolean[SAMPLES];
    private int outcomeNext;

    synchronized void addLatency(long nanos) {
      latencyAt[latencyNext] = System.nanoTime();
      latency[latencyNext] = nanos;
      latencyNext = (latencyNext + 1) % SAMPLES;
    }

    synchronized void addOutcome(boolean fail) {
      outcomeAt[outcomeNext] = System.nanoTime();
      failed[outcomeNext] = fail;
      outcomeNext = (outcomeNext + 1) % SAMPLES;
    }

    synchronized long p95(long since) {
      long[] recent = new long[SAMPLES];
      int n = 0;
      for (int i = 0; i < SAMPLES; i++) {
        if (latencyAt[i] != 0 && latencyAt[i] - since > 0) {
          recent[n++] = latency[i];
        }
      }
      if (n == 0) {
        return -1;
      }
      Arrays.sort(recent, 0, n);
      return recent[Math.min(n - 1, (int) Math.ceil(n * 0.95) - 1)];
    }

    synchronized double errorRate(long since) {
      int n = 0;
      int f = 0;
      for (int i = 0; i < SAMPLES; i++) {
        if (outcomeAt[i] != 0 && outcomeAt[i] - since > 0) {
          n++;
          if (failed[i]) {
            f++;
          }
        }
      }
      return n == 0 ? 0 : (double) f / n;
    }
  }
}
