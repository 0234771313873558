package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.TopologyJson;
import dev.tempura.store.TopologyStore;
import dev.tempura.store.redis.RedisKeys.ScanPosition;
import dev.tempura.topology.Topology;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.event.ClusterTopologyChangedEvent;
import io.lettuce.core.cluster.models.partitions.Partitions;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * Mappings and topology in Redis, standalone or Redis Cluster, shared by every proxy replica that
 * connects with the same key prefix.
 *
 * <h2>Key layout</h2>
 *
 * <ul>
 *   <li>A mapping is the string key {@code <prefix>wf:<n>:<virtual namespace>:<workflow id>}, where
 *       {@code n} is the length of the virtual namespace in UTF-8 bytes, for example {@code
 *       tempura:wf:6:orders:order-42}; the length keeps keys unambiguous whatever characters the
 *       names contain. The value is the physical namespace id; the mapping's TTL is the key's own
 *       Redis TTL. Every command and script on a mapping touches that one key, so mappings need no
 *       hash tag and spread over all slots of a cluster.
 *   <li>The topology is the hash {@code <prefix>topology} with fields {@code version} (decimal) and
 *       {@code json} ({@link TopologyJson}). Each stored version is announced, as its decimal
 *       number, on the pub/sub channel of the same name, {@code <prefix>topology}.
 * </ul>
 *
 * <h2>Semantics</h2>
 *
 * <p>{@link #putIfAbsent}, {@link #persist} and {@link #compareAndSet} are Lua scripts on their one
 * key, so each is atomic and takes one round trip. They run with EVALSHA and fall back to EVAL when
 * the server answers NOSCRIPT, as it does after a restart or, in a cluster, on a replica promoted
 * since, as each node has its own script cache. {@link #persist} answers {@code true} for any live
 * mapping, like the embedded store, where Redis PERSIST answers 0 when there was no TTL to remove.
 * {@link #putIfAbsent} leaves the TTL of a mapping it finds, and creates one without. TTLs are
 * Redis's own, in milliseconds; one too large for Redis is capped at 2<sup>62</sup> ms (146 million
 * years).
 *
 * <p>Mappings are durable only as far as Redis is: run it with persistence (AOF) and replicas. A
 * Redis that restarts empty forgets every mapping and the topology, and its topology version starts
 * again at 0.
 *
 * <h2>Connections and failures</h2>
 *
 * <p>The store keeps one multiplexed connection (in a cluster, one per node, managed by Lettuce)
 * for all commands, which pipelines calls from every thread, and one pub/sub connection. While
 * Redis cannot be reached, calls fail at once with {@link StoreUnavailableException} instead of
 * queueing, and Lettuce reconnects in the background (retrying at least once a second); a command
 * that gets no answer fails after the command timeout. In a cluster, the slot map is refreshed
 * every 30 seconds and whenever Redis redirects a command or a connection drops, and {@link #scan}
 * walks the masters one after the other with a cursor that carries its place, so no walk state is
 * kept in the store.
 *
 * <h2>Threads</h2>
 *
 * <p>Returned futures complete on Lettuce's event-loop threads: continuations must be short and
 * must never block on this store. Topology listeners run on one thread of the store's own, in
 * order, never on Lettuce's.
 */
public final class RedisStore implements MappingStore, TopologyStore {
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  // far beyond any real TTL, and far enough from overflow when Redis adds it to its clock
  private static final long MAX_TTL_MILLIS = Long.MAX_VALUE / 2;
  private static final int CLUSTER_REFRESH_SECONDS = 30;
  private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

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

  private final RedisEndpoint endpoint;
  private final RedisKeys keys;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> commands;
  // null on standalone Redis
  private final StatefulRedisClusterConnection<String, String> clusterConnection;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  private final Duration pollInterval;
  // cluster only: opens connections to new masters when the topology changes
  private volatile Disposable clusterEvents;

  private final ScheduledExecutorService topologyThread;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  // the newest version this store has loaded or stored: what a new subscriber has seen already
  private final AtomicLong newestSeenVersion = new AtomicLong();
  private volatile boolean closed;

  // owned by the topology thread
  private boolean refreshing;
  private boolean refreshAgain;
  private boolean pollFailing;
  // periodic polls that threw in a row, and when that was last logged
  private long pollThrew;
  private long pollThrewLoggedNanos;
  private final AtomicLong pollFailures = new AtomicLong();

  private RedisStore(
      RedisStoreOptions options,
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> commands,
      StatefulRedisClusterConnection<String, String> clusterConnection,
      StatefulRedisPubSubConnection<String, String> pubSub) {
    this.endpoint = options.endpoint();
    this.keys = new RedisKeys(options.keyPrefix());
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.clusterConnection = clusterConnection;
    this.pubSub = pubSub;
    this.pollInterval = options.topologyPollInterval();
    this.topologyThread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tempura-redis-topology");
              // closing the store stops it; a forgotten close() must not keep the JVM alive
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Connects to Redis now, and fails with {@link StoreUnavailableException} if it cannot be reached
   * within the command timeout or refuses the credentials. Blocks, so call it at startup.
   */
  public static RedisStore connect(RedisStoreOptions options) {
    requireNonNull(options, "options");
    RedisEndpoint endpoint = options.endpoint();
    Duration timeout = options.commandTimeout();
    ClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(Duration.ZERO, MAX_RECONNECT_DELAY, 2, TimeUnit.MILLISECONDS))
            .build();
    SocketOptions socketOptions =
        SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build();
    AbstractRedisClient client = null;
    StatefulConnection<String, String> connection = null;
    StatefulRedisPubSubConnection<String, String> pubSub = null;
    RedisStore store = null;
    try {
      if (endpoint.cluster()) {
        RedisClusterClient cluster = RedisClusterClient.create(resources, endpoint.redisUris(timeout));
        client = cluster;
        cluster.setOptions(
            ClusterClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socketOptions)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .topologyRefreshOptions(
                    // every adaptive trigger (redirects, reconnects, uncovered slots, unknown
                    // nodes) is on by default since Lettuce 7, which deprecated enabling them
                    ClusterTopologyRefreshOptions.builder()
                        .enablePeriodicRefresh(Duration.ofSeconds(CLUSTER_REFRESH_SECONDS))
                        .build())
                .build());
        StatefulRedisClusterConnection<String, String> clusterConnection =
            cluster.connect(StringCodec.UTF8);
        connection = clusterConnection;
        connectToMasters(clusterConnection, timeout);
        pubSub = cluster.connectPubSub(StringCodec.UTF8);
        store =
            new RedisStore(
                options,
                resources,
                client,
                connection,
                clusterConnection.async(),
                clusterConnection,
                pubSub);
      } else {
        RedisClient redis = RedisClient.create(resources);
        client = redis;
        redis.setOptions(
            ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(socketOptions)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        RedisURI uri = endpoint.redisUris(timeout).get(0);
        StatefulRedisConnection<String, String> standalone = redis.connect(StringCodec.UTF8, uri);
        connection = standalone;
        pubSub = redis.connectPubSub(StringCodec.UTF8, uri);
        store =
            new RedisStore(
                options, resources, client, connection, standalone.async(), null, pubSub);
      }
      store.start();
      return store;
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      } else {
        closeQuietly(pubSub);
        closeQuietly(connection);
        shutDown(client, resources, true);
      }
      if (e instanceof RedisException) {
        throw new StoreUnavailableException(
            "Redis is unavailable at " + endpoint + ": " + describe(e), e);
      }
      throw e;
    }
  }

  /**
   * Opens the connection to every master now. Lettuce opens a node's connection on the first
   * command for it and, with commands rejected while disconnected, fails the commands that come
   * while it is being opened; so the store opens them at startup and whenever the cluster's
   * topology changes, rather than fail the first calls for each master.
   */
  private static void connectToMasters(
      StatefulRedisClusterConnection<String, String> cluster, Duration timeout) {
    List<CompletableFuture<?>> connecting = new ArrayList<>();
    for (RedisClusterNode node : cluster.getPartitions()) {
      if (node.is(NodeFlag.UPSTREAM) && !node.hasNoSlots()) {
        RedisURI uri = node.getUri();
        connecting.add(
            cluster
                .getConnectionAsync(uri.getHost(), uri.getPort())
                .whenComplete(
                    (c, failure) -> {
                      if (failure != null) {
                        log.warn(
                            "cannot connect to the Redis master at {}:{}; calls for its slots"
                                + " fail until it is back: {}",
                            uri.getHost(),
                            uri.getPort(),
                            describe(failure));
                      }
                    }));
      }
    }
    if (timeout == null) {
      return;
    }
    try {
      CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // logged per master above; the masters that answered serve their slots
    }
  }

  private void start() {
    if (clusterConnection != null) {
      clusterEvents =
          resources
              .eventBus()
              .get()
              .filter(event -> event instanceof ClusterTopologyChangedEvent)
              .subscribe(
                  event -> {
                    try {
                      connectToMasters(clusterConnection, null);
                    } catch (RuntimeException e) {
                      // an exception would end the subscription for good
                      log.warn("{}: connecting to new masters failed", this, e);
                    }
                  });
    }
    pubSub.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            if (channel.equals(keys.topologyChannel())) {
              onTopologyThread(RedisStore.this::refresh);
            }
          }
        });
    // Lettuce subscribes again by itself after every reconnect
    pubSub.sync().subscribe(keys.topologyChannel());
    long poll = pollInterval.toNanos();
    topologyThread.scheduleWithFixedDelay(this::poll, poll, poll, TimeUnit.NANOSECONDS);
  }

  // ---- MappingStore

  @Override
  public CompletableFuture<String> putIfAbsent(MappingKey key, String physicalId) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    requireNonNull(physicalId, "physicalId");
    return call(() -> evaluate(PUT_IF_ABSENT, ScriptOutputType.VALUE, k, physicalId));
  }

  @Override
  public CompletableFuture<String> get(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return call(() -> commands.get(k));
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
    return call(() -> commands.pexpire(k, millis));
  }

  /** Answers {@code true} for any live mapping, whether or not it had a TTL; see the class doc. */
  @Override
  public CompletableFuture<Boolean> persist(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return call(
        () ->
            this.<Long>evaluate(PERSIST, ScriptOutputType.INTEGER, k)
                .thenApply(persisted -> persisted == 1L));
  }

  @Override
  public CompletableFuture<Long> ttlMillis(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return call(() -> commands.pttl(k));
  }

  @Override
  public CompletableFuture<Boolean> delete(MappingKey key) {
    String k = keys.mappingKey(requireNonNull(key, "key"));
    return call(() -> commands.del(k).thenApply(deleted -> deleted > 0));
  }

  /**
   * One SCAN step over the mapping keys, then their values and TTLs in one pipelined batch.
   * {@code count} is SCAN's COUNT: how much of the keyspace one page looks at, so a page may hold
   * a few more mappings than that, or none before the walk ends. In a cluster the walk visits the
   * masters one after the other, in the order of the lowest slot each serves; the cursor names that
   * slot and the SCAN cursor on its master, so it is a plain string that any store of the same
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
    return call(() -> scanKeys(from, count).thenCompose(this::fetchEntries));
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

  // ---- TopologyStore

  @Override
  public CompletableFuture<Topology> load() {
    return call(() -> commands.hgetall(keys.topologyKey()).thenApply(this::decodeTopology));
  }

  @Override
  public CompletableFuture<Long> storedVersion() {
    return call(
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
    return call(
        () ->
            this.<Long>evaluate(
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
    if (closed) {
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
        log.warn("{}: topology poll failed; it runs again every {}, further failures are counted", this, pollInterval, e);
      } else if (now - pollThrewLoggedNanos >= TimeUnit.MINUTES.toNanos(1)) {
        pollThrewLoggedNanos = now;
        log.warn("{}: topology poll failed again, {} times in a row: {}", this, pollThrew,
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
    if (closed || subscriptions.isEmpty()) {
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

  // ---- commands

  private <T> CompletionStage<T> evaluate(
      Script script, ScriptOutputType type, String key, String... args) {
    String[] scriptKeys = {key};
    CompletionStage<T> first = commands.evalsha(script.sha(), type, scriptKeys, args);
    return first.exceptionallyCompose(
        failure ->
            unwrap(failure) instanceof RedisNoScriptException
                ? commands.<T>eval(script.body(), type, scriptKeys, args)
                : CompletableFuture.failedStage(failure));
  }

  /**
   * Runs a command and answers with a future of the store's own, so that callers cannot cancel or
   * complete Lettuce's, with failures translated: unreachable Redis into {@link
   * StoreUnavailableException}, a closed store into {@code IllegalStateException("store closed")}.
   */
  private <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> command) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("store closed"));
    }
    CompletionStage<T> stage;
    try {
      stage = command.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(translate(e));
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            result.complete(value);
          } else {
            result.completeExceptionally(translate(failure));
          }
        });
    return result;
  }

  private Throwable translate(Throwable failure) {
    Throwable cause = unwrap(failure);
    if (closed) {
      return new IllegalStateException("store closed", cause);
    }
    if (isUnavailability(cause)) {
      return new StoreUnavailableException(
          "Redis is unavailable at " + endpoint + ": " + cause.getMessage(), cause);
    }
    return cause;
  }

  private static boolean isUnavailability(Throwable t) {
    if (t instanceof RedisCommandExecutionException) {
      // error replies that mean "not now" rather than "not this"
      String m = String.valueOf(t.getMessage());
      return m.startsWith("LOADING")
          || m.startsWith("BUSY")
          || m.startsWith("CLUSTERDOWN")
          || m.startsWith("MASTERDOWN")
          || m.startsWith("TRYAGAIN")
          || m.startsWith("READONLY");
    }
    // not connected, connection lost, command timed out
    return t instanceof RedisException || t instanceof IOException || t instanceof TimeoutException;
  }

  private static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(Throwable t) {
    Throwable cause = unwrap(t);
    String message = String.valueOf(cause.getMessage());
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == cause ? message : message + " (" + root.getMessage() + ")";
  }

  private static long ceilMillis(Duration ttl) {
    try {
      long millis = ttl.toMillis();
      return ttl.equals(Duration.ofMillis(millis)) ? millis : millis + 1;
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  // ---- lifecycle

  /**
   * Stops the topology thread, closes the connections and releases Lettuce's threads. Later calls
   * fail with {@code IllegalStateException("store closed")}. Called on a Lettuce thread, from a
   * continuation, it returns without waiting for those threads to end.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    subscriptions.clear();
    topologyThread.shutdownNow();
    Disposable events = clusterEvents;
    if (events != null) {
      events.dispose();
    }
    closeQuietly(pubSub);
    closeQuietly(connection);
    // waiting on an event loop for the event loops to end would wait for itself
    shutDown(client, resources, !(Thread.currentThread() instanceof FastThreadLocalThread));
  }

  private static void closeQuietly(StatefulConnection<?, ?> c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (RuntimeException e) {
      log.debug("closing a Redis connection failed", e);
    }
  }

  private static void shutDown(
      AbstractRedisClient client, ClientResources resources, boolean wait) {
    long timeoutMillis = SHUTDOWN_TIMEOUT.toMillis();
    CompletableFuture<Void> clientDown =
        client == null
            ? CompletableFuture.completedFuture(null)
            : client.shutdownAsync(0, timeoutMillis, TimeUnit.MILLISECONDS);
    CompletableFuture<Void> down =
        clientDown
            .exceptionally(e -> null)
            .thenCompose(
                ignored -> {
                  CompletableFuture<Void> released = new CompletableFuture<>();
                  resources
                      .shutdown(0, timeoutMillis, TimeUnit.MILLISECONDS)
                      .addListener(f -> released.complete(null));
                  return released;
                });
    if (!wait) {
      return;
    }
    try {
      down.get(2 * timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("shutting down the Redis client did not finish", e);
    }
  }

  @Override
  public String toString() {
    return "RedisStore[" + endpoint + ", " + keys.topologyKey() + "]";
  }

  /** A Lua script and its SHA-1, the name EVALSHA knows it by. */
  private record Script(String body, String sha) {
    Script(String body) {
      this(body, sha1(body));
    }

    private static String sha1(String body) {
      try {
        return HexFormat.of()
            .formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JVM has SHA-1", e);
      }
    }
  }
}
