package dev.tempura.proxy.e2e;

import dev.tempura.local.Ports;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.ProxyOptions;
import dev.tempura.proxy.TempuraProxy;
import dev.tempura.proxy.lifecycle.MappingReconciler;
import dev.tempura.proxy.poll.PollOptions;
import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
import dev.tempura.testing.TemporalClustersExtension;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.TopologyService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Tempura over an embedded store in a directory, with SDK clients pointed at it. Restartable on the
 * same directory and port, as a crashed and restarted proxy would be.
 */
final class ProxyFixture implements AutoCloseable {
  static final String VIRTUAL = "my-app-namespace";

  /** The in-memory Temporal server reports no retention, so closed workflows' mappings get this. */
  static final Duration RETENTION = Duration.ofHours(2);

  /** Opens the stores a proxy runs on, its mappings and its topology. */
  interface StoreFactory {
    Stores open();
  }

  private final StoreFactory storeFactory;
  private final int port;

  /** Applied to the options last, before each start; the identity unless a test asks otherwise. */
  private final java.util.function.UnaryOperator<ProxyOptions.Builder> customize;

  private Stores stores;
  private MappingStore mappings;
  private TopologyService topology;
  private TempuraProxy proxy;
  private PrometheusMeterRegistry metrics;
  private final List<WorkflowServiceStubs> stubs = new ArrayList<>();
  private final List<WorkerFactory> factories = new ArrayList<>();

  private ProxyFixture(
      StoreFactory storeFactory,
      int port,
      java.util.function.UnaryOperator<ProxyOptions.Builder> customize) {
    this.storeFactory = storeFactory;
    this.port = port;
    this.customize = customize;
  }

  /** A proxy on an embedded store in {@code dataDir}. */
  static ProxyFixture start(Path dataDir) {
    return start(() -> Stores.embedded(dataDir));
  }

  /**
   * The usual setup: the virtual namespace on namespace-a and namespace-b, one on each of two
   * backends.
   */
  static ProxyFixture startOnTwoClusters(Path dataDir, TemporalClusters backends) {
    ProxyFixture f = start(dataDir);
    f.createVirtual();
    f.addPhysical("namespace-a", backends.address(0));
    f.addPhysical("namespace-b", backends.address(1));
    return f;
  }

  /**
   * The virtual namespace on pa and pb, on two backends that record what they receive and answer as
   * scripted ({@link RecordingBackend}).
   */
  static ProxyFixture startOnRecordingBackends(
      Path dataDir, RecordingBackend a, RecordingBackend b) {
    ProxyFixture f = start(dataDir);
    f.createVirtual();
    f.addPhysical("pa", a.address());
    f.addPhysical("pb", b.address());
    return f;
  }

  /**
   * Two in-memory clusters and, in front of them, a proxy set up as {@link #startOnTwoClusters},
   * for each test (or each class, on a static field); the test method may take them as parameters.
   */
  static TemporalClustersExtension<ProxyFixture> onTwoClusters() {
    return TemporalClustersExtension.withFront(
        2, ProxyFixture.class, ProxyFixture::startOnTwoClusters);
  }

  static ProxyFixture start(StoreFactory stores) {
    return start(stores, b -> b);
  }

  /**
   * A proxy on an embedded store in {@code dataDir}, its options as usual but then changed by
   * {@code customize} (e.g. faster health checks); applied again on every restart.
   */
  static ProxyFixture start(
      Path dataDir, java.util.function.UnaryOperator<ProxyOptions.Builder> customize) {
    return start(() -> Stores.embedded(dataDir), customize);
  }

  /**
   * A proxy with fast health checks, for the tests of health itself: a check every 200 ms, a
   * backend out after two that go unanswered for {@code checkTimeout} (500 ms sees a stall within
   * 1.4 s at worst, while a healthy backend on a busy test machine still answers in time).
   */
  static ProxyFixture startWithFastHealthChecks(Path dataDir, java.time.Duration checkTimeout) {
    return start(
        dataDir,
        b ->
            b.health(
                new dev.tempura.proxy.health.HealthOptions(
                    java.time.Duration.ofMillis(200),
                    checkTimeout,
                    2,
                    5,
                    java.time.Duration.ofSeconds(1))));
  }

  static ProxyFixture start(
      StoreFactory stores, java.util.function.UnaryOperator<ProxyOptions.Builder> customize) {
    ProxyFixture f = new ProxyFixture(stores, Ports.freePort(), customize);
    f.startProxy();
    return f;
  }

  /** A describe of the latest run of {@code workflowId}, in a virtual or a physical namespace. */
  static io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest describeRequest(
      String namespace, String workflowId) {
    return io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setExecution(
            io.temporal.api.common.v1.WorkflowExecution.newBuilder().setWorkflowId(workflowId))
        .build();
  }

  void startProxy() {
    stores = storeFactory.open();
    topology = TopologyService.load(stores.topology());
    metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      proxy =
          TempuraProxy.start(
              customize
                  .apply(
                      ProxyOptions.builder()
                          .bindAddress("127.0.0.1")
                          .port(port)
                          .polls(
                              new PollOptions(
                                  Duration.ofMillis(500),
                                  Duration.ofSeconds(60),
                                  Duration.ofSeconds(60),
                                  Duration.ofMinutes(2),
                                  Duration.ofMillis(100),
                                  Duration.ofSeconds(5)))
                          .retentionFallback(RETENTION)
                          .reconciler(
                              new MappingReconciler.Options(1000, 50, Duration.ofMillis(200)))
                          .meterRegistry(metrics))
                  .build(),
              topology,
              stores);
      mappings = proxy.mappings();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops the proxy and its store, as a crash would, but keeps clients and workers running. */
  void stopProxy() {
    proxy.close();
    topology.close();
    stores.close();
  }

  /** After a test closed the proxy itself: close the rest and start over on the same store. */
  void startProxyAfterClose() {
    topology.close();
    stores.close();
    startProxy();
  }

  void createVirtual() {
    topology.createVirtualNamespace(VIRTUAL).join();
  }

  void addPhysical(String name, String address) {
    topology.addPhysicalNamespace(VIRTUAL, name, ClusterAddress.parse(address), 1).join();
  }

  /** Adds a physical namespace declared to hold workflows from before Tempura. */
  void addPhysicalWithExistingWorkflows(String name, String address) {
    topology
        .update(TopologyService.addPhysical(VIRTUAL, name, ClusterAddress.parse(address), 1, true))
        .join();
  }

  void cordon(String name, String address) {
    topology
        .setStatus(VIRTUAL, name, ClusterAddress.parse(address), PhysicalNamespaceStatus.CORDONED)
        .join();
  }

  TopologyService topology() {
    return topology;
  }

  /** The virtual namespace's physical namespace at {@code index}, in the order they were added. */
  dev.tempura.topology.PhysicalNamespace physical(int index) {
    return topology.virtualNamespace(VIRTUAL).orElseThrow().physicalNamespaces().get(index);
  }

  /** The mappings as the proxy sees them, through its cache. */
  MappingStore mappings() {
    return mappings;
  }

  /** The proxy's metrics in Prometheus text format. */
  String scrape() {
    return metrics.scrape();
  }

  /** The store itself, behind the cache. */
  MappingStore rawMappings() {
    return stores.mappings();
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

  /**
   * Starts a worker of {@code client} on {@code queue} with {@code workflowTypes} (of {@link
   * TestWorkflows}) and the Echo activity; it stops when this fixture closes.
   */
  void startEchoWorker(WorkflowClient client, String queue, Class<?>... workflowTypes) {
    WorkerFactory factory = newWorkerFactory(client);
    Worker worker = factory.newWorker(queue);
    worker.registerWorkflowImplementationTypes(workflowTypes);
    worker.registerActivitiesImplementations(new TestWorkflows.EchoImpl());
    factory.start();
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
