package dev.tempura.store.embedded;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.TopologyJson;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.Topology;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The topology in the embedded store's MVStore file, as JSON ({@link TopologyJson}) under the key
 * {@code topology} of its {@code meta} map ({@link EmbeddedFile}). Every operation runs on the
 * file's one writer thread and completes once it is durable ({@link EmbeddedWriter}). Opened with
 * the mappings by {@link dev.tempura.store.Stores#embedded}.
 *
 * <p>A stored topology that cannot be read does not stop the store from opening, so that an offline
 * apply can repair it: {@link #load} fails then, while {@link #storedVersion} still answers the
 * stored version and {@link #compareAndSet} can write the next one over it.
 */
public final class EmbeddedTopology implements TopologyStore {
  // one logger for the whole embedded store, whichever of its classes logs
  private static final Logger log = LoggerFactory.getLogger(EmbeddedStore.class);

  private static final String META_TOPOLOGY = "topology";

  private final EmbeddedWriter writer;
  // touched in the bodies submitted to the writer only
  private final EmbeddedFile file;
  private final String name;
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();

  // owned by the writer thread (set before it starts)
  private Topology storedTopology;

  /** The stored version; readable even when the stored topology is not. */
  private long storedVersion;

  /** Why the stored topology cannot be read, or null when it can. */
  private String unreadableTopology;

  /** Reads the stored topology; before the writer starts, which then owns what was read. */
  EmbeddedTopology(EmbeddedWriter writer, EmbeddedFile file) {
    this.writer = writer;
    this.file = file;
    this.name = file.name();
    String json = file.meta(META_TOPOLOGY);
    try {
      this.storedTopology = json == null ? Topology.EMPTY : TopologyJson.decode(json);
      this.storedVersion = storedTopology.version();
    } catch (IllegalArgumentException unreadable) {
      // opened all the same, so that an offline apply can repair it; load() refuses
      this.unreadableTopology = unreadable.getMessage();
      this.storedVersion = TopologyJson.versionHint(json);
    }
  }

  @Override
  public CompletableFuture<Topology> load() {
    return writer.submit(
        () -> {
          if (unreadableTopology != null) {
            throw new IllegalStateException(
                name
                    + ": "
                    + unreadableTopology
                    + "; repair it offline with 'tempura topology"
                    + " apply -f FILE --data-dir DIR --force'");
          }
          return storedTopology;
        });
  }

  @Override
  public CompletableFuture<Long> storedVersion() {
    return writer.submit(() -> storedVersion);
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(Topology next) {
    requireNonNull(next, "next");
    return writer.submit(
        () -> {
          if (storedVersion != next.version() - 1) {
            return false;
          }
          file.putMeta(META_TOPOLOGY, TopologyJson.encode(next));
          storedTopology = next;
          storedVersion = next.version();
          unreadableTopology = null;
          writer.afterCommit(() -> publish(next));
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

  private void publish(Topology t) {
    for (Subscription s : subscriptions) {
      try {
        s.listener.accept(t);
      } catch (RuntimeException e) {
        log.warn("{}: topology listener failed on version {}", name, t.version(), e);
      }
    }
  }

  @Override
  public String toString() {
    return writer.toString();
  }
}
