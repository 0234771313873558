package dev.tempura.proxy.e2e;

import dev.tempura.proxy.ProxyOptions;
import dev.tempura.proxy.TempuraProxy;
import dev.tempura.proxy.poll.PollOptions;
import dev.tempura.store.MappingStore;
import dev.tempura.store.cache.CachingMappingStore;
import dev.tempura.store.embedded.EmbeddedStore;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.TopologyService;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tempura over an embedded store in a directory, with SDK clients pointed at it. Restartable on
 * the same directory and port, as a crashed and restarted proxy would be.
 */
final class ProxyFixture implements AutoCloseable {
  static final String VIRTUAL = "my-app-namespace";

  private final Path dataDir;
  private final int port;
  private EmbeddedStore store;
  private MappingStore mappings;
  private TopologyService topology;
  private TempuraProxy proxy;
  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();
  private final List<WorkerFactory> factories = new ArrayList<>();

  private ProxyFixture(Path dataDir, int port) {
    this.dataDir = dataDir;
    this.port = port;
  }

  static ProxyFixture start(Path dataDir) {
    ProxyFixture f = new ProxyFixture(dataDir, TemporalBackends.freePort());
    f.startProxy();
    return f;
  }

  void startProxy() {
    store = EmbeddedStore.open(dataDir);
    mappings = CachingMappingStore.wrap(store);
    topology = TopologyService.load(store);
    try {
      proxy =
          TempuraProxy.start(
              ProxyOptions.builder()
                  .bindAddress("127.0.0.1")
                  .port(port)
                  .polls(
                      new PollOptions(
                          Duration.ofMillis(500),
                          Duration.ofSeconds(60),
                          Duration.ofSeconds(60),
                          Duration.ofMinutes(2),
                          Duration.ofMillis(100)))
                  .build(),
              topology,
              mappings);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the proxy and its store, as a crash would, but keeps clients and workers running. */
  void stopProxy() {
    proxy.close();
    topology.close();
    mappings.close();
    store.close();
  }

  /** After a test closed the proxy itself: close the rest and start over on the same store. */
  void startProxyAfterClose() {
    topology.close();
    mappings.close();
    store.close();
    startProxy();
  }

  void createVirtual() {
    topology.createVirtualNamespace(VIRTUAL).join();
  }

  void addPhysical(String name, String address) {
    topology.addPhysicalNamespace(VIRTUAL, name, address, 1).join();
  }

  void cordon(String name, String address) {
    topology.setStatus(VIRTUAL, name, address, PhysicalNamespaceStatus.CORDONED).join();
  }

  TopologyService topology() {
    return topology;
  }

  MappingStore mappings() {
    return mappings;
  }

  TempuraProxy proxy() {
    return proxy;
  }

  String target() {
    return "127.0.0.1:" + port;
  }

  WorkflowServiceStubs newStubs() {
    WorkflowServiceStubs s =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target()).build());
    stubs.add(s);
    return s;
  }

  WorkflowClient newClient() {
    return WorkflowClient.newInstance(
        newStubs(), WorkflowClientOptions.newBuilder().setNamespace(VIRTUAL).build());
  }

  WorkerFactory newWorkerFactory(WorkflowClient client) {
    WorkerFactory f = WorkerFactory.newInstance(client);
    factories.add(f);
    return f;
  }

  @Override
  public void close() {
    for (WorkerFactory f : factories) {
      f.shutdownNow();
    }
    for (WorkerFactory f : factories) {
      f.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }
    for (WorkflowServiceStubs s : stubs) {
      s.shutdownNow();
    }
    stopProxy();
  }
}
