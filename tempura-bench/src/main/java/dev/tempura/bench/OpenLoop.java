package dev.tempura.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-loop load: calls sent on a fixed schedule ({@code rate} a second) whether or not earlier
 * ones have answered, asynchronously from one pacing thread over one channel (one HTTP/2
 * connection), answers handled on the channel's own event loop. A proxy that stalls cannot slow the
 * schedule down (as it would a closed loop, which then hides the stall): latency is measured from
 * the moment a call was due, not from when it was sent, so time the client spent waiting counts
 * too. Only when {@link #MAX_IN_FLIGHT} calls are outstanding does the pacer wait, and the rate
 * achieved falls below the schedule.
 */
final class OpenLoop {
  /** A cap on outstanding calls, so that a stalled path is not buried under an endless queue. */
  static final int MAX_IN_FLIGHT = 4_000;

  /** A send more than this late counts as the client falling behind its own schedule. */
  static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /** What a window measured. */
  static final class Result {
    long due;
    long ok;
    long errors;
    long late;
    long nanos;
    long maxLagNanos;
    Histogram latencies;
    String lastError;
  }

  private OpenLoop() {}

  /**
   * Sends at {@code rate}/s for {@code ramp} (not counted), then for {@code length}, measured;
   * waits for the window's calls to answer (up to 30 s). {@code atStart} and {@code atEnd} run at
   * the window's edges (CPU samples).
   */
  static <Q, R> Result run(
      ManagedChannel channel,
      MethodDescriptor<Q, R> method,
      LongFunction<Q> request,
      int rate,
      Duration ramp,
      Duration length,
      Runnable atStart,
      Runnable atEnd) {
    Recorder recorder = new Recorder(3);
    AtomicLong inFlight = new AtomicLong();
    AtomicLong measuredOutstanding = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    String[] lastError = {null};
    long interval = 1_000_000_000L / rate;
    long begin = System.nanoTime() + 1_000_000;
    long measureFrom = begin + ramp.toNanos();
    long measureTo = measureFrom + length.toNanos();
    Result out = new Result();
    boolean started = false;
    long seq = 0;
    for (long due = begin; due < measureTo; due += interval, seq++) {
      long now = System.nanoTime();
      if (!started && due >= measureFrom) {
        waitUntil(measureFrom);
        atStart.run();
        started = true;
        now = System.nanoTime();
      }
      if (due > now) {
        waitUntil(due);
        now = System.nanoTime();
      }
      while (inFlight.get() >= MAX_IN_FLIGHT) {
        LockSupport.parkNanos(50_000);
      }
      now = System.nanoTime();
      boolean measured = due >= measureFrom;
      if (measured) {
        out.due++;
        long lag = now - due;
        if (lag > LATE_NANOS) {
          out.late++;
        }
        out.maxLagNanos = Math.max(out.maxLagNanos, lag);
        measuredOutstanding.incrementAndGet();
      }
      inFlight.incrementAndGet();
      long dueAt = due;
      ClientCalls.asyncUnaryCall(
          channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)),
          request.apply(seq),
          new StreamObserver<R>() {
            @Override
            public void onNext(R value) {}

            @Override
            public void onError(Throwable t) {
              inFlight.decrementAndGet();
              if (measured) {
                errors.incrementAndGet();
                lastError[0] = io.grpc.Status.fromThrowable(t).toString();
                measuredOutstanding.decrementAndGet();
              }
            }

            @Override
            public void onCompleted() {
              inFlight.decrementAndGet();
              if (measured) {
                recorder.recordValue(Math.max(0, System.nanoTime() - dueAt));
                ok.incrementAndGet();
                measuredOutstanding.decrementAndGet();
              }
            }
          });
    }
    waitUntil(measureTo);
    atEnd.run();
    out.nanos = measureTo - measureFrom;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (measuredOutstanding.get() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(1_000_000);
    }
    out.ok = ok.get();
    out.errors = errors.get();
    out.latencies = recorder.getIntervalHistogram();
    out.lastError = lastError[0];
    return out;
  }

  private static void waitUntil(long nanoTime) {
    long wait;
    while ((wait = nanoTime - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }
}
