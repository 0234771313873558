package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tempura.store.TopologyJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded store's H2 MVStore file, its maps and its redo log: what the store holds and how it
 * is made durable. Once it is open, only the holder of the writer's file lock touches it: the
 * writer thread ({@link EmbeddedWriter}), or a caller running an operation inline.
 *
 * <h2>Checkpoints</h2>
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
 * <h2>File layout</h2>
 *
 * <ul>
 *   <li>{@code mappings}: key {@code <length of virtual namespace>:<virtual namespace><workflow
 *       id>}, for example {@code 6:ordersorder-42}; the length prefix keeps keys unambiguous
 *       whatever characters namespace names contain. Value: 8 bytes of expiry in epoch millis
 *       (big-endian, 0 for no TTL), then the physical namespace id in UTF-8.
 *   <li>{@code expiries}: an index of mappings that have a TTL, keyed by the expiry as 16 hex
 *       digits followed by the mapping key, with an empty value. It sorts by expiry, so the sweeper
 *       reads only due entries.
 *   <li>{@code meta}: {@code format} (the layout version, 1) and {@code topology} (the topology as
 *       JSON, see {@link TopologyJson}) and {@code progress:<name>} (the records of {@link
 *       EmbeddedProgress}).
 * </ul>
 */
final class EmbeddedFile {
  // one logger for the whole embedded store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  static final String FILE_NAME = "tempura.mv";
  static final String LOG_FILE_NAME = FILE_NAME + ".log";
  // how long acknowledged changes may live in the log alone before a commit takes them over, and
  // how large the log may grow; the log replays in full at the next open
  static final long CHECKPOINT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  static final long CHECKPOINT_LOG_BYTES = 16L << 20;
  static final int SWEEP_LIMIT = 10_000;

  private static final byte[] EMPTY = new byte[0];
  private static final String META_FORMAT = "format";
  // compaction rewrites chunks that fell below this fill rate, at most this many bytes per run;
  // MVStore's own background housekeeping would do it, but that comes with auto-commit
  private static final int COMPACT_FILL_RATE = 50;
  private static final int COMPACT_WRITE_BYTES = 4 << 20;

  private final String name;
  private final MVStore mvStore;
  private final MVMap<String, byte[]> mappings;
  private final MVMap<String, byte[]> expiries;
  private final MVMap<String, String> meta;

  // guarded by the writer's file lock (set before the writer starts)
  // null for an in-memory store, or after the log failed beyond repair: then every batch commits
  private WriteAheadLog wal;
  // changes in the log that no commit holds yet, and when the last commit was; volatile as the
  // writer reads them without the lock to decide how long to sleep
  private volatile boolean uncommitted;
  private volatile long lastCheckpoint = System.nanoTime();

  /**
   * Opens the maps of {@code mvStore}, replays the log {@code logFile} (null: none) onto them and
   * commits; closes {@code mvStore} and throws if that fails.
   */
  EmbeddedFile(String name, MVStore mvStore, Path logFile) {
    this.name = name;
    this.mvStore = mvStore;
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
      mvStore.commit();
      if (wal != null) {
        // the commit holds everything the log held
        wal.reset();
      }
    } catch (IOException e) {
      closeQuietly();
      throw new IllegalStateException(
          name + ": opening the log " + logFile + " failed: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      closeQuietly();
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
  }

  void closeQuietly() {
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

  private MVMap<String, byte[]> openMap(String mapName) {
    return mvStore.openMap(
        mapName,
        new MVMap.Builder<String, byte[]>()
            .keyType(StringDataType.INSTANCE)
            .valueType(ByteArrayDataType.INSTANCE));
  }

  /** The file, or "in-memory"; what log lines and messages name the store by. */
  String name() {
    return name;
  }

  /**
   * The mappings map; read it under the writer's file lock only, write it through {@link
   * #putMapping}.
   */
  MVMap<String, byte[]> mappings() {
    return mappings;
  }

  /** A value of the meta map; on the writer thread, or at open before the writer starts. */
  String meta(String key) {
    return meta.get(key);
  }

  // ---- changes: every write to the maps goes through these, so that the log sees it

  void putMapping(String k, byte[] value) {
    mappings.put(k, value);
    record(WriteAheadLog.MAPPINGS, k, value);
  }

  void removeMapping(String k) {
    mappings.remove(k);
    record(WriteAheadLog.MAPPINGS, k, null);
  }

  void putExpiry(String expiryKey) {
    expiries.put(expiryKey, EMPTY);
    record(WriteAheadLog.EXPIRIES, expiryKey, EMPTY);
  }

  void removeExpiry(String expiryKey) {
    expiries.remove(expiryKey);
    record(WriteAheadLog.EXPIRIES, expiryKey, null);
  }

  void putMeta(String key, String value) {
    meta.put(key, value);
    record(WriteAheadLog.META, key, value.getBytes(UTF_8));
  }

  void removeMeta(String key) {
    meta.remove(key);
    record(WriteAheadLog.META, key, null);
  }

  private void record(byte map, String key, byte[] value) {
    if (wal != null) {
      wal.record(map, key, value);
    }
  }

  // ---- expiry

  // Redis keeps a key through its expiry millisecond: PTTL answers 0 then, not -2
  static boolean isExpired(long expiresAt, long now) {
    return expiresAt != Layout.NO_EXPIRY && now > expiresAt;
  }

  /** Removes up to {@code limit} expired mappings and answers how many it removed. */
  int sweepExpired(long now, int limit) {
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

  /** The periodic housekeeping: sweeps expired mappings, compacts the file. Never throws. */
  void maintain(Clock clock) {
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

  // ---- durability

  /** {@code deadline}, or when a checkpoint is due if that is sooner; without the lock. */
  long checkpointDeadline(long deadline) {
    if (uncommitted && lastCheckpoint + CHECKPOINT_INTERVAL_NANOS - deadline < 0) {
      deadline = lastCheckpoint + CHECKPOINT_INTERVAL_NANOS;
    }
    return deadline;
  }

  /** Whether the log holds changes that no commit holds yet. */
  boolean uncommitted() {
    return uncommitted;
  }

  /**
   * Makes the changes recorded since the last append durable, as {@link #makeDurable} does, but
   * never commits on time or size: for an operation run inline, on a caller's thread that must not
   * wait for a commit. Commits only if the append fails, or when there is no log.
   */
  void appendDurably() {
    append();
  }

  /**
   * Makes the batch's changes durable: appends them to the log, and commits once the log holds a
   * second's worth (or {@value #CHECKPOINT_LOG_BYTES} bytes). Without a log, commits. Throws if the
   * changes could not be made durable.
   */
  void makeDurable() {
    if (!append()) {
      return;
    }
    if (uncommitted
        && (System.nanoTime() - lastCheckpoint >= CHECKPOINT_INTERVAL_NANOS
            || wal.size() >= CHECKPOINT_LOG_BYTES)) {
      try {
        checkpoint();
      } catch (RuntimeException e) {
        // the batch is durable in the log; the next checkpoint tries again
        log.warn("{}: commit failed; the log keeps the changes", name, e);
      }
    }
  }

  /**
   * Appends what was recorded since the last append as one frame; without a log, or if the append
   * fails, commits instead. Answers whether the changes are in the log (false: committed).
   */
  private boolean append() {
    if (wal == null) {
      mvStore.commit();
      return false;
    }
    if (wal.hasPending()) {
      try {
        wal.flush();
        uncommitted = true;
      } catch (IOException e) {
        log.error("{}: appending to the log failed; committing instead", name, e);
        wal.discardPending();
        checkpoint();
        return false;
      }
    }
    return true;
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
      log.error(
          "{}: emptying the log failed; deleting it and committing every batch from now on",
          name,
          e);
      WriteAheadLog broken = wal;
      wal = null;
      try {
        broken.close();
        Files.deleteIfExists(broken.file());
      } catch (IOException again) {
        throw new IllegalStateException(
            name
                + ": the log "
                + broken.file()
                + " can be neither emptied nor deleted; remove it before the next start",
            again);
      }
    }
  }

  /** Commits and closes the file, then closes the log; answers why closing failed, or null. */
  RuntimeException close() {
    try {
      mvStore.close();
    } catch (RuntimeException e) {
      log.error("{}: closing failed", name, e);
      // the log keeps what the file may lack, for the next open
      closeLog(false);
      return e;
    }
    closeLog(true);
    return null;
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
}
