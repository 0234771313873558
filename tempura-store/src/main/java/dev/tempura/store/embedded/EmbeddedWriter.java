package dev.tempura.store.embedded;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.Stores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's one writer thread, which owns its file ({@link EmbeddedFile}), for a single
 * proxy process. The mappings ({@link EmbeddedStore}) and the topology ({@link EmbeddedTopology})
 * both submit their operations to it; {@link #open} and {@link #inMemory} return the two as one
 * {@link Stores}, whose close closes the writer and the file once.
 *
 * <h2>Durability</h2>
 *
 * <p>One writer thread owns the file. Callers enqueue operations; the writer drains whatever is
 * queued (group commit), applies the batch, appends the batch's changes to the redo log {@code
 * tempura.mv.log} as one frame ({@link WriteAheadLog}) and only then completes the batch's futures.
 * A completed future therefore means the change is in the store's files: it survives a kill of the
 * process (the OS keeps the written pages), though not a power loss, as nothing is fsynced. The
 * file is committed at checkpoints only; see {@link EmbeddedFile}, which also describes the layout.
 *
 * <p>Reads go through the writer too. MVMap would allow reading on the caller's thread, but such a
 * read could see a write of the batch in progress before its commit, and act on a mapping that a
 * crash would then lose. On the writer, a read completes after its batch commits, so it only ever
 * reports what is durable. Futures therefore complete on the writer thread; continuations must be
 * short and must not block on this store.
 *
 * <h2>On the caller's thread, when the writer is idle</h2>
 *
 * <p>Waking the writer and waking the caller back cost more CPU than a placement's own work (one
 * map update and one small append) when calls come one at a time (issue #14). So {@link #inline}
 * runs an operation on the calling thread instead, under the same lock the writer holds for a whole
 * batch (apply, append, checkpoint), and only when that lock is free at once and no operation
 * submitted earlier is still on its way: such an operation is counted in {@link #pending} from
 * before it is queued until its batch is durable. So an inline operation applies in the order the
 * calls were made, sees only durable state, and is durable itself (its frame is appended) before
 * its answer, exactly as a batch of one; a checkpoint can never fall between its change and its
 * append. Under load the lock is often busy or operations are queued, and calls are batched as
 * before, where batching pays. An inline append never checkpoints: the writer does, woken once when
 * the log first holds changes no commit has.
 */
public final class EmbeddedWriter {
  // one logger for the whole embedded store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(5);

  // bounds the latency the last operation of a batch waits for the ones before it
  private static final int MAX_BATCH = 1_024;

  private final EmbeddedFile file;
  private final String name;
  private final Clock clock;
  private final long sweepIntervalNanos;

  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Op<Void> stop = new Op<>(() -> null);
  // queued by an inline operation that left the log with changes no checkpoint holds yet
  private final Op<Void> wake = new Op<>(() -> null);
  // read side: submitting; write side: closing. Nothing can be queued behind the stop marker.
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private volatile boolean closed; // written under lifecycle's write lock
  // held by the writer for a whole batch and by an inline operation: whoever holds it owns the file
  private final ReentrantLock fileLock = new ReentrantLock();
  // operations submitted whose batch is not durable yet; an inline operation must not overtake one
  private final AtomicLong pending = new AtomicLong();
  private final Thread writer;
  private volatile RuntimeException closeFailure;

  // owned by the writer thread: what the batch's operations asked to run once it is durable
  private final List<Runnable> afterCommit = new ArrayList<>();

  private EmbeddedWriter(EmbeddedFile file, Clock clock, Duration sweepInterval) {
    this.file = file;
    this.name = file.name();
    this.clock = clock;
    this.sweepIntervalNanos = sweepInterval.toNanos();
    this.writer = new Thread(this::runWriter, "tempura-store-writer");
    // every acknowledged write is committed already, so a forgotten close() loses nothing
    writer.setDaemon(true);
  }

  // ---- opening

  /**
   * Opens the store file {@code tempura.mv} in {@code directory}, creating both if needed, and
   * answers its mappings and topology. Only one store can have the file open at a time. Callers use
   * {@link Stores#embedded(Path)}.
   */
  public static Stores open(Path directory) {
    return open(directory, Clock.systemUTC(), DEFAULT_SWEEP_INTERVAL);
  }

  static Stores open(Path directory, Clock clock, Duration sweepInterval) {
    requireNonNull(directory, "directory");
    requireOptions(clock, sweepInterval);
    Path file = directory.resolve(EmbeddedFile.FILE_NAME);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("creating " + directory, e);
    }
    MVStore mvStore;
    try {
      mvStore = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    } catch (RuntimeException e) {
      throw new IllegalStateException("opening " + file + ": " + e.getMessage(), e);
    }
    EmbeddedFile opened =
        new EmbeddedFile(file.toString(), mvStore, directory.resolve(EmbeddedFile.LOG_FILE_NAME));
    return stores(opened, clock, sweepInterval);
  }

  /**
   * A store that keeps everything in memory and loses it on close; for tests. Callers use {@link
   * Stores#inMemory()}.
   */
  public static Stores inMemory() {
    return inMemory(Clock.systemUTC(), DEFAULT_SWEEP_INTERVAL);
  }

  static Stores inMemory(Clock clock, Duration sweepInterval) {
    requireOptions(clock, sweepInterval);
    return stores(
        new EmbeddedFile("in-memory", new MVStore.Builder().open(), null), clock, sweepInterval);
  }

  private static void requireOptions(Clock clock, Duration sweepInterval) {
    requireNonNull(clock, "clock");
    requireNonNull(sweepInterval, "sweepInterval");
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException("sweepInterval: " + sweepInterval + " (expected: > 0)");
    }
  }

  /** The mappings and the topology on an opened file, whose writer starts once both are there. */
  private static Stores stores(EmbeddedFile file, Clock clock, Duration sweepInterval) {
    EmbeddedWriter writer = new EmbeddedWriter(file, clock, sweepInterval);
    EmbeddedTopology topology;
    try {
      // reads the stored topology before the writer runs, which then owns what was read
      topology = new EmbeddedTopology(writer, file);
    } catch (RuntimeException e) {
      file.closeQuietly();
      throw e;
    }
    writer.writer.start();
    return new Stores(
        new EmbeddedStore(writer, file, clock),
        topology,
        new EmbeddedProgress(writer, file),
        writer::close);
  }

  // ---- the writer

  /**
   * Queues {@code body} for the writer thread, the only one that may touch the file, and completes
   * the answer once the body's batch is durable; fails with {@code IllegalStateException("store
   * closed")} once the store is closed.
   */
  <T> CompletableFuture<T> submit(Supplier<T> body) {
    Op<T> op = new Op<>(body);
    lifecycle.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("store closed"));
      }
      pending.incrementAndGet();
      queue.add(op);
    } finally {
      lifecycle.readLock().unlock();
    }
    return op.future;
  }

  /**
   * Runs {@code body} on the calling thread and answers its completed result, if the writer is idle
   * and nothing submitted earlier waits (see the class comment); answers null otherwise, and the
   * caller {@link #submit}s it. The body must not use {@link #afterCommit}.
   */
  <T> CompletableFuture<T> inline(Supplier<T> body) {
    if (pending.get() != 0 || !fileLock.tryLock()) {
      return null;
    }
    try {
      if (pending.get() != 0) {
        return null;
      }
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("store closed"));
      }
      Op<T> op = new Op<>(body);
      op.apply();
      boolean checkpointed = !file.uncommitted();
      try {
        file.appendDurably();
      } catch (Throwable e) {
        log.error("{}: commit failed; failing an operation", name, e);
        return CompletableFuture.failedFuture(e);
      }
      if (checkpointed && file.uncommitted()) {
        // the writer may sleep until the next sweep; the checkpoint is due in a second
        queue.add(wake);
      }
      op.complete();
      return op.future;
    } finally {
      fileLock.unlock();
    }
  }

  /**
   * Runs {@code action} on the writer thread once the current batch is durable, before the batch's
   * futures complete; not at all if it fails. From a submitted body only.
   */
  void afterCommit(Runnable action) {
    afterCommit.add(action);
  }

  private void runWriter() {
    List<Op<?>> batch = new ArrayList<>(MAX_BATCH);
    long nextSweep = System.nanoTime() + sweepIntervalNanos;
    boolean stopping = false;
    while (!stopping) {
      // read without the lock: an inline append that makes a checkpoint due queues a wake-up
      long wait = file.checkpointDeadline(nextSweep) - System.nanoTime();
      Op<?> first;
      try {
        first = wait > 0 ? queue.poll(wait, TimeUnit.NANOSECONDS) : queue.poll();
      } catch (InterruptedException e) {
        // nobody owns this thread but the store; queued callers still need their answers
        continue;
      }
      if (first != null) {
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
      }
      Throwable commitFailure;
      fileLock.lock();
      try {
        int submitted = 0;
        for (Op<?> op : batch) {
          if (op == stop) {
            stopping = true;
          } else if (op != wake) {
            op.apply();
            submitted++;
          }
        }
        if (System.nanoTime() - nextSweep >= 0) {
          file.maintain(clock);
          nextSweep = System.nanoTime() + sweepIntervalNanos;
        }
        commitFailure = makeDurable(batch.size());
        // durable (or failed): an inline operation may go ahead of these now
        pending.addAndGet(-submitted);
      } finally {
        fileLock.unlock();
      }
      for (Op<?> op : batch) {
        if (commitFailure == null) {
          op.complete();
        } else {
          op.fail(commitFailure);
        }
      }
      batch.clear();
    }
    fileLock.lock();
    try {
      closeFailure = file.close();
    } finally {
      fileLock.unlock();
    }
  }

  /** Makes the batch durable and runs its after-commit actions; answers why it failed, or null. */
  private Throwable makeDurable(int operations) {
    Throwable commitFailure = null;
    try {
      file.makeDurable();
    } catch (Throwable e) {
      log.error("{}: commit failed; failing {} operations", name, operations, e);
      commitFailure = e;
    }
    if (commitFailure == null) {
      for (Runnable action : afterCommit) {
        action.run();
      }
    }
    afterCommit.clear();
    return commitFailure;
  }

  /**
   * Finishes every queued operation, commits, and closes the file. Later calls fail with {@code
   * IllegalStateException("store closed")}. Called on the writer thread (from a continuation), it
   * returns without waiting for the file to close.
   */
  void close() {
    lifecycle.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      queue.add(stop);
    } finally {
      lifecycle.writeLock().unlock();
    }
    if (Thread.currentThread() == writer) {
      return;
    }
    boolean interrupted = false;
    while (writer.isAlive()) {
      try {
        writer.join();
      } catch (InterruptedException e) {
        // the file must be closed before another store may open it
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    RuntimeException failure = closeFailure;
    if (failure != null) {
      throw new IllegalStateException(name + ": closing failed", failure);
    }
  }

  @Override
  public String toString() {
    return "EmbeddedStore[" + name + "]";
  }

  /** An operation and its answer, held until the batch it belongs to has committed. */
  private static final class Op<T> {
    private final Supplier<T> body;
    final CompletableFuture<T> future = new CompletableFuture<>();
    private T result;
    private Throwable failure;

    Op(Supplier<T> body) {
      this.body = body;
    }

    void apply() {
      try {
        result = body.get();
      } catch (Throwable t) {
        failure = t;
      }
    }

    void complete() {
      if (failure != null) {
        future.completeExceptionally(failure);
      } else {
        future.complete(result);
      }
    }

    void fail(Throwable cause) {
      future.completeExceptionally(cause);
    }
  }
}
