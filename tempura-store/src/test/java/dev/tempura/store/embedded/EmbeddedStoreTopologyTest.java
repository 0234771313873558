package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EmbeddedStoreTopologyTest {
  private static final Topology V1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
  private static final Topology V2 =
      V1.with(
          VirtualNamespace.empty("orders")
              .with(new PhysicalNamespace("orders-1", "a:7233", PhysicalNamespaceStatus.ACTIVE, 1)));

  private final EmbeddedStore store = EmbeddedStore.inMemory();

  @AfterEach
  void closeStore() {
    store.close();
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
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
  void subscribe_listenerHearsEveryStoredTopology_untilClosed() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    AutoCloseable subscription = store.subscribe(heard::add);

    answer(store.compareAndSet(V1));
    answer(store.compareAndSet(Topology.EMPTY.with(VirtualNamespace.empty("refused"))));
    // listeners run before the storing future completes, so no waiting is needed
    assertThat(heard).containsExactly(V1);

    subscription.close();
    answer(store.compareAndSet(V2));

    assertThat(heard).containsExactly(V1);
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

    assertThat(heard).containsExactly(V1);
    assertThat(answer(store.load())).isEqualTo(V1);
  }
}
