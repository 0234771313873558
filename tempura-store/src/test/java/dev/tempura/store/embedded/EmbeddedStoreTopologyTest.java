package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.ClusterAddress;
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

/**
 * The embedded store's own topology behaviour; {@link EmbeddedStoreContractTest} runs the shared
 * contract.
 */
@Timeout(30)
class EmbeddedStoreTopologyTest {
  private static final Topology V1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
  private static final Topology V2 =
      V1.with(
          VirtualNamespace.empty("orders")
              .with(
                  new PhysicalNamespace(
                      "orders-1",
                      ClusterAddress.parse("a:7233"),
                      PhysicalNamespaceStatus.ACTIVE,
                      1)));

  private final Stores stores = Stores.inMemory();
  private final TopologyStore store = stores.topology();

  @AfterEach
  void closeStore() {
    stores.close();
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void subscribe_listenersRunBeforeTheStoringFutureCompletes() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    AutoCloseable subscription = store.subscribe(heard::add);

    answer(store.compareAndSet(V1));
    // no waiting needed: the listener ran on the writer, before the future completed
    assertThat(heard).containsExactly(V1);

    subscription.close();
    answer(store.compareAndSet(V2));

    assertThat(heard).containsExactly(V1);
  }
}
