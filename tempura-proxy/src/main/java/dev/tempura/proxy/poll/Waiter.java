package dev.tempura.proxy.poll;

import dev.tempura.proxy.call.ProxyCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** A client poll parked in a hub. Exactly one party finishes it: a task, the timer, or a cancel. */
final class Waiter {
  private static final byte[] EMPTY_RESPONSE = new byte[0];

  final ProxyCall call;
  final Deadline deadline;
  private final AtomicBoolean finished = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();

  /** Gives back the client's parked-poll slot; run once, when the poll is finished or gone. */
  private final Runnable release;

  private volatile ScheduledFuture<?> timer;

  Waiter(ProxyCall call, Deadline deadline) {
    this(call, deadline, () -> {});
  }

  Waiter(ProxyCall call, Deadline deadline, Runnable release) {
    this.call = call;
    this.deadline = deadline;
    this.release = release;
    // the call's context ends with the call, however it ends: no slot outlives its poll
    call.context().addListener(ctx -> release(), Runnable::run);
  }

  private void release() {
    if (released.compareAndSet(false, true)) {
      release.run();
    }
  }

  /** Claims the right to answer; true for exactly one caller. */
  boolean tryFinish() {
    if (!finished.compareAndSet(false, true)) {
      return false;
    }
    release();
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
    return true;
  }

  boolean isFinished() {
    return finished.get();
  }

  boolean clientGone() {
    return call.context().isCancelled();
  }

  void setTimer(ScheduledFuture<?> timer) {
    this.timer = timer;
    if (finished.get()) {
      timer.cancel(false);
    }
  }

  /** Answers with a task; the caller holds the claim from {@link #tryFinish}. */
  void answer(byte[] response) {
    call.answer(response);
  }

  void answerError(Status status, Metadata trailers) {
    call.close(status, trailers);
  }

  /** "No task", as Temporal's frontend answers an idle poll before its deadline. */
  static void answerEmpty(ProxyCall call) {
    call.answer(EMPTY_RESPONSE);
  }
}
