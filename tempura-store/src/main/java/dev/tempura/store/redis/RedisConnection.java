package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import dev.tempura.store.StoreUnavailableException;
import dev.tempura.store.Stores;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ClientOptions.DisconnectedBehavior;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
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
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode.NodeFlag;
import io.lettuce.core.codec.StringCodec;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * The Redis store's connections, standalone or Redis Cluster, shared by its mappings ({@link
 * RedisStore}) and its topology ({@link RedisTopology}); {@link #connect} opens them and returns
 * the two as one {@link Stores}, whose close closes the connections once. Callers use {@link
 * Stores#redis}.
 *
 * <h2>Connections and failures</h2>
 *
 * <p>The store keeps one multiplexed connection (in a cluster, one per node, managed by Lettuce)
 * for all commands, which pipelines calls from every thread, and one pub/sub connection. While
 * Redis cannot be reached, calls fail at once with {@link StoreUnavailableException} instead of
 * queueing, and Lettuce reconnects in the background (retrying at least once a second); a command
 * that gets no answer fails after the command timeout. In a cluster, the slot map is refreshed
 * every 30 seconds and whenever Redis redirects a command or a connection drops, and {@link
 * RedisStore#scan} walks the masters one after the other with a cursor that carries its place, so
 * no walk state is kept in the store.
 *
 * <p>Scripts run with EVALSHA and fall back to EVAL when the server answers NOSCRIPT, as it does
 * after a restart or, in a cluster, on a replica promoted since, as each node has its own script
 * cache.
 *
 * <h2>Threads</h2>
 *
 * <p>Returned futures complete on Lettuce's event-loop threads: continuations must be short and
 * must never block on this store. Topology listeners run on one thread of the store's own, in
 * order, never on Lettuce's.
 */
public final class RedisConnection {
  // one logger for the whole Redis store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(RedisStore.class);

  private static final int CLUSTER_REFRESH_SECONDS = 30;
  private static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  private final RedisEndpoint endpoint;
  private final long commandTimeoutMillis;
  private final RedisKeys keys;
  private final ClientResources resources;
  private final AbstractRedisClient client;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterAsyncCommands<String, String> commands;
  // null on standalone Redis
  private final StatefulRedisClusterConnection<String, String> clusterConnection;
  private final StatefulRedisPubSubConnection<String, String> pubSub;
  // cluster only: opens connections to new masters when the topology changes
  private volatile Disposable clusterEvents;
  // what the stores on this connection stop when it closes, before the connections close
  private final List<Runnable> onClose = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private boolean closing;

  private RedisConnection(
      RedisStoreOptions options,
      ClientResources resources,
      AbstractRedisClient client,
      StatefulConnection<String, String> connection,
      RedisClusterAsyncCommands<String, String> commands,
      StatefulRedisClusterConnection<String, String> clusterConnection,
      StatefulRedisPubSubConnection<String, String> pubSub) {
    this.endpoint = options.endpoint();
    this.commandTimeoutMillis = options.commandTimeout().toMillis();
    this.keys = new RedisKeys(options.keyPrefix());
    this.resources = resources;
    this.client = client;
    this.connection = connection;
    this.commands = commands;
    this.clusterConnection = clusterConnection;
    this.pubSub = pubSub;
  }

  /**
   * Connects to Redis now, and answers the mappings and the topology on the connection; fails with
   * {@link StoreUnavailableException} if Redis cannot be reached within the command timeout or
   * refuses the credentials. Blocks, so call it at startup. Callers use {@link Stores#redis}.
   */
  public static Stores connect(RedisStoreOptions options) {
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
    RedisConnection shared = null;
    try {
      if (endpoint.cluster()) {
        RedisClusterClient cluster =
            RedisClusterClient.create(resources, endpoint.redisUris(timeout));
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
        shared =
            new RedisConnection(
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
        shared =
            new RedisConnection(
                options, resources, client, connection, standalone.async(), null, pubSub);
      }
      shared.start();
      RedisTopology topology = new RedisTopology(shared, options.topologyPollInterval());
      topology.start();
      RedisHandoff handoff = new RedisHandoff(shared);
      handoff.start();
      return new Stores(
          new RedisStore(shared), topology, new RedisProgress(shared), handoff, shared::close);
    } catch (RuntimeException e) {
      if (shared != null) {
        shared.close();
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
  }

  // ---- for the stores on this connection

  RedisKeys keys() {
    return keys;
  }

  RedisClusterAsyncCommands<String, String> commands() {
    return commands;
  }

  /** The cluster connection, or null on standalone Redis. */
  StatefulRedisClusterConnection<String, String> clusterConnection() {
    return clusterConnection;
  }

  StatefulRedisPubSubConnection<String, String> pubSub() {
    return pubSub;
  }

  boolean isClosed() {
    return closed;
  }

  long commandTimeoutMillis() {
    return commandTimeoutMillis;
  }

  /** Whether this thread is one of Lettuce's event loops, which must never wait for Redis. */
  static boolean onEventLoop() {
    return Thread.currentThread() instanceof FastThreadLocalThread;
  }

  /** Runs {@code action} when the connection closes, before the connections do. */
  void onClose(Runnable action) {
    onClose.add(action);
  }

  // ---- commands

  <T> CompletionStage<T> evaluate(
      Script script, ScriptOutputType type, String key, String... args) {
    return evaluate(script, type, new String[] {key}, args);
  }

  /** A script on several keys; in a cluster they must share a slot (a hash tag). */
  <T> CompletionStage<T> evaluate(
      Script script, ScriptOutputType type, String[] scriptKeys, String... args) {
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
  <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> command) {
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

  static String describe(Throwable t) {
    Throwable cause = unwrap(t);
    String message = String.valueOf(cause.getMessage());
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == cause ? message : message + " (" + root.getMessage() + ")";
  }

  // ---- lifecycle

  /**
   * Stops the topology thread, closes the connections and releases Lettuce's threads. Later calls
   * fail with {@code IllegalStateException("store closed")}. Called on a Lettuce thread, from a
   * continuation, it returns without waiting for those threads to end.
   */
  void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
    }
    // before the commands stop: a store may still say goodbye (the handoff leaves the replica set)
    for (Runnable action : onClose) {
      action.run();
    }
    closed = true;
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
  record Script(String body, String sha) {
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
