package dev.tempura.store;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What every {@link TopologyStore} must do; a subclass supplies a fresh, empty store per test. */
@Timeout(60)
public abstract class TopologyStoreContract {
  /** How soon a subscriber hears of a stored topology. */
  protected static final Duration NOTIFICATION_DEADLINE = Duration.ofSeconds(1);

  protected static final Topology V1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
  protected static final Topology V2 =
      V1.with(
          VirtualNamespace.empty("orders")
              .with(
                  new PhysicalNamespace(
                      "orders-1",
                      ClusterAddress.parse("a:7233"),
                      PhysicalNamespaceStatus.ACTIVE,
                      2))
              .with(
                  new PhysicalNamespace(
                      "orders-1",
                      ClusterAddress.parse("b:7233"),
                      PhysicalNamespaceStatus.CORDONED,
                      0)));
  protected static final Topology V3 = V2.with(VirtualNamespace.empty("payments"));

  protected TopologyStore store;

  /** A store that holds no topology and shares none with the stores of other tests. */
  protected abstract TopologyStore openStore();

  @BeforeEach
  void openTheStore() {
    store = openStore();
  }

  @AfterEach
  void closeTheStore() throws Exception {
    if (store instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  protected static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void load_nothingStored_returnsEmpty() throws Exception {
    assertThat(answer(store.load())).isEqualTo(Topology.EMPTY);
  }

  @Test
  void compareAndSet_sequentialVersions_areStored() throws Exception {
    assertThat(answer(store.compareAndSet(V1))).isTrue();
    assertThat(answer(store.compareAndSet(V2))).isTrue();

    assertThat(answer(store.load())).isEqualTo(V2);
  }

  @Test
  void compareAndSet_staleVersion_isRefused() throws Exception {
    answer(store.compareAndSet(V1));
    Topology concurrentV1 = Topology.EMPTY.with(VirtualNamespace.empty("payments"));

    assertThat(answer(store.compareAndSet(concurrentV1))).isFalse();
    assertThat(answer(store.load())).isEqualTo(V1);
  }

  @Test
  void compareAndSet_skippedVersion_isRefused() throws Exception {
    assertThat(answer(store.compareAndSet(V2))).isFalse();
    assertThat(answer(store.load())).isEqualTo(Topology.EMPTY);
  }

  @Test
  void compareAndSet_versionZero_isRefused() throws Exception {
    assertThat(answer(store.compareAndSet(Topology.EMPTY))).isFalse();
  }

  @Test
  void compareAndSet_concurrentWritersOfOneVersion_exactlyOneWins() throws Exception {
    int writers = 10;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Topology> candidates = new ArrayList<>();
      List<Future<Boolean>> outcomes = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        Topology candidate = Topology.EMPTY.with(VirtualNamespace.empty("vns-" + i));
        candidates.add(candidate);
        outcomes.add(
            pool.submit(
                () -> {
                  start.await();
                  return store.compareAndSet(candidate).get(10, SECONDS);
                }));
      }
      start.countDown();

      List<Topology> winners = new ArrayList<>();
      for (int i = 0; i < writers; i++) {
        if (outcomes.get(i).get(10, SECONDS)) {
          winners.add(candidates.get(i));
        }
      }
      assertThat(winners).hasSize(1);
      assertThat(answer(store.load())).isEqualTo(winners.get(0));
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void subscribe_listenerHearsEachStoredTopology_promptlyOnceAndInOrder() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    store.subscribe(heard::add);

    answer(store.compareAndSet(V1));
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V1));
    answer(store.compareAndSet(V2));
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V2));

    assertThat(heard).containsExactly(V1, V2);
  }

  @Test
  void subscribe_refusedWrite_isNotHeard() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    store.subscribe(heard::add);

    answer(store.compareAndSet(V1));
    answer(store.compareAndSet(Topology.EMPTY.with(VirtualNamespace.empty("refused"))));
    answer(store.compareAndSet(V2));
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V2));

    assertThat(heard).containsExactly(V1, V2);
  }

  @Test
  void subscribe_doesNotReplayWhatWasStoredBefore() throws Exception {
    answer(store.compareAndSet(V1));
    List<Topology> heard = new CopyOnWriteArrayList<>();
    store.subscribe(heard::add);

    answer(store.compareAndSet(V2));
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V2));

    assertThat(heard).containsExactly(V2);
  }

  @Test
  void subscribe_closedHandle_hearsNothingMore() throws Exception {
    List<Topology> closed = new CopyOnWriteArrayList<>();
    List<Topology> open = new CopyOnWriteArrayList<>();
    AutoCloseable subscription = store.subscribe(closed::add);
    store.subscribe(open::add);
    answer(store.compareAndSet(V1));
    await().atMost(NOTIFICATION_DEADLINE).until(() -> closed.contains(V1) && open.contains(V1));

    subscription.close();
    answer(store.compareAndSet(V2));
    // the open listener hears of V2 in the same round that would have reached the closed one
    await().atMost(NOTIFICATION_DEADLINE).until(() -> open.contains(V2));

    assertThat(closed).containsExactly(V1);
  }

  @Test
  void subscribe_failingListener_doesNotStopOthersOrTheWrite() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    store.subscribe(
        t -> {
          throw new IllegalStateException("listener bug");
        });
    store.subscribe(heard::add);

    assertThat(answer(store.compareAndSet(V1))).isTrue();
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V1));
    assertThat(answer(store.compareAndSet(V2))).isTrue();
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(V2));

    assertThat(answer(store.load())).isEqualTo(V2);
  }

  @Test
  void storedTopology_roundTripsEveryField() throws Exception {
    answer(store.compareAndSet(V1));
    answer(store.compareAndSet(V2));
    answer(store.compareAndSet(V3));

    Topology loaded = answer(store.load());

    assertThat(loaded).isEqualTo(V3);
    assertThat(loaded.virtualNamespaces().keySet()).containsExactly("orders", "payments");
  }
}
