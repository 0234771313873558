package dev.tempura.store.redis;

import static dev.tempura.store.redis.RedisConnection.describe;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.TopologyJson;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.redis.RedisConnection.Script;
import dev.tempura.topology.Topology;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology in Redis, standalone or Redis Cluster, shared by every proxy replica that connects
 * with the same key prefix. Opened with the mappings by {@link dev.tempura.store.Stores#redis}; see
 * {@link RedisConnection} for connections, failures and threads.
 *
 * <h2>Key layout</h2>
 *
 * <p>The topology is the hash {@code <prefix>topology} with fields {@code version} (decimal) and
 * {@code json} ({@link TopologyJson}). Each stored version is announced, as its decimal number, on
 * the pub/sub channel of the same name, {@code <prefix>topology}.
 *
 * <h2>Semantics</h2>
 *
 * <p>{@link #compareAndSet} is a Lua script on the hash, so it is atomic and takes one round trip
 * (EVALSHA, falling back to EVAL on NOSCRIPT). A Redis that restarts empty forgets the topology,
 * and its topology version starts again at 0.
 *
 * <p>Returned futures complete on Lettuce's event-loop threads; listeners run on one thread of the
 * store's own, {@code tempura-redis-topology}, in order, never on Lettuce's.
 */
public final class RedisTopology implements TopologyStore {
  // one logger for the whole Redis store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  // versions are compared as the decimal strings they are stored as; Lua numbers are doubles
  private static final Script COMPARE_AND_SET =
      new Script(
          """
          local stored = redis.call('HGET', KEYS[1], 'version') or '0'
          if stored ~= ARGV[1] then
            return 0
          end
          redis.call('HSET', KEYS[1], 'version', ARGV[2], 'json', ARGV[3])
          redis.call('PUBLISH', ARGV[4], ARGV[2])
          return 1
          """);

  private final RedisConnection connection;
  private final RedisKeys keys;
  private final RedisClusterAsyncCommands<String, String> commands;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final Duration pollInterval;

  private final ScheduledExecutorService topologyThread;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  // the newest version this store has loaded or stored: what a new subscriber has seen already
  private final AtomicLong newestSeenVersion = new AtomicLong();

  // owned by the topology thread
  private boolean refreshing;
  private boolean refreshAgain;
  private boolean pollFailing;
  // periodic polls that threw in a row, and when that was last logged
  private long pollThrew;
  private long pollThrewLoggedNanos;
  private final java.util.concurrent.atomic.AtomicLong pollFailures =
      new java.util.concurrent.atomic.AtomicLong();

  RedisTopology(RedisConnection connection, Duration pollInterval) {
    this.connection = connection;
    this.keys = connection.keys();
    this.commands = connection.commands();
    this.pubSub = connection.pubSub();
    this.pollInterval = pollInterval;
    this.topologyThread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tempura-redis-topology");
              // closing the store stops it; a forgotten close() must not keep the JVM alive
              t.setDaemon(true);
              return t;
            });
    connection.onClose(this::stop);
  }

  /** Subscribes to the announcements and starts polling; blocks until subscribed. */
  void start() {
    pubSub.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            if (channel.equals(keys.topologyChannel())) {
              onTopologyThread(RedisTopology.this::refresh);
            }
          }
        });
    // Lettuce subscribes again by itself after every reconnect
    pubSub.sync().subscribe(keys.topologyChannel());
    long poll = pollInterval.toNanos();
    topologyThread.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.NANOSECONDS);
  }

  /** When the connection closes: no more deliveries. */
  private void stop() {
    subscriptions.clear();
    topologyThread.shutdownNow();
  }

  @Override
  public CompletableFuture<Topology> load() {
    return connection.call(
        () -> commands.hgetall(keys.topologyKey()).thenApply(this::decodeTopology));
  }

  @Override
  public CompletableFuture<Long> storedVersion() {
    return connection.call(
        () ->
            commands
                .hget(keys.topologyKey(), "version")
                .thenApply(
                    v -> {
                      try {
                        return v == null ? 0L : Long.parseLong(v);
                      } catch (NumberFormatException e) {
                        return 0L;
                      }
                    }));
  }

  private Topology decodeTopology(Map<String, String> hash) {
    if (hash.isEmpty()) {
      return Topology.EMPTY;
    }
    String json = hash.get("json");
    if (json == null) {
      throw new IllegalStateException(
          "stored topology: hash " + keys.topologyKey() + " has no field json");
    }
    Topology topology = TopologyJson.decode(json);
    String version = hash.get("version");
    if (!String.valueOf(topology.version()).equals(version)) {
      throw new IllegalStateException(
          "stored topology: hash field version is "
              + version
              + " but its json has version "
              + topology.version());
    }
    newestSeenVersion.accumulateAndGet(topology.version(), Math::max);
    return topology;
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(Topology next) {
    requireNonNull(next, "next");
    String json = TopologyJson.encode(next);
    return connection.call(
        () ->
            connection
                .<Long>evaluate(
                    COMPARE_AND_SET,
                    ScriptOutputType.INTEGER,
                    keys.topologyKey(),
                    String.valueOf(next.version() - 1),
                    String.valueOf(next.version()),
                    json,
                    keys.topologyChannel())
                .thenApply(
                    stored -> {
                      if (stored != 1L) {
                        return false;
                      }
                      newestSeenVersion.accumulateAndGet(next.version(), Math::max);
                      // no need to wait for the announcement to come back for local listeners
                      onTopologyThread(() -> deliver(next));
                      return true;
                    }));
  }

  /**
   * Calls {@code listener} on the store's topology thread with each topology stored from now on by
   * any replica: it hears of a change through the pub/sub announcement, or through a reload every
   * {@link RedisStoreOptions#topologyPollInterval()} should the announcement be lost, as it is when
   * it comes while the connection is down. Only versions newer than the last one delivered are
   * delivered, so they come in increasing order, each once; one superseded before it was loaded is
   * skipped.
   *
   * <p>"From now on" means newer than any version this store has loaded or stored before the call.
   * So nothing another replica stores after this call returns is missed, and a caller that loaded
   * the topology first hears of nothing it has seen; a caller that never loaded hears of the stored
   * topology at once.
   */
  @Override
  public AutoCloseable subscribe(Consumer<Topology> listener) {
    requireNonNull(listener, "listener");
    if (connection.isClosed()) {
      throw new IllegalStateException("store closed");
    }
    Subscription subscription = new Subscription(listener, newestSeenVersion.get());
    subscriptions.add(subscription);
    onTopologyThread(this::refresh);
    return subscription;
  }

  private final class Subscription implements AutoCloseable {
    private final Consumer<Topology> listener;
    // the version last delivered, at first the baseline; owned by the topology thread after the
    // subscription is published to it through the concurrent set
    private long delivered;
    private volatile boolean closed;

    Subscription(Consumer<Topology> listener, long baseline) {
      this.listener = listener;
      this.delivered = baseline;
    }

    @Override
    public void close() {
      closed = true;
      subscriptions.remove(this);
    }
  }

  /**
   * The periodic reload. Whatever it throws is caught here, since an exception would cancel the
   * periodic task for good, silently: the first of a streak is logged with its stack trace, the
   * rest counted ({@link #topologyPollFailures()}) and logged as one line at most once a minute.
   * tempura-proxy's {@code Scheduling} does the same for the proxy's own periodic tasks.
   */
  private void poll() {
    try {
      refresh();
    } catch (Throwable e) {
      pollFailures.incrementAndGet();
      long now = System.nanoTime();
      if (pollThrew++ == 0) {
        pollThrewLoggedNanos = now;
        log.warn(
            "{}: topology poll failed; it runs again every {}, further failures are counted",
            this,
            pollInterval,
            e);
      } else if (now - pollThrewLoggedNanos >= java.util.concurrent.TimeUnit.MINUTES.toNanos(1)) {
        pollThrewLoggedNanos = now;
        log.warn(
            "{}: topology poll failed again, {} times in a row: {}",
            this,
            pollThrew,
            String.valueOf(e).replaceAll("\\s*[\\r\\n]+\\s*", " "));
      }
      return;
    }
    if (pollThrew > 0) {
      log.info("{}: topology poll runs again after failing {} times in a row", this, pollThrew);
      pollThrew = 0;
    }
  }

  /** Periodic topology polls that threw, in all; for tests and metrics. */
  public long topologyPollFailures() {
    return pollFailures.get();
  }

  /** Loads the topology and delivers it; coalesces requests while a load is out. */
  private void refresh() {
    if (connection.isClosed() || subscriptions.isEmpty()) {
      return;
    }
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    load()
        .whenComplete(
            (topology, failure) ->
                onTopologyThread(
                    () -> {
                      refreshing = false;
                      if (failure == null) {
                        if (pollFailing) {
                          pollFailing = false;
                          log.info("{}: loading the topology works again", this);
                        }
                        deliver(topology);
                      } else if (!pollFailing) {
                        pollFailing = true;
                        log.warn(
                            "{}: loading the topology failed; retrying every {}: {}",
                            this,
                            pollInterval,
                            describe(failure));
                      }
                      if (refreshAgain) {
                        refreshAgain = false;
                        refresh();
                      }
                    }));
  }

  private void deliver(Topology topology) {
    for (Subscription s : subscriptions) {
      if (s.closed || topology.version() <= s.delivered) {
        continue;
      }
      s.delivered = topology.version();
      try {
        s.listener.accept(topology);
      } catch (RuntimeException e) {
        log.warn("{}: topology listener failed on version {}", this, topology.version(), e);
      }
    }
  }

  private void onTopologyThread(Runnable task) {
    try {
      topologyThread.execute(
          () -> {
            try {
              task.run();
            } catch (RuntimeException e) {
              log.warn("{}: topology task failed", this, e);
            }
          });
    } catch (RejectedExecutionException e) {
      // closed: nothing is delivered any more
    }
  }

  @Override
  public String toString() {
    return connection.toString();
  }
}
