package dev.tempura.store.embedded;

import static dev.tempura.store.embedded.EmbeddedFile.isExpired;
import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

/**
 * Mappings in the embedded store's MVStore file, for a single proxy process. Every operation runs
 * on the file's one writer thread, or (all but {@link #scan}) on the caller's when the writer is
 * idle, and completes once it is durable; see {@link EmbeddedWriter} for durability and {@link
 * EmbeddedFile} for the file layout. Opened with the topology by {@link
 * dev.tempura.store.Stores#embedded}.
 *
 * <h2>Expiry</h2>
 *
 * <p>TTLs follow Redis: a mapping has none until {@link #expire} sets an absolute expiry, a mapping
 * is live up to and including its expiry millisecond and invisible after it, and {@link #persist}
 * removes the TTL. One difference: {@code persist} answers {@code true} for any live mapping, where
 * Redis PERSIST answers 0 when there was no TTL to remove. Expired mappings are removed lazily when
 * touched, and by a sweeper on the writer thread every few seconds that removes at most 10,000 per
 * run, so a backlog never stalls writes for long.
 */
public final class EmbeddedStore implements MappingStore {
  @Override
  public String kind() {
    return "embedded";
  }

  // a scan page steps over at most this many expired mappings beyond its count, so that a backlog
  // the sweeper has not reached yet cannot hold the writer for long
  static final int SCAN_EXPIRED_LIMIT = 10_000;

  private final EmbeddedWriter writer;
  // touched in the bodies run by the writer (or inline, under its lock) only
  private final EmbeddedFile file;
  private final MVMap<String, byte[]> mappings;
  private final Clock clock;

  EmbeddedStore(EmbeddedWriter writer, EmbeddedFile file, Clock clock) {
    this.writer = writer;
    this.file = file;
    this.mappings = file.mappings();
    this.clock = clock;
  }

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    requireNonNull(physicalId, "physicalId");
    Supplier<String> body =
        () -> {
          long now = clock.millis();
          byte[] value = mappings.get(k);
          if (value != null) {
            long expiresAt = Layout.expiresAt(value);
            if (!isExpired(expiresAt, now)) {
              return Layout.physicalId(value);
            }
            file.removeExpiry(Layout.expiryKey(expiresAt, k));
          }
          file.putMapping(k, Layout.value(physicalId, Layout.NO_EXPIRY));
          return physicalId;
        };
    return inlineOrSubmit(body);
  }

  /**
   * On the calling thread when the writer is idle, else through the writer (EmbeddedWriter's "On
   * the caller's thread"): for the operations of one key that calls make (a start's placement and
   * persist, lookups, a close's expire), where a wake-up of the writer and one back would cost more
   * than the operation. A scan, which may step over thousands, stays on the writer.
   */
  private <T> CompletableFuture<T> inlineOrSubmit(Supplier<T> body) {
    CompletableFuture<T> now = writer.inline(body);
    return now != null ? now : writer.submit(body);
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    String k = Layout.mappingKey(requireNonNull(key, "key"));
    return inlineOrSubmit(
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
    return inlineOrSubmit(
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
    return inlineOrSubmit(
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
    return inlineOrSubmit(
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
    return inlineOrSubmit(
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
   * name, then workflow id). The cursor is the last key the page looked at, base64url-encoded, so a
   * walk resumes correctly even if that mapping is gone by then, and no state is kept between
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
    return writer.submit(
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

  /**
   * The mapping's value if it is live; removes it if it has expired. Under the writer's file lock
   * only.
   */
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
      file.removeExpiry(Layout.expiryKey(previous, k));
    }
    file.putMapping(k, Layout.value(Layout.physicalId(value), expiresAt));
    if (expiresAt != Layout.NO_EXPIRY) {
      file.putExpiry(Layout.expiryKey(expiresAt, k));
    }
  }

  private void remove(String k, long expiresAt) {
    file.removeMapping(k);
    if (expiresAt != Layout.NO_EXPIRY) {
      file.removeExpiry(Layout.expiryKey(expiresAt, k));
    }
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
    return writer.submit(() -> file.sweepExpired(clock.millis(), limit));
  }

  /** How many mappings the file holds, expired or not; for tests of the sweeper. */
  CompletableFuture<Long> storedMappingCount() {
    return writer.submit(mappings::sizeAsLong);
  }

  /**
   * Closes the writer and the file, so the topology that shares them too: finishes every queued
   * operation, commits, and closes the file. Later calls fail with {@code
   * IllegalStateException("store closed")}. Called on the writer thread (from a continuation), it
   * returns without waiting for the file to close.
   */
  @Override
  public void close() {
    writer.close();
  }

  @Override
  public String toString() {
    return writer.toString();
  }
}
