package dev.tempura.store.redis;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.redis.RedisConnection.Script;
import dev.tempura.store.redis.RedisKeys.ScanPosition;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mappings in Redis, standalone or Redis Cluster, shared by every proxy replica that connects with
 * the same key prefix. Opened with the topology by {@link dev.tempura.store.Stores#redis}; see
 * {@link RedisConnection} for connections, failures and threads.
 *
 * <h2>Key layout</h2>
 *
 * <p>A mapping is the string key {@code <prefix>wf:<n>:<virtual namespace>:<workflow id>}, where
 * {@code n} is the length of the virtual namespace in UTF-8 bytes, for example {@code
 * tempura:wf:6:orders:order-42}; the length keeps keys unambiguous whatever characters the names
 * contain. The value is the physical namespace id; the mapping's TTL is the key's own Redis TTL.
 * Every command and script on a mapping touches that one key, so mappings need no hash tag and
 * spread over all slots of a cluster.
 *
 * <h2>Semantics</h2>
 *
 * <p>{@link #putIfAbsent} and {@link #persist} are Lua scripts on their one key, so each is atomic
 * and takes one round trip (EVALSHA, falling back to EVAL on NOSCRIPT). {@link #persist} answers
 * {@code true} for any live mapping, like the embedded store, where Redis PERSIST answers 0 when
 * there was no TTL to remove. {@link #putIfAbsent} leaves the TTL of a mapping it finds, and
 * creates one without. TTLs are Redis's own, in milliseconds; one too large for Redis is capped at
 * 2<sup>62</sup> ms (146 million years).
 *
 * <p>Mappings are durable only as far as Redis is: run it with persistence (AOF) and replicas. A
 * Redis that restarts empty forgets every mapping.
 *
 * <p>Returned futures complete on Lettuce's event-loop threads, and fail with {@link
 * StoreUnavailableException} while Redis cannot be reached.
 */
public final class RedisStore implements MappingStore {
  @Override
  public String kind() {
    return "redis";
  }

  // one logger for the whole Redis store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  // far beyond any real TTL, and far enough from overflow when Redis adds it to its clock
  private static final long MAX_TTL_MILLIS = Long.MAX_VALUE / 2;

  private static final Script PUT_IF_ABSENT =
      new Script(
          """
          local existing = redis.call('GET', KEYS[1])
          if existing then
            return existing
          end
          redis.call('SET', KEYS[1], ARGV[1])
          return ARGV[1]
          """);

  private static final Script PERSIST =
      new Script(
          """
          if redis.call('EXISTS', KEYS[1]) == 0 then
            return 0
          end
          redis.call('PERSIST', KEYS[1])
          return 1
          """);

  private final RedisConnection connection;
  private final RedisKeys keys;
  private final RedisClusterAsyncCommands<String, String> commands;
  // null on standalone Redis
  private final StatefulRedisClusterConnection<String, String> clusterConnection;

  RedisStore(RedisConnection connection) {
    this.connection = connection;
    this.keys = connection.keys();
    this.commands = connection.commands();
    this.clusterConnection = connection.clusterConnection();
  }

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    requireNonNull(physicalId, "physicalId");
    return connection.call(
        () -> connection.evaluate(PUT_IF_ABSENT, ScriptOutputType.VALUE, k, physicalId));
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return connection.call(() -> commands.get(k));
  }

  /** Throws {@link IllegalArgumentException} unless {@code ttl} is positive. */
  @Override
  public CompletableFuture<Boolean> expire(MappingKey key, Duration ttl) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    requireNonNull(ttl, "ttl");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    long millis = Math.min(ceilMillis(ttl), MAX_TTL_MILLIS);
    return connection.call(() -> commands.pexpire(k, millis));
  }

  /** Answers {@code true} for any live mapping, whether or not it had a TTL; see the class doc. */
  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return connection.call(
        () ->
            connection
                .<Long>evaluate(PERSIST, ScriptOutputType.INTEGER, k)
                .thenApply(persisted -> persisted == 1L));
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return connection.call(() -> commands.pttl(k));
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return connection.call(() -> commands.del(k).thenApply(deleted -> deleted > 0));
  }

  /**
   * One SCAN step over the mapping keys, then their values and TTLs in one pipelined batch. {@code
   * count} is SCAN's COUNT: how much of the keyspace one page looks at, so a page may hold a few
   * more mappings than that, or none before the walk ends. In a cluster the walk visits the masters
   * one after the other, in the order of the lowest slot each serves; the cursor names that slot
   * and the SCAN cursor on its master, so it is a plain string that any store of the same
   * deployment can continue, with no state kept between pages. After a failover the walk continues
   * on the master that took the slot over. A mapping that moves to another master during the walk
   * (resharding) may be missed; walk again after resharding.
   *
   * <p>Throws {@link IllegalArgumentException} unless {@code count} is positive and {@code cursor}
   * is null or came from a store of the same mode (standalone or cluster).
   */
  @Override
  public CompletableFuture<ScanPage> scan(String cursor, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
    ScanPosition from =
        cursor == null ? null : RedisKeys.decodeCursor(cursor, clusterConnection != null);
    return connection.call(() -> scanKeys(from, count).thenCompose(this::fetchEntries));
  }

  /** The keys of one SCAN step, and where the walk goes on ({@code null} at its end). */
  private record KeyPage(List<String> keys, ScanPosition next) {}

  private CompletionStage<KeyPage> scanKeys(ScanPosition from, int count) {
    ScanArgs args = ScanArgs.Builder.matches(keys.mappingPattern()).limit(count);
    if (clusterConnection == null) {
      String cursor = from == null ? ScanCursor.INITIAL.getCursor() : from.redisCursor();
      return commands
          .scan(ScanCursor.of(cursor), args)
          .thenApply(
              page ->
                  new KeyPage(
                      page.getKeys(),
                      page.isFinished()
                          ? null
                          : new ScanPosition(ScanPosition.STANDALONE, page.getCursor())));
    }
    Partitions partitions = clusterConnection.getPartitions();
    ScanPosition position = from != null ? from : firstPosition(partitions);
    RedisClusterNode master = partitions.getMasterBySlot(position.slot());
    if (master == null) {
      throw new RedisException("no master serves slot " + position.slot());
    }
    // by address, not node id: that is the connection key commands are routed with, so the scan
    // shares their connection instead of opening one more
    return clusterConnection
        .getConnectionAsync(master.getUri().getHost(), master.getUri().getPort())
        .thenCompose(node -> node.async().scan(ScanCursor.of(position.redisCursor()), args))
        .thenApply(page -> new KeyPage(page.getKeys(), nextPosition(partitions, position, page)));
  }

  private static ScanPosition firstPosition(Partitions partitions) {
    int slot = lowestSlotAbove(partitions, -1);
    if (slot < 0) {
      throw new RedisException("no master serves any slot");
    }
    return new ScanPosition(slot, ScanCursor.INITIAL.getCursor());
  }

  private static ScanPosition nextPosition(
      Partitions partitions, ScanPosition position, KeyScanCursor<String> page) {
    if (!page.isFinished()) {
      return new ScanPosition(position.slot(), page.getCursor());
    }
    int next = lowestSlotAbove(partitions, position.slot());
    return next < 0 ? null : new ScanPosition(next, ScanCursor.INITIAL.getCursor());
  }

  /** The lowest of the masters' lowest slots above {@code slot}, or -1 if there is none. */
  private static int lowestSlotAbove(Partitions partitions, int slot) {
    int best = -1;
    for (RedisClusterNode node : partitions) {
      if (!node.is(NodeFlag.UPSTREAM) || node.hasNoSlots()) {
        continue;
      }
      int lowest = node.getSlots().get(0);
      if (lowest > slot && (best < 0 || lowest < best)) {
        best = lowest;
      }
    }
    return best;
  }

  private CompletionStage<ScanPage> fetchEntries(KeyPage page) {
    List<MappingKey> found = new ArrayList<>(page.keys().size());
    List<CompletableFuture<String>> values = new ArrayList<>(page.keys().size());
    List<CompletableFuture<Long>> ttls = new ArrayList<>(page.keys().size());
    for (String k : page.keys()) {
      MappingKey key = keys.decodeMappingKey(k);
      if (key == null) {
        log.debug("{}: skipping key {}, which is not a mapping", this, k);
        continue;
      }
      found.add(key);
      values.add(commands.get(k).toCompletableFuture());
      ttls.add(commands.pttl(k).toCompletableFuture());
    }
    String nextCursor = page.next() == null ? null : RedisKeys.encodeCursor(page.next());
    List<CompletableFuture<?>> all = new ArrayList<>(values);
    all.addAll(ttls);
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              List<Entry> entries = new ArrayList<>(found.size());
              for (int i = 0; i < found.size(); i++) {
                String physicalId = values.get(i).join();
                long ttl = ttls.get(i).join();
                // gone between SCAN and GET, or between GET and PTTL
                if (physicalId != null && ttl != -2) {
                  entries.add(new Entry(found.get(i), physicalId, ttl));
                }
              }
              return new ScanPage(entries, nextCursor);
            });
  }

  private static long ceilMillis(Duration ttl) {
    try {
      long millis = ttl.toMillis();
      return ttl.equals(Duration.ofMillis(millis)) ? millis : millis + 1;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * Closes the connection, so the topology that shares it too: stops the topology thread, closes
   * the connections and releases Lettuce's threads. Later calls fail with {@code
   * IllegalStateException("store closed")}. Called on a Lettuce thread, from a continuation, it
   * returns without waiting for those threads to end.
   */
  @Override
  public void close() {
    connection.close();
  }

  @Override
  public String toString() {
    return connection.toString();
  }
}
