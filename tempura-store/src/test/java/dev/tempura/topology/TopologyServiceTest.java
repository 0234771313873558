package dev.tempura.topology;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tempura.store.TopologyStore;
import dev.tempura.store.embedded.EmbeddedStore;
import dev.tempura.topology.TopologyException.Reason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TopologyServiceTest {
  private final EmbeddedStore store = EmbeddedStore.inMemory();
  private final TopologyService service = TopologyService.load(store);

  @AfterEach
  void close() {
    service.close();
    store.close();
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  private static Reason refusal(CompletableFuture<?> change) {
    ExecutionException failure =
        catchThrowableOfType(ExecutionException.class, () -> change.get(10, SECONDS));
    assertThat(failure).as("the change was refused").isNotNull();
    assertThat(failure.getCause()).isInstanceOf(TopologyException.class);
    return ((TopologyException) failure.getCause()).reason();
  }

  @Test
  void createVirtualNamespace_storesItAndBumpsTheVersion() throws Exception {
    Topology created = answer(service.createVirtualNamespace("orders"));

    assertThat(created.version()).isEqualTo(1);
    assertThat(created.virtualNamespace("orders")).contains(VirtualNamespace.empty("orders"));
    assertThat(service.current()).isEqualTo(created);
    assertThat(answer(store.load())).isEqualTo(created);
  }

  @Test
  void createVirtualNamespace_twice_isRefusedAsAlreadyExists() throws Exception {
    answer(service.createVirtualNamespace("orders"));

    assertThat(refusal(service.createVirtualNamespace("orders"))).isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(answer(store.load()).version()).isEqualTo(1);
  }

  @Test
  void addPhysicalNamespace_unknownVirtualNamespace_isRefusedAsNotFound() {
    assertThat(refusal(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1)))
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void addPhysicalNamespace_addsItActive() throws Exception {
    answer(service.createVirtualNamespace("orders"));

    Topology added = answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 2));

    assertThat(added.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(
            new PhysicalNamespace("orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 2));
  }

  @Test
  void addPhysicalNamespace_alreadyActive_isRefusedAsAlreadyExists() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    assertThat(refusal(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1)))
        .isEqualTo(Reason.ALREADY_EXISTS);
  }

  @Test
  void addPhysicalNamespace_sameNameOnAnotherCluster_isAnotherNamespace() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    Topology added = answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("b:7233"), 1));

    assertThat(added.virtualNamespace("orders").orElseThrow().findByName("orders-1")).hasSize(2);
  }

  @Test
  void addPhysicalNamespace_cordonedOne_makesItActiveAgain() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));
    Topology cordoned =
        answer(
            service.setStatus("orders", "orders-1", null, PhysicalNamespaceStatus.CORDONED));
    assertThat(cordoned.virtualNamespace("orders").orElseThrow().active()).isEmpty();

    Topology readded = answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    assertThat(readded.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(
            new PhysicalNamespace("orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 1));
    assertThat(answer(store.load())).isEqualTo(readded);
  }

  @Test
  void setStatus_unknownPhysicalNamespace_isRefusedAsNotFound() throws Exception {
    answer(service.createVirtualNamespace("orders"));

    assertThat(
            refusal(
                service.setStatus("orders", "orders-9", null, PhysicalNamespaceStatus.CORDONED)))
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void listeners_hearEveryChange() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    service.addListener(heard::add);

    Topology v1 = answer(service.createVirtualNamespace("orders"));
    Topology v2 = answer(service.createVirtualNamespace("payments"));

    assertThat(heard).containsExactly(v1, v2);
  }

  @Test
  void concurrentChange_lostCompareAndSet_isRetriedAndBothChangesApplied() throws Exception {
    // a second service over the same store writes between the first one's read and its write
    try (TopologyService other = TopologyService.load(store);
        InterferingStore interfering =
            new InterferingStore(store, () -> other.createVirtualNamespace("payments"));
        TopologyService first = TopologyService.load(interfering)) {

      Topology result = answer(first.createVirtualNamespace("orders"));

      assertThat(interfering.compareAndSets).as("the first write lost and was retried").hasValue(2);
      assertThat(result.version()).isEqualTo(2);
      assertThat(result.virtualNamespaces()).containsOnlyKeys("payments", "orders");
      assertThat(answer(store.load())).isEqualTo(result);
      assertThat(first.current()).isEqualTo(result);
      assertThat(other.current()).isEqualTo(result);
    }
  }

  /**
   * Runs a competing write just before the first compareAndSet reaches the store, and hides the
   * store's notifications, so the service learns of the competing write only through the failed
   * compareAndSet, as it would from another replica over a shared store.
   */
  private static final class InterferingStore implements TopologyStore, AutoCloseable {
    private final TopologyStore delegate;
    private final Supplier<CompletableFuture<Topology>> competingWrite;
    final AtomicInteger compareAndSets = new AtomicInteger();

    InterferingStore(
        TopologyStore delegate,
        Supplier<CompletableFuture<Topology>> competingWrite) {
      this.delegate = delegate;
      this.competingWrite = competingWrite;
    }

    @Override
    public CompletableFuture<Long> storedVersion() {
      return delegate.storedVersion();
    }

    @Override
    public CompletableFuture<Topology> load() {
      return delegate.load();
    }

    @Override
    public CompletableFuture<Boolean> compareAndSet(Topology next) {
      if (compareAndSets.incrementAndGet() == 1) {
        return competingWrite.get().thenCompose(written -> delegate.compareAndSet(next));
      }
      return delegate.compareAndSet(next);
    }

    @Override
    public AutoCloseable subscribe(Consumer<Topology> listener) {
      return () -> {};
    }

    @Override
    public void close() {}
  }
}
