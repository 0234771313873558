package dev.tempura.store;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Hands worker tasks from one proxy replica to another through the shared store: per task queue a
 * pool of tasks that a replica holds with no poll of its own waiting, which any replica where a
 * poll waits takes from. Every task is in exactly one place at a time: with the replica that offers
 * it until the store has acknowledged it, in the pool until one taker has it.
 *
 * <p>A queue is named by an opaque id (the proxy hashes its poll shape), the same on every replica.
 * Payloads are opaque. Futures may complete on a store thread: continuations must be short and must
 * never block on the store.
 *
 * <p>The embedded store serves one process, so its handoff is {@link #NONE}: never shared, nothing
 * goes to the store.
 */
public interface TaskHandoff extends AutoCloseable {

  /**
   * Whether other live replicas share the pool; a cheap read of what the store's periodic heartbeat
   * last saw. While false, a replica keeps its tasks to itself and sends nothing to the store on
   * their account.
   */
  boolean shared();

  /** Replicas seen alive at the last heartbeat, this one included while it has not left. */
  int replicas();

  /**
   * Puts {@code payload} in the pool of {@code queue}. Completes with {@code true} once the store
   * holds it (the task is no longer the caller's), {@code false} once it is certain the store does
   * not (the task is still the caller's). A write whose outcome the store could not tell (a
   * timeout, a dropped connection) is settled before the future completes: the task is taken back
   * out of the pool if no one has taken it yet. The future fails only when the store closes first
   * or stays unreachable for 90 s, and then nobody can tell where the task is.
   *
   * @param taskId unique per offer, so that a repeated write after an unclear outcome is recognised
   * @param first put it before the tasks in the pool rather than after them: it is older than they
   *     are (one taken for a poll that meanwhile got another task)
   */
  CompletableFuture<Boolean> offer(String queue, String taskId, String payload, boolean first);

  /**
   * Takes the oldest payload in the pool of {@code queue} (null if it is empty); each payload is
   * taken by exactly one caller, also when a take is repeated after an unclear outcome. Fails only
   * when the store closes first.
   */
  CompletableFuture<Taken> take(String queue);

  /**
   * What a take found.
   *
   * @param payload the oldest task in the pool, or null if it was empty
   * @param drained the pool was empty when the take ended, so a taker need not look again until it
   *     hears of another offer (false when the store cannot say: a repeated take)
   */
  record Taken(String payload, boolean drained) {
    /** An empty pool. */
    public static final Taken NOTHING = new Taken(null, true);
  }

  /**
   * Calls {@code listener} with the queue id of every offer any replica makes from now on (at most
   * once each: one may be missed while the store's connection is down, so takers also look now and
   * then). Runs on a store thread: it must be short. Closing the handle stops the calls.
   */
  AutoCloseable subscribe(Consumer<String> listener);

  /**
   * This replica stops counting as a taker for the others (a graceful stop begins); it may still
   * offer and take, and {@link #shared()} still tells whether others are alive.
   */
  void leave();

  /** Leaves and stops the heartbeat. */
  @Override
  void close();

  /** No other replica: never shared, pools always empty. */
  TaskHandoff NONE =
      new TaskHandoff() {
        @Override
        public boolean shared() {
          return false;
        }

        @Override
        public int replicas() {
          return 1;
        }

        @Override
        public CompletableFuture<Boolean> offer(
            String queue, String taskId, String payload, boolean first) {
          return CompletableFuture.completedFuture(false);
        }

        @Override
        public CompletableFuture<Taken> take(String queue) {
          return CompletableFuture.completedFuture(Taken.NOTHING);
        }

        @Override
        public AutoCloseable subscribe(Consumer<String> listener) {
          return () -> {};
        }

        @Override
        public void leave() {}

        @Override
        public void close() {}

        @Override
        public String toString() {
          return "TaskHandoff.NONE";
        }
      };
}
