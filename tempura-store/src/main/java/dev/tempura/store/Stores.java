package dev.tempura.store;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.embedded.EmbeddedWriter;
import dev.tempura.store.redis.RedisConnection;
import dev.tempura.store.redis.RedisStoreOptions;
import java.nio.file.Path;

/**
 * The two stores a proxy runs on, its {@link #mappings()} and its {@link #topology()}, over what
 * they share: the embedded store's file and writer thread, or one Redis connection. {@link
 * #close()} closes that, and so both stores, once; closing {@link #mappings()} does the same.
 *
 * <p>Open them with {@link #open(String, Path)} from what {@code tempura serve --store} accepts, or
 * with {@link #embedded}, {@link #inMemory} or {@link #redis} directly.
 */
public final class Stores implements AutoCloseable {
  /** The {@code --store} value of the embedded store. */
  public static final String EMBEDDED = "embedded";

  private final MappingStore mappings;
  private final TopologyStore topology;
  private final ProgressStore progress;
  private final TaskHandoff handoff;
  private final Runnable close;

  /**
   * Stores over a shared resource that {@code close} releases; it must be idempotent, as closing
   * {@code mappings} runs it too. For store implementations and tests.
   */
  public Stores(
      MappingStore mappings, TopologyStore topology, ProgressStore progress, Runnable close) {
    this(mappings, topology, progress, TaskHandoff.NONE, close);
  }

  /** As above, with a {@link TaskHandoff} between replicas that {@code close} closes too. */
  public Stores(
      MappingStore mappings,
      TopologyStore topology,
      ProgressStore progress,
      TaskHandoff handoff,
      Runnable close) {
    this.mappings = requireNonNull(mappings, "mappings");
    this.topology = requireNonNull(topology, "topology");
    this.progress = requireNonNull(progress, "progress");
    this.handoff = requireNonNull(handoff, "handoff");
    this.close = requireNonNull(close, "close");
  }

  /**
   * Opens the stores {@code store} names, as {@code tempura serve --store} takes it: {@value
   * #EMBEDDED} for the embedded store in {@code dataDir}, else a Redis URI ({@code redis://},
   * {@code rediss://}, {@code redis-cluster://}, {@code rediss-cluster://}; see {@link
   * RedisStoreOptions}) with the default options. Blocks until they are open.
   *
   * @throws IllegalArgumentException when {@code store} is neither
   * @throws StoreUnavailableException when Redis cannot be reached
   */
  public static Stores open(String store, Path dataDir) {
    requireNonNull(store, "store");
    if (store.equals(EMBEDDED)) {
      return embedded(requireNonNull(dataDir, "dataDir"));
    }
    return redis(RedisStoreOptions.builder(store).build());
  }

  /**
   * The embedded store on the file {@code tempura.mv} in {@code directory}, creating both if
   * needed; for a single proxy process. Only one store can have the file open at a time.
   */
  public static Stores embedded(Path directory) {
    return EmbeddedWriter.open(directory);
  }

  /** An embedded store that keeps everything in memory and loses it on close; for tests. */
  public static Stores inMemory() {
    return EmbeddedWriter.inMemory();
  }

  /**
   * Redis, standalone or Redis Cluster, shared by every proxy replica that connects with the same
   * key prefix. Connects now, and fails with {@link StoreUnavailableException} if Redis cannot be
   * reached within the command timeout or refuses the credentials. Blocks, so call it at startup.
   */
  public static Stores redis(RedisStoreOptions options) {
    return RedisConnection.connect(options);
  }

  /** The workflow mappings. */
  public MappingStore mappings() {
    return mappings;
  }

  /** The topology. */
  public TopologyStore topology() {
    return topology;
  }

  /** Progress records of Tempura's own long-running work (onboarding imports). */
  public ProgressStore progress() {
    return progress;
  }

  /**
   * Worker tasks handed between replicas sharing the store; {@link TaskHandoff#NONE} for the
   * embedded store, which serves one process.
   */
  public TaskHandoff handoff() {
    return handoff;
  }

  /**
   * Closes what both stores share, once: later calls to either fail with {@code
   * IllegalStateException("store closed")}. Further calls do nothing.
   */
  @Override
  public void close() {
    close.run();
  }

  /** The store as its log lines name it, e.g. {@code EmbeddedStore[/data/tempura.mv]}. */
  @Override
  public String toString() {
    return mappings.toString();
  }
}
