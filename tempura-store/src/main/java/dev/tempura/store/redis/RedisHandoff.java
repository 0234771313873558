package dev.tempura.store.redis;

import static dev.tempura.store.redis.RedisConnection.describe;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.TaskHandoff;
import dev.tempura.store.redis.RedisConnection.Script;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tasks handed between replicas through Redis ({@link TaskHandoff}).
 *
 * <h2>Layout</h2>
 *
 * <ul>
 *   <li>{@code <prefix>replicas}: sorted set, member a replica's random id, score when it expires
 *       (Redis's clock, so replicas' clocks do not matter). Each replica renews its entry every
 *       second for three, drops expired ones, and reads how many others there are.
 *   <li>{@code <prefix>handoff:{<queue>}}: list, the pool of one queue, oldest first; it expires
 *       two minutes after the last offer.
 *   <li>{@code <prefix>handoff:{<queue>}:o:<task id>} and {@code ...:t:<take id>}: markers that
 *       make a repeated offer, take-back or take (after a timeout or a dropped connection left its
 *       outcome unknown) do what the first did, not something twice. Two minutes each; a take's is
 *       deleted once its answer has arrived.
 *   <li>channel {@code <prefix>handoff:offered}: each offer's queue id.
 * </ul>
 *
 * Every script touches one queue's keys, which share the hash tag {@code {<queue>}}, so a cluster
 * runs each on one node.
 *
 * <h2>Unclear outcomes</h2>
 *
 * <p>A command that times out or loses its connection may or may not have run. An offer in that
 * state is settled by a take-back script, repeated until Redis answers: if the offer never ran, its
 * marker is set so that it cannot run later, and the task stays with the offering replica; if it
 * ran and the task is still in the pool, it is removed and stays; if someone took it, it is theirs.
 * A take in that state is repeated with the same id, and answers what the first one took. So a task
 * is never in two places; it can be lost only if a replica stops (or Redis loses data) while a task
 * is in its hands, as with any task a replica holds.
 */
final class RedisHandoff implements TaskHandoff {
  // one logger for the whole Redis store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  static final Duration REPLICA_TTL = Duration.ofSeconds(3);
  static final Duration MARKER_TTL = Duration.ofMinutes(2);

  /** A settlement still unknown this long gives up: the marker may expire, a repeat would lie. */
  private static final Duration GIVE_UP = MARKER_TTL.minusSeconds(30);

  private static final Duration RETRY_FIRST = Duration.ofMillis(100);
  private static final Duration RETRY_MAX = Duration.ofSeconds(2);

  // ARGV: self, ttl ms, join (1/0). Answers how many other replicas are alive.
  private static final Script HEARTBEAT_SCRIPT =
      new Script(
          """
          local t = redis.call('TIME')
          local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
          redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tostring(now))
          if ARGV[3] == '1' then
            redis.call('ZADD', KEYS[1], tostring(now + tonumber(ARGV[2])), ARGV[1])
          else
            redis.call('ZREM', KEYS[1], ARGV[1])
          end
          redis.call('PEXPIRE', KEYS[1], tostring(tonumber(ARGV[2]) * 10))
          local n = redis.call('ZCARD', KEYS[1])
          if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
            n = n - 1
          end
          return n
          """);

  // KEYS: list, offer marker. ARGV: payload, ttl ms, channel, queue, first (1/0).
  private static final Script OFFER =
      new Script(
          """
          if not redis.call('SET', KEYS[2], 'o', 'NX', 'PX', ARGV[2]) then
            return 0
          end
          if ARGV[5] == '1' then
            redis.call('LPUSH', KEYS[1], ARGV[1])
          else
            redis.call('RPUSH', KEYS[1], ARGV[1])
          end
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          redis.call('PUBLISH', ARGV[3], ARGV[4])
          return 1
          """);

  // KEYS: list, offer marker. ARGV: payload, ttl ms. 1: the task is the offerer's; 0: taken.
  private static final Script TAKE_BACK =
      new Script(
          """
          if redis.call('SET', KEYS[2], 'r', 'NX', 'PX', ARGV[2]) then
            return 1
          end
          if redis.call('GET', KEYS[2]) == 'r' then
            return 1
          end
          if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 1 then
            redis.call('SET', KEYS[2], 'r', 'PX', ARGV[2])
            return 1
          end
          return 0
          """);

  // KEYS: list, take marker. ARGV: ttl ms. {payload taken or nil, tasks left in the pool (-1 on a
  // repeat: the pool may have changed since the first run)}. Telling how many are left spares
  // the taker a second take that would find the pool empty.
  private static final Script TAKE =
      new Script(
          """
          local prev = redis.call('GET', KEYS[2])
          if prev then
            return {prev, -1}
          end
          local v = redis.call('LPOP', KEYS[1])
          if v then
            redis.call('SET', KEYS[2], v, 'PX', ARGV[1])
          end
          return {v, redis.call('LLEN', KEYS[1])}
          """);

  private final RedisConnection connection;
  private final RedisKeys keys;
  private final String self = UUID.randomUUID().toString();
  private final ScheduledExecutorService thread;
  private final Set<Consumer<String>> listeners = ConcurrentHashMap.newKeySet();

  private volatile boolean joined = true;
  private volatile int others;
  private volatile long lastBeatNanos = System.nanoTime() - REPLICA_TTL.toNanos();
  private volatile boolean beatFailing;

  RedisHandoff(RedisConnection connection) {
    this.connection = connection;
    this.keys = connection.keys();
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tempura-redis-handoff");
              // closing the store stops it; a forgotten close() must not keep the JVM alive
              t.setDaemon(true);
              return t;
            });
    connection.onClose(this::stop);
  }

  /** Subscribes to offers and joins; blocks until subscribed and the first heartbeat is back. */
  void start() {
    connection
        .pubSub()
        .addListener(
            new RedisPubSubAdapter<>() {
              @Override
              public void message(String channel, String message) {
                if (channel.equals(keys.handoffChannel())) {
                  for (Consumer<String> l : listeners) {
                    try {
                      l.accept(message);
                    } catch (RuntimeException e) {
                      log.warn("a task handoff listener failed", e);
                    }
                  }
                }
              }
            });
    connection.pubSub().sync().subscribe(keys.handoffChannel());
    try {
      beat().get(connection.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // the periodic heartbeat tries again; until it succeeds this replica counts as alone
      log.warn("first replica heartbeat failed: {}", describe(e));
    }
    thread.scheduleWithFixedDelay(
        this::beatQuietly, HEARTBEAT.toMillis(), HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<Long> beat() {
    String join = joined ? "1" : "0";
    return connection
        .<Long>call(
            () ->
                connection.evaluate(
                    HEARTBEAT_SCRIPT,
                    ScriptOutputType.INTEGER,
                    keys.replicasKey(),
                    self,
                    String.valueOf(REPLICA_TTL.toMillis()),
                    join))
        .thenApply(
            n -> {
              others = n.intValue();
              lastBeatNanos = System.nanoTime();
              if (beatFailing) {
                beatFailing = false;
                log.info("replica heartbeat works again: {} other replicas", n);
              }
              return n;
            });
  }

  private void beatQuietly() {
    beat()
        .exceptionally(
            e -> {
              if (!beatFailing && !connection.isClosed()) {
                beatFailing = true;
                log.warn(
                    "replica heartbeat failed; tasks stay on this replica until it works: {}",
                    describe(e));
              }
              return null;
            });
  }

  @Override
  public boolean shared() {
    return others > 0 && System.nanoTime() - lastBeatNanos < REPLICA_TTL.toNanos();
  }

  @Override
  public int replicas() {
    return (joined ? 1 : 0) + (shared() ? others : 0);
  }

  @Override
  public CompletableFuture<Boolean> offer(
      String queue, String taskId, String payload, boolean first) {
    requireNonNull(queue, "queue");
    requireNonNull(taskId, "taskId");
    requireNonNull(payload, "payload");
    String[] k = {keys.handoffList(queue), keys.handoffMarker(queue, 'o', taskId)};
    String ttl = String.valueOf(MARKER_TTL.toMillis());
    CompletableFuture<Boolean> result = new CompletableFuture<>();
    connection
        .<Long>call(
            () ->
                connection.evaluate(
                    OFFER,
                    ScriptOutputType.INTEGER,
                    k,
                    payload,
                    ttl,
                    keys.handoffChannel(),
                    queue,
                    first ? "1" : "0"))
        .whenComplete(
            (r, failure) -> {
              if (failure == null) {
                result.complete(r != null && r == 1L);
              } else if (neverSent(failure)) {
                result.complete(false);
              } else {
                log.debug("offer of {} unclear, taking it back: {}", taskId, describe(failure));
                // handed over unless it is the offerer's again
                settle(
                    () -> takeBack(queue, taskId, payload).thenApply(back -> !back),
                    result,
                    "offer of task " + taskId);
              }
            });
    return result;
  }

  /**
   * Settles an offer whose outcome is unknown; safe to repeat. True: the task is the offerer's (the
   * offer never ran and now never will, or it ran and the task was still in the pool and is out of
   * it now); false: someone took it.
   */
  CompletableFuture<Boolean> takeBack(String queue, String taskId, String payload) {
    String[] k = {keys.handoffList(queue), keys.handoffMarker(queue, 'o', taskId)};
    return connection
        .<Long>call(
            () ->
                connection.evaluate(
                    TAKE_BACK,
                    ScriptOutputType.INTEGER,
                    k,
                    payload,
                    String.valueOf(MARKER_TTL.toMillis())))
        .thenApply(back -> back == 1L);
  }

  /** One attempt of a take; repeated with the same {@code takeId}, it answers what it took. */
  CompletableFuture<Taken> takeOnce(String queue, String takeId) {
    String[] k = {keys.handoffList(queue), keys.handoffMarker(queue, 't', takeId)};
    return connection
        .<List<Object>>call(
            () ->
                connection.evaluate(
                    TAKE, ScriptOutputType.MULTI, k, String.valueOf(MARKER_TTL.toMillis())))
        .thenApply(RedisHandoff::taken);
  }

  /** The TAKE script's answer: {payload or nil, tasks left or -1}. */
  private static Taken taken(List<Object> reply) {
    Object payload = reply.isEmpty() ? null : reply.get(0);
    long left = reply.size() < 2 || reply.get(1) == null ? -1 : ((Number) reply.get(1)).longValue();
    if (payload == null) {
      return left == 0 ? Taken.NOTHING : new Taken(null, false);
    }
    return new Taken(payload.toString(), left == 0);
  }

  @Override
  public CompletableFuture<Taken> take(String queue) {
    requireNonNull(queue, "queue");
    String takeId = UUID.randomUUID().toString();
    String[] k = {keys.handoffList(queue), keys.handoffMarker(queue, 't', takeId)};
    CompletableFuture<Taken> result = new CompletableFuture<>();
    settle(() -> takeOnce(queue, takeId), result, "take from " + queue);
    // the marker is only needed while the answer may be lost; without waiting for the reply
    return result.whenComplete(
        (v, failure) -> {
          if (v != null && v.payload() != null) {
            connection.call(() -> connection.commands().unlink(k[1]));
          }
        });
  }

  /**
   * Runs {@code attempt} until it answers, repeating it after failures (it must be safe to repeat)
   * with a growing pause, and completes {@code result} with its answer; fails {@code result} when
   * the store closes or {@link #GIVE_UP} has passed.
   */
  private <T> void settle(
      Supplier<CompletableFuture<T>> attempt, CompletableFuture<T> result, String what) {
    long deadline = System.nanoTime() + GIVE_UP.toNanos();
    settle(attempt, result, what, deadline, RETRY_FIRST.toMillis());
  }

  private <T> void settle(
      Supplier<CompletableFuture<T>> attempt,
      CompletableFuture<T> result,
      String what,
      long deadline,
      long pauseMillis) {
    attempt
        .get()
        .whenComplete(
            (v, failure) -> {
              if (failure == null) {
                result.complete(v);
                return;
              }
              if (connection.isClosed() || System.nanoTime() > deadline) {
                log.error(
                    "{}: Redis did not answer in time; a task may be lost: {}",
                    what,
                    describe(failure));
                result.completeExceptionally(failure);
                return;
              }
              try {
                thread.schedule(
                    () ->
                        settle(
                            attempt,
                            result,
                            what,
                            deadline,
                            Math.min(pauseMillis * 2, RETRY_MAX.toMillis())),
                    pauseMillis,
                    TimeUnit.MILLISECONDS);
              } catch (RejectedExecutionException e) {
                result.completeExceptionally(failure);
              }
            });
  }

  /** Lettuce refused the command while disconnected: it never reached Redis. */
  private static boolean neverSent(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      // refused before sending; the same message with a cause is a sent command failing at close
      if (t instanceof IllegalStateException
          && "store closed".equals(t.getMessage())
          && t.getCause() == null) {
        return true;
      }
      if (String.valueOf(t.getMessage()).contains("Commands are rejected")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public AutoCloseable subscribe(Consumer<String> listener) {
    requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void leave() {
    if (!joined) {
      return;
    }
    joined = false;
    beat()
        .exceptionally(
            e -> {
              log.debug("leaving the replica set failed; the entry expires: {}", describe(e));
              return null;
            });
  }

  @Override
  public void close() {
    connection.close();
  }

  /** When the connection closes: leave, no more deliveries. */
  private void stop() {
    listeners.clear();
    if (joined) {
      joined = false;
      try {
        CompletableFuture<Long> left = beat();
        if (!RedisConnection.onEventLoop()) {
          left.get(connection.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
      } catch (Exception e) {
        log.debug("leaving the replica set failed; the entry expires: {}", describe(e));
      }
    }
    thread.shutdownNow();
  }

  @Override
  public String toString() {
    return connection + " handoff " + self;
  }
}
