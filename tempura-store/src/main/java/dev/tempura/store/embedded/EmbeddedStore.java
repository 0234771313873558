package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.TopologyJson;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.Topology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mappings and topology in one H2 MVStore file, for a single proxy process.
 *
 * <h2>Durability</h2>
 *
 * <p>One writer thread owns the file. Callers enqueue operations; the writer drains whatever is
 * queued (group commit), applies the batch, appends the batch's changes to the redo log {@code
 * tempura.mv.log} as one frame ({@link WriteAheadLog}) and only then completes the batch's futures.
 * A completed future therefore means the change is in the store's files: it survives a kill of the
 * process (the OS keeps the written pages), though not a power loss, as nothing is fsynced.
 *
 * <p>An MVStore commit writes a chunk holding every page the changes touched, up to the root, a
 * cost out of proportion to one placement; one append to the log is a single small write. So the
 * writer commits (a checkpoint) only once the log has held changes for a second, or has grown past
 * {@value #CHECKPOINT_LOG_BYTES} bytes, and then empties the log. Opening the store replays the log
 * onto the file, commits and empties it; a frame cut short by a crash is dropped (its batch was
 * never acknowledged). A crash between a checkpoint's commit and the emptying of the log only means
 * the next open replays changes the file already holds, which is harmless: every change sets or
 * removes a key outright. Closing commits and deletes the log. If appending to the log fails, the
 * batch is committed instead. The in-memory store has no log and commits every batch. MVStore's
 * background auto-commit is disabled, so nothing is written behind the writer's back.
 *
 * <p>Reads go through the writer too. MVMap would allow reading on the caller's thread, but such a
 * read could see a write of the batch in progress before its commit, and act on a mapping that a
 * crash would then lose. On the writer, a read completes after its batch commits, so it only ever
 * reports what is durable. Futures therefore complete on the writer thread; continuations must be
 * short and must not block on this store.
 *
 * <h2>File layout</h2>
 *
 * <ul>
 *   <li>{@code mappings}: key {@code <length of virtual namespace>:<virtual namespace><workflow
 *       id>}, for example {@code 6:ordersorder-42}; the length prefix keeps keys unambiguous
 *       whatever characters namespace names contain. Value: 8 bytes of expiry in epoch millis
 *       (big-endian, 0 for no TTL), then the physical namespace id in UTF-8.
 *   <li>{@code expiries}: an index of mappings that have a TTL, keyed by the expiry as 16 hex digits
 *       followed by the mapping key, with an empty value. It sorts by expiry, so the sweeper reads
 *       only due entries.
 *   <li>{@code meta}: {@code format} (the layout version, 1) and {@code
 *       topology} (the topology as JSON, see {@link TopologyJson}).
 * </ul>
 *
 * <h2>Expiry</h2>
 *
 * <p>TTLs follow Redis: a mapping has none until {@link #expire} sets an absolute expiry, a mapping
 * is live up to and including its expiry millisecond and invisible after it, and {@link #persist}
 * removes the TTL. One difference: {@code persist} answers {@code true} for any live mapping, where
 * Redis PERSIST answers 0 when there was no TTL to remove. Expired mappings are removed lazily
 * when touched, and by a sweeper on the writer thread every few seconds that removes at most
 * 10,000 per run, so a backlog never stalls writes for long.
 */
public final class EmbeddedStore implements MappingStore, TopologyStore {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  static final String FILE_NAME = "tempura.mv";
  static final String LOG_FILE_NAME = FILE_NAME + ".log";
  // how long acknowledged changes may live in the log alone before a commit takes them over, and
  // how large the log may grow; the log replays in full at the next open
  static final long CHECKPOINT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long CHECKPOINT_LOG_BYTES = 16L << 20;
  static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofSeconds(5);
  static final int SWEEP_LIMIT = 10_000;
  // a scan page steps over at most this many expired mappings beyond its count, so that a backlog
  // the sweeper has not reached yet cannot hold the writer for long
  static final int SCAN_EXPIRED_LIMIT = 10_000;

  // bounds the latency the last operation of a batch waits for the ones before it
  private static final int MAX_BATCH = 1_024;
  private static final byte[] EMPTY = new byte[0];
  private static final String META_FORMAT = "format";
  private static final String META_TOPOLOGY = "topology";
  // compaction rewrites chunks that fell below this fill rate, at most this many bytes per run;
  // MVStore's own background housekeeping would do it, but that comes with auto-commit
  private static final int COMPACT_FILL_RATE = 50;
  private static final int COMPACT_WRITE_BYTES = 4 << 20;

  private final String name;
  private final MVStore mvStore;
  private final MVMap<String, byte[]> mappings;
  private final MVMap<String, byte[]> expiries;
  private final MVMap<String, String> meta;
  private final Clock clock;
  private final long sweepIntervalNanos;

  private final BlockingQueue<Op<?>> queue = new LinkedBlockingQueue<>();
  private final Op<Void> stop = new Op<>(() -> null);
  // read side: submitting; write side: closing. Nothing can be queued behind the stop marker.
  private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
  private boolean closed; // guarded by lifecycle
  private final Thread writer;
  private volatile RuntimeException closeFailure;

  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

  // owned by the writer thread (set before it starts)
  private Topology storedTopology;
  /** The stored version; readable even when the stored topology is not. */
  private long storedVersion;
  /** Why the stored topology cannot be read, or null when it can. */
  private String unreadableTopology;
  // null for an in-memory store, or after the log failed beyond repair: then every batch commits
  private WriteAheadLog wal;
  // changes in the log that no commit holds yet, and when the last commit was
  private boolean uncommitted;
  private long lastCheckpoint = System.nanoTime();
  private final List<Topology> toPublish = new ArrayList<>();

  private EmbeddedStore(String name, MVStore mvStore, Path logFile, Clock clock, Duration sweepInterval) {
    this.name = name;
    this.mvStore = mvStore;
    this.clock = clock;
    this.sweepIntervalNanos = sweepInterval.toNanos();
    try {
      this.mappings = openMap("mappings");
      this.expiries = openMap("expiries");
      this.meta =
          mvStore.openMap(
              "meta",
              new MVMap.Builder<String, String>()
                  .keyType(StringDataType.INSTANCE)
                  .valueType(StringDataType.INSTANCE));
      String format = meta.putIfAbsent(META_FORMAT, Layout.FORMAT);
      if (format != null && !format.equals(Layout.FORMAT)) {
        throw new IllegalStateException(
            name + ": unsupported format " + format + " (expected: " + Layout.FORMAT + ")");
      }
      if (logFile != null) {
        int[] replayed = {0};
        this.wal =
            WriteAheadLog.open(
                logFile,
                (map, key, value) -> {
                  replay(map, key, value);
                  replayed[0]++;
                });
        if (replayed[0] > 0) {
          log.info("{}: replayed {} changes from {}", name, replayed[0], logFile);
        }
      }
      String json = meta.get(META_TOPOLOGY);
      try {
        this.storedTopology = json == null ? Topology.EMPTY : TopologyJson.decode(json);
        this.storedVersion = storedTopology.version();
      } catch (IllegalArgumentException unreadable) {
        // opened all the same, so that an offline apply can repair it; load() refuses
        this.unreadableTopology = unreadable.getMessage();
        this.storedVersion = TopologyJson.versionHint(json);
      }
      mvStore.commit();
      if (wal != null) {
        // the commit holds everything the log held
        wal.reset();
      }
    } catch (IOException e) {
      closeQuietly();
      throw new IllegalStateException(name + ": opening the log " + logFile + " failed: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      closeQuietly();
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
    this.writer = new Thread(this::runWriter, "tempura-store-writer");
    // every acknowledged write is committed already, so a forgotten close() loses nothing
    writer.setDaemon(true);
    writer.start();
  }

  private void closeQuietly() {
    mvStore.closeImmediately();
    if (wal != null) {
      try {
        wal.close();
      } catch (IOException ignored) {
        // failing already
      }
    }
  }

  /** Applies one change read back from the log, at open. */
  private void replay(byte map, String key, byte[] value) {
    switch (map) {
      case WriteAheadLog.MAPPINGS -> {
        if (value == null) {
          mappings.remove(key);
        } else {
          mappings.put(key, value);
        }
      }
      case WriteAheadLog.EXPIRIES -> {
        if (value == null) {
          expiries.remove(key);
        } else {
          expiries.put(key, value);
        }
      }
      case WriteAheadLog.META -> {
        if (value == null) {
          meta.remove(key);
        } else {
          meta.put(key, new String(value, UTF_8));
        }
      }
      default -> throw new IllegalStateException(name + ": unknown map " + map + " in the log");
    }
  }

  // ---- changes: every write to the maps goes through these, so that the log sees it

  private void putMapping(String k, byte[] value) {
    mappings.put(k, value);
    record(WriteAheadLog.MAPPINGS, k, value);
  }

  private void removeMapping(String k) {
    mappings.remove(k);
    record(WriteAheadLog.MAPPINGS, k, null);
  }

  private void putExpiry(String expiryKey) {
    expiries.put(expiryKey, EMPTY);
    record(WriteAheadLog.EXPIRIES, expiryKey, EMPTY);
  }

  private void removeExpiry(String expiryKey) {
    expiries.remove(expiryKey);
    record(WriteAheadLog.EXPIRIES, expiryKey, null);
  }

  private void putMeta(String key, String value) {
    meta.put(key, value);
    record(WriteAheadLog.META, key, value.getBytes(UTF_8));
  }

  private void record(byte map, String key, byte[] value) {
    if (wal != null) {
      wal.record(map, key, value);
    }
  }

  private MVMap<String, byte[]> openMap(String mapName) {
    return mvStore.openMap(
        mapName,
        new MVMap.Builder<String, byte[]>()
            .keyType(StringDataType.INSTANCE)
            .valueType(ByteArrayDataType.INSTANCE));
  }

  /**
   * Opens the store file {@code tempura.mv} in {@code directory}, creating both if needed. Only
   * one store can have the file open at a time.
   */
  public static EmbeddedStore open(Path directory) {
    return open(directory, Clock.systemUTC(), DEFAULT_SWEEP_INTERVAL);
  }

  static EmbeddedStore open(Path directory, Clock clock, Duration sweepInterval) {
    requireNonNull(directory, "directory");
    requireOptions(clock, sweepInterval);
    Path file = directory.resolve(FILE_NAME);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("creating " + directory, e);
    }
    MVStore mvStore;
    try {
      mvStore =
          new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().open();
    } catch (RuntimeException e) {
      throw new IllegalStateException("opening " + file + ": " + e.getMessage(), e);
    }
    return new EmbeddedStore(file.toString(), mvStore, directory.resolve(LOG_FILE_NAME), clock, sweepInterval);
  }

  /** A store that keeps everything in memory and loses it on close; for tests. */
  public static EmbeddedStore inMemory() {
    return inMemory(Clock.systemUTC(), DEFAULT_SWEEP_INTERVAL);
  }

  static EmbeddedStore inMemory(Clock clock, Duration sweepInterval) {
    requireOptions(clock, sweepInterval);
    return new EmbeddedStore("in-memory", new MVStore.Builder().open(), null, clock, sweepInterval);
  }

  private static void requireOptions(Clock clock, Duration sweepInterval) {
    requireNonNull(clock, "clock");
    requireNonNull(sweepInterval, "sweepInterval");
    if (sweepInterval.isNegative() || sweepInterval.isZero()) {
      throw new IllegalArgumentException("sweepInterval: " + sweepInterval + " (expected: > 0)");
    }
  }

  // ---- MappingStore

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    requireNonNull(physicalId, "physicalId");
    return submit(
        () -> {
          long now = clock.millis();
          byte[] value = mappings.get(k);
          if (value != null) {
            long expiresAt = Layout.expiresAt(value);
            if (!isExpired(expiresAt, now)) {
              return Layout.physicalId(value);
            }
            removeExpiry(Layout.expiryKey(expiresAt, k));
          }
          putMapping(k, Layout.value(physicalId, Layout.NO_EXPIRY));
          return physicalId;
        });
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    return submit(
        () -> {
          byte[] value = live(k, clock.millis());
          return value == null ? null : Layout.physicalId(value);
        });
  }

  /** Throws {@link IllegalArgumentException} unless {@code ttl} is positive. */
  @Override
  public CompletableFuture<Boolean> expire(MappingKey key, Duration ttl) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    long ttlMillis = ceilMillis(ttl);
    return submit(
        () -> {
          long now = clock.millis();
          byte[] value = live(k, now);
          if (value == null) {
            return false;
          }
          // at least 1 so that a clock near the epoch cannot produce the "no expiry" marker
          long expiresAt = Math.max(1, saturatedAdd(now, ttlMillis));
          setExpiry(k, value, expiresAt);
          return true;
        });
  }

  /** Answers {@code true} for any live mapping, whether or not it had a TTL; see the class doc. */
  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    return submit(
        () -> {
          byte[] value = live(k, clock.millis());
          if (value == null) {
            return false;
          }
          setExpiry(k, value, Layout.NO_EXPIRY);
          return true;
        });
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    return submit(
        () -> {
          long now = clock.millis();
          byte[] value = live(k, now);
          if (value == null) {
            return -2L;
          }
          long expiresAt = Layout.expiresAt(value);
          return expiresAt == Layout.NO_EXPIRY ? -1L : expiresAt - now;
        });
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    return submit(
        () -> {
          byte[] value = live(k, clock.millis());
          if (value == null) {
            return false;
          }
          remove(k, Layout.expiresAt(value));
          return true;
        });
  }

  /**
   * Walks the live mappings in the order of their file keys (by virtual namespace length, then
   * name, then workflow id). The cursor is the last key the page looked at, base64url-encoded, so
   * a walk resumes correctly even if that mapping is gone by then, and no state is kept between
   * pages. A page holds at most {@code count} mappings; it steps over at most {@value
   * #SCAN_EXPIRED_LIMIT} expired ones besides, so behind a backlog of expired mappings it may hold
   * fewer, even none, before the walk ends.
   *
   * <p>Throws {@link IllegalArgumentException} unless {@code count} is positive and {@code cursor}
   * is null or came from this store.
   */
  @Override
  public CompletableFuture<ScanPage> scan(String cursor, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
    String after = cursor == null ? null : decodeCursor(cursor);
    return submit(
        () -> {
          long now = clock.millis();
          List<Entry> entries = new ArrayList<>(Math.min(count, 1_024));
          long examinable = (long) count + SCAN_EXPIRED_LIMIT;
          Cursor<String, byte[]> it = mappings.cursor(after);
          String last = null;
          while (it.hasNext() && entries.size() < count && examinable-- > 0) {
            String k = it.next();
            if (k.equals(after)) {
              continue;
            }
            last = k;
            byte[] value = it.getValue();
            long expiresAt = Layout.expiresAt(value);
            if (isExpired(expiresAt, now)) {
              continue;
            }
            entries.add(
                new Entry(
                    Layout.decodeMappingKey(k),
                    Layout.physicalId(value),
                    expiresAt == Layout.NO_EXPIRY ? -1L : expiresAt - now));
          }
          return new ScanPage(entries, it.hasNext() && last != null ? encodeCursor(last) : null);
        });
  }

  private static String encodeCursor(String lastKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(UTF_8));
  }

  private static String decodeCursor(String cursor) {
    try {
      return new String(Base64.getUrlDecoder().decode(cursor), UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cursor: not a scan cursor of this store", e);
    }
  }

  /** The mapping's value if it is live; removes it if it has expired. Writer thread only. */
  private byte[] live(String k, long now) {
    byte[] value = mappings.get(k);
    if (value == null) {
      return null;
    }
    long expiresAt = Layout.expiresAt(value);
    if (isExpired(expiresAt, now)) {
      remove(k, expiresAt);
      return null;
    }
    return value;
  }

  private void setExpiry(String k, byte[] value, long expiresAt) {
    long previous = Layout.expiresAt(value);
    if (previous == expiresAt) {
      return;
    }
    if (previous != Layout.NO_EXPIRY) {
      removeExpiry(Layout.expiryKey(previous, k));
    }
    putMapping(k, Layout.value(Layout.physicalId(value), expiresAt));
    if (expiresAt != Layout.NO_EXPIRY) {
      putExpiry(Layout.expiryKey(expiresAt, k));
    }
  }

  private void remove(String k, long expiresAt) {
    removeMapping(k);
    if (expiresAt != Layout.NO_EXPIRY) {
      removeExpiry(Layout.expiryKey(expiresAt, k));
    }
  }

  // Redis keeps a key through its expiry millisecond: PTTL answers 0 then, not -2
  private static boolean isExpired(long expiresAt, long now) {
    return expiresAt != Layout.NO_EXPIRY && now > expiresAt;
  }

  private static long ceilMillis(Duration ttl) {
    try {
      long millis = ttl.toMillis();
      return ttl.equals(Duration.ofMillis(millis)) ? millis : millis + 1;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    // overflow only when both operands have the same sign and the sum's sign differs
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Removes up to {@code limit} expired mappings now and answers how many it removed. The periodic
   * sweep does the same; this lets tests run it on demand.
   */
  CompletableFuture<Integer> sweep(int limit) {
    return submit(() -> sweepExpired(clock.millis(), limit));
  }

  /** How many mappings the file holds, expired or not; for tests of the sweeper. */
  CompletableFuture<Long> storedMappingCount() {
    return submit(mappings::sizeAsLong);
  }

  private int sweepExpired(long now, int limit) {
    List<String> due = new ArrayList<>();
    Iterator<String> it = expiries.keyIterator(null);
    while (it.hasNext() && due.size() < limit) {
      String expiryKey = it.next();
      if (!isExpired(Layout.expiryOf(expiryKey), now)) {
        break;
      }
      due.add(expiryKey);
    }
    for (String expiryKey : due) {
      removeExpiry(expiryKey);
      String k = Layout.mappingKeyOf(expiryKey);
      byte[] value = mappings.get(k);
      // the index and the mapping change together, but never trust the index to delete data
      if (value != null && Layout.expiresAt(value) == Layout.expiryOf(expiryKey)) {
        removeMapping(k);
      }
    }
    return due.size();
  }

  // ---- TopologyStore

  @Override
  public CompletableFuture<Topology> load() {
    return submit(
        () -> {
          if (unreadableTopology != null) {
            throw new IllegalStateException(
                name + ": " + unreadableTopology + "; repair it offline with 'tempura topology"
                    + " apply -f FILE --data-dir DIR --force'");
          }
          return storedTopology;
        });
  }

  @Override
  public CompletableFuture<Long> storedVersion() {
    return submit(() -> storedVersion);
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(Topology next) {
    requireNonNull(next, "next");
    return submit(
        () -> {
          if (storedVersion != next.version() - 1) {
            return false;
          }
          putMeta(META_TOPOLOGY, TopologyJson.encode(next));
          storedTopology = next;
          storedVersion = next.version();
          unreadableTopology = null;
          toPublish.add(next);
          return true;
        });
  }

  /**
   * Calls {@code listener} on the writer thread with every topology stored through this store,
   * after its commit and before the storing future completes. The file has one process, so there
   * are no other writers to hear from.
   */
  @Override
  public AutoCloseable subscribe(Consumer<Topology> listener) {
    Subscription subscription = new Subscription(requireNonNull(listener, "listener"));
    subscriptions.add(subscription);
    return subscription;
  }

  private final class Subscription implements AutoCloseable {
    private final Consumer<Topology> listener;

    Subscription(Consumer<Topology> listener) {
      this.listener = listener;
    }

    @Override
    public void close() {
      subscriptions.remove(this);
    }
  }

  // ---- the writer

  private <T> CompletableFuture<T> submit(Supplier<T> body) {
    Op<T> op = new Op<>(body);
    lifecycle.readLock().lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(new IllegalStateException("store closed"));
      }
      queue.add(op);
    } finally {
      lifecycle.readLock().unlock();
    }
    return op.future;
  }

  private void runWriter() {
    List<Op<?>> batch = new ArrayList<>(MAX_BATCH);
    long nextSweep = System.nanoTime() + sweepIntervalNanos;
    boolean stopping = false;
    while (!stopping) {
      long deadline = nextSweep;
      if (uncommitted && lastCheckpoint + CHECKPOINT_INTERVAL_NANOS - deadline < 0) {
        deadline = lastCheckpoint + CHECKPOINT_INTERVAL_NANOS;
      }
      long wait = deadline - System.nanoTime();
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
      for (Op<?> op : batch) {
        if (op == stop) {
          stopping = true;
        } else {
          op.apply();
        }
      }
      if (System.nanoTime() - nextSweep >= 0) {
        maintain();
        nextSweep = System.nanoTime() + sweepIntervalNanos;
      }
      finishBatch(batch);
      batch.clear();
    }
    try {
      mvStore.close();
    } catch (RuntimeException e) {
      log.error("{}: closing failed", name, e);
      closeFailure = e;
      // the log keeps what the file may lack, for the next open
      closeLog(false);
      return;
    }
    closeLog(true);
  }

  /** Closes the log; deletes it when the file holds everything. */
  private void closeLog(boolean delete) {
    if (wal == null) {
      return;
    }
    try {
      wal.close();
      if (delete) {
        Files.deleteIfExists(wal.file());
      }
    } catch (IOException e) {
      log.warn("{}: closing the log failed", name, e);
    }
  }

  private void maintain() {
    try {
      int removed = sweepExpired(clock.millis(), SWEEP_LIMIT);
      if (removed > 0) {
        log.debug("{}: swept {} expired mappings", name, removed);
      }
      mvStore.compact(COMPACT_FILL_RATE, COMPACT_WRITE_BYTES);
    } catch (Throwable e) {
      // the writer must survive to answer the callers queued behind it
      log.warn("{}: sweeping expired mappings failed", name, e);
    }
  }

  private void finishBatch(List<Op<?>> batch) {
    Throwable commitFailure = null;
    try {
      makeDurable();
    } catch (Throwable e) {
      log.error("{}: commit failed; failing {} operations", name, batch.size(), e);
      commitFailure = e;
    }
    if (commitFailure == null) {
      for (Topology t : toPublish) {
        publish(t);
      }
    }
    toPublish.clear();
    for (Op<?> op : batch) {
      if (commitFailure == null) {
        op.complete();
      } else {
        op.fail(commitFailure);
      }
    }
  }

  /**
   * Makes the batch's changes durable: appends them to the log, and commits once the log holds a
   * second's worth (or {@value #CHECKPOINT_LOG_BYTES} bytes). Without a log, commits. Throws if the
   * changes could not be made durable.
   */
  private void makeDurable() {
    if (wal == null) {
      mvStore.commit();
      return;
    }
    if (wal.hasPending()) {
      try {
        wal.flush();
        uncommitted = true;
      } catch (IOException e) {
        log.error("{}: appending to the log failed; committing instead", name, e);
        wal.discardPending();
        checkpoint();
        return;
      }
    }
    if (uncommitted
        && (System.nanoTime() - lastCheckpoint >= CHECKPOINT_INTERVAL_NANOS || wal.size() >= CHECKPOINT_LOG_BYTES)) {
      try {
        checkpoint();
      } catch (RuntimeException e) {
        // the batch is durable in the log; the next checkpoint tries again
        log.warn("{}: commit failed; the log keeps the changes", name, e);
      }
    }
  }

  /** Commits everything, then empties the log. */
  private void checkpoint() {
    mvStore.commit();
    lastCheckpoint = System.nanoTime();
    uncommitted = false;
    try {
      wal.reset();
    } catch (IOException e) {
      // a log that cannot be emptied must not be replayed later over newer commits
      log.error("{}: emptying the log failed; deleting it and committing every batch from now on", name, e);
      WriteAheadLog broken = wal;
      wal = null;
      try {
        broken.close();
        Files.deleteIfExists(broken.file());
      } catch (IOException again) {
        throw new IllegalStateException(
            name + ": the log " + broken.file() + " can be neither emptied nor deleted; remove it before the next start", again);
      }
    }
  }

  private void publish(Topology t) {
    for (Subscription s : subscriptions) {
      try {
        s.listener.accept(t);
      } catch (RuntimeException e) {
        log.warn("{}: topology listener failed on version {}", name, t.version(), e);
      }
    }
  }

  /**
   * Finishes every queued operation, commits, and closes the file. Later calls fail with {@code
   * IllegalStateException("store closed")}. Called on the writer thread (from a continuation), it
   * returns without waiting for the file to close.
   */
  @Override
  public void close() {
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
