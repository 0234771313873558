package dev.tempura.topology;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
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
  private final Stores stores = Stores.inMemory();
  private final TopologyStore store = stores.topology();
  private final TopologyService service = TopologyService.load(store);

  @AfterEach
  void close() {
    service.close();
    stores.close();
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
    assertThat(
            refusal(
                service.addPhysicalNamespace(
                    "orders", "orders-1", ClusterAddress.parse("a:7233"), 1)))
        .isEqualTo(Reason.NOT_FOUND);
  }

  @Test
  void addPhysicalNamespace_addsItActive() throws Exception {
    answer(service.createVirtualNamespace("orders"));

    Topology added =
        answer(
            service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 2));

    assertThat(added.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(
            new PhysicalNamespace(
                "orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 2));
  }

  @Test
  void addPhysicalNamespace_alreadyActive_isRefusedAsAlreadyExists() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    assertThat(
            refusal(
                service.addPhysicalNamespace(
                    "orders", "orders-1", ClusterAddress.parse("a:7233"), 1)))
        .isEqualTo(Reason.ALREADY_EXISTS);
  }

  @Test
  void addPhysicalNamespace_sameNameOnAnotherCluster_isAnotherNamespace() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    Topology added =
        answer(
            service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("b:7233"), 1));

    assertThat(added.virtualNamespace("orders").orElseThrow().findByName("orders-1")).hasSize(2);
  }

  @Test
  void addPhysicalNamespace_cordonedOne_makesItActiveAgain() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));
    Topology cordoned =
        answer(service.setStatus("orders", "orders-1", null, PhysicalNamespaceStatus.CORDONED));
    assertThat(cordoned.virtualNamespace("orders").orElseThrow().active()).isEmpty();

    Topology readded =
        answer(
            service.addPhysicalNamespace("orders", "orders-1", ClusterAddress.parse("a:7233"), 1));

    assertThat(readded.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(
            new PhysicalNamespace(
                "orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 1));
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

  private static final ClusterAddress A = ClusterAddress.parse("a:7233");

  @Test
  void addPhysicalNamespace_ownedByAnotherVirtualNamespace_isRefusedNamingTheOwner()
      throws Exception {
    answer(service.createVirtualNamespace("alpha"));
    answer(service.createVirtualNamespace("beta"));
    answer(service.addPhysicalNamespace("alpha", "shared", A, 1));

    CompletableFuture<Topology> stolen =
        service.addPhysicalNamespace("beta", "shared", ClusterAddress.parse("A:7233"), 1);

    assertThat(refusal(stolen)).isEqualTo(Reason.OWNED_ELSEWHERE);
    assertThat(
            catchThrowableOfType(ExecutionException.class, () -> stolen.get(10, SECONDS))
                .getCause())
        .hasMessageContaining("already belongs to virtual namespace 'alpha'");
    assertThat(service.current().virtualNamespace("beta").orElseThrow().physicalNamespaces())
        .isEmpty();
  }

  @Test
  void addPhysicalNamespace_activeWithANewWeight_isAnUpdate() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", A, 1));

    Topology updated =
        answer(service.update(TopologyService.addPhysical("orders", "orders-1", A, 3)));

    assertThat(updated.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(new PhysicalNamespace("orders-1", A, PhysicalNamespaceStatus.ACTIVE, 3));
    // no weight given: the existing one stays, so nothing changes and it is refused as before
    assertThat(refusal(service.update(TopologyService.addPhysical("orders", "orders-1", A, null))))
        .isEqualTo(Reason.ALREADY_EXISTS);
  }

  @Test
  void addPhysicalNamespace_keepsTheStoredSpellingOfTheAddress() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(
        service.addPhysicalNamespace(
            "orders", "orders-1", ClusterAddress.parse("Temporal-A:7233"), 1));

    Topology updated =
        answer(
            service.update(
                TopologyService.addPhysical(
                    "orders", "orders-1", ClusterAddress.parse("temporal-a:7233"), 2)));

    assertThat(updated.virtualNamespace("orders").orElseThrow().physicalNamespaces().get(0).id())
        .isEqualTo("orders-1@Temporal-A:7233");
  }

  @Test
  void aChangeMadeAgainstAStaleVersion_isRefused_andOneMadeAgainstTheCurrentApplies()
      throws Exception {
    Topology v1 = answer(service.createVirtualNamespace("orders"));
    answer(service.createVirtualNamespace("payments"));

    assertThat(refusal(service.update(TopologyService.createVirtual("billing"), v1.version())))
        .isEqualTo(Reason.STALE_VERSION);
    assertThat(service.current().virtualNamespace("billing")).isEmpty();

    Topology v3 = answer(service.update(TopologyService.createVirtual("billing"), 2));
    assertThat(v3.version()).isEqualTo(3);
  }

  @Test
  void deleteVirtual_removesIt_andAnUnknownOneIsNotFound() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", A, 1));

    Topology deleted = answer(service.update(TopologyService.deleteVirtual("orders")));

    assertThat(deleted.virtualNamespaces()).isEmpty();
    assertThat(refusal(service.update(TopologyService.deleteVirtual("orders"))))
        .isEqualTo(Reason.NOT_FOUND);
    // its physical namespace is free for another virtual namespace now
    answer(service.createVirtualNamespace("other"));
    answer(service.addPhysicalNamespace("other", "orders-1", A, 1));
  }

  @Test
  void replaceWith_makesTheTopologyEqualToTheDesiredOne_inOneVersion() throws Exception {
    answer(service.createVirtualNamespace("orders"));
    answer(service.addPhysicalNamespace("orders", "orders-1", A, 1));
    Topology desired =
        new Topology(
            0,
            java.util.Map.of(
                "payments",
                new VirtualNamespace(
                    "payments",
                    List.of(
                        new PhysicalNamespace(
                            "payments-1",
                            ClusterAddress.parse("b:7233"),
                            PhysicalNamespaceStatus.CORDONED,
                            2)))));

    Topology replaced = answer(service.update(TopologyService.replaceWith(desired), 2));

    assertThat(replaced.version()).isEqualTo(3);
    assertThat(replaced.virtualNamespaces()).isEqualTo(desired.virtualNamespaces());
    assertThat(answer(store.load())).isEqualTo(replaced);
  }

  @Test
  void replaceWith_aTopologyThatSharesAPhysicalNamespace_isRefused() {
    PhysicalNamespace shared =
        new PhysicalNamespace("shared", A, PhysicalNamespaceStatus.ACTIVE, 1);
    Topology desired =
        Topology.EMPTY
            .with(new VirtualNamespace("alpha", List.of(shared)))
            .with(new VirtualNamespace("beta", List.of(shared)));

    assertThatThrownBy(() -> TopologyService.replaceWith(desired))
        .isInstanceOf(TopologyException.class)
        .hasMessageContaining("is in both virtual namespaces 'alpha' and 'beta'");
  }

  @Test
  void aListenerThatThrows_doesNotKeepTheChangeFromTheOthers() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    service.addListener(
        t -> {
          throw new IllegalArgumentException("a bad backend");
        });
    service.addListener(heard::add);

    Topology v1 = answer(service.createVirtualNamespace("orders"));

    assertThat(heard).containsExactly(v1);
    assertThat(service.current()).isEqualTo(v1);
  }

  @Test
  void invalidNames_areRefusedBeforeAnythingIsWritten() {
    for (String bad : List.of("vns ", "\u001b]0;x", "a\nb", "x".repeat(60_000))) {
      assertThatThrownBy(() -> service.createVirtualNamespace(bad))
          .isInstanceOf(TopologyException.class)
          .satisfies(e -> assertThat(((TopologyException) e).reason()).isEqualTo(Reason.INVALID));
    }
    assertThat(service.current().version()).isZero();
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

    InterferingStore(TopologyStore delegate, Supplier<CompletableFuture<Topology>> competingWrite) {
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
