package dev.tempura.proxy.lifecycle;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.store.MappingStore;
import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds open mappings (no TTL) whose workflows closed without Tempura seeing it (a timeout, a
 * terminate sent straight to a backend) and gives them the same TTL a seen close would. It walks
 * the store page by page and asks each mapping's backend, at most {@code checksPerSecond}, so a
 * large store is reconciled slowly rather than loading the backends.
 *
 * <p>Only workflow mappings are checked; a mapping whose backend no longer has the workflow is
 * treated as closed, so it expires after the retention instead of living forever.
 */
public final class MappingReconciler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MappingReconciler.class);
  private static final MethodDescriptor<byte[], byte[]> DESCRIBE =
      WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  /**
   * @param checksPerSecond backend lookups per second at most
   * @param pageSize mappings read from the store per step
   * @param pauseBetweenCycles the rest after a full walk of the store
   */
  public record Options(int checksPerSecond, int pageSize, Duration pauseBetweenCycles) {
    public static final Options DEFAULTS = new Options(50, 100, Duration.ofMinutes(5));

    public Options {
      if (checksPerSecond <= 0) {
        throw new IllegalArgumentException(
            "checksPerSecond: " + checksPerSecond + " (expected: > 0)");
      }
      if (pageSize <= 0) {
        throw new IllegalArgumentException("pageSize: " + pageSize + " (expected: > 0)");
      }
      requireNonNull(pauseBetweenCycles, "pauseBetweenCycles");
    }
  }

  private final MappingStore mappings;
  private final TopologyService topology;
  private final BackendChannels channels;
  private final MappingLifecycle lifecycle;
  private final ScheduledExecutorService timer;
  private final Options options;
  private final BackendFaults faults;
  private final AtomicLong scanned = new AtomicLong();
  private final AtomicLong checked = new AtomicLong();
  private final AtomicLong closedFound = new AtomicLong();
  private final AtomicLong cycles = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean stopped;
  private String cursor;

  /**
   * When each mapping was first found missing on its backend. A start can be recorded before it
   * reaches the backend, so "not found" only counts once it has lasted 30 s.
   */
  private final java.util.concurrent.ConcurrentHashMap<dev.tempura.store.MappingKey, Long>
      missingSince = new java.util.concurrent.ConcurrentHashMap<>();

  private static final long GONE_AFTER_NANOS = TimeUnit.SECONDS.toNanos(30);

  /**
   * Open mappings per (virtual, physical) namespace: counting in this walk, and the last walk's.
   */
  private java.util.Map<List<String>, Long> openCounting = new java.util.HashMap<>();

  private volatile java.util.Map<List<String>, Long> openCounted = java.util.Map.of();
  private final java.util.Set<List<String>> gauged =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  private io.micrometer.core.instrument.MeterRegistry registry;

  public MappingReconciler(
      MappingStore mappings,
      TopologyService topology,
      BackendChannels channels,
      MappingLifecycle lifecycle,
      ScheduledExecutorService timer,
      Options options,
      BackendFaults faults) {
    this.faults = faults;
    this.mappings = mappings;
    this.topology = topology;
    this.channels = channels;
    this.lifecycle = lifecycle;
    this.timer = timer;
    this.options = options;
  }

  public void start() {
    timer.schedule(this::step, 0, TimeUnit.MILLISECONDS);
  }

  /** Mappings read so far. */
  public long scanned() {
    return scanned.get();
  }

  /** Open mappings whose backend was asked. */
  public long checked() {
    return checked.get();
  }

  /** Open mappings found closed (or gone) and given a TTL. */
  public long closedFound() {
    return closedFound.get();
  }

  /** Complete walks of the store. */
  public long cycles() {
    return cycles.get();
  }

  public long errors() {
    return errors.get();
  }

  /**
   * One page; the next step is scheduled at the end of this one, whatever happened in it: a step
   * that threw without scheduling the next would end the reconciler for good, silently.
   */
  private void step() {
    if (stopped) {
      return;
    }
    CompletableFuture<ScanPage> next;
    try {
      next = mappings.scan(cursor, options.pageSize()).thenCompose(this::checkPage);
    } catch (RuntimeException e) {
      next = CompletableFuture.failedFuture(e);
    }
    next.whenComplete(
        (page, error) -> {
          long delayMillis = 5_000;
          try {
            if (error != null) {
              errors.incrementAndGet();
              log.warn("reconciler step failed: {}", error.toString());
            } else {
              cursor = page.nextCursor();
              int checks = (int) page.entries().stream().filter(e -> e.ttlMillis() == -1).count();
              // pace by the checks just made, so the rate holds whatever the page held
              // and never spin on empty pages (Redis SCAN may return several)
              delayMillis = Math.max(50, checks * 1000L / options.checksPerSecond());
              if (cursor == null) {
                cycles.incrementAndGet();
                publishOpenCounts();
                delayMillis = Math.max(delayMillis, options.pauseBetweenCycles().toMillis());
              }
            }
          } catch (RuntimeException e) {
            errors.incrementAndGet();
            log.warn("reconciler step failed", e);
          } finally {
            if (!stopped) {
              timer.schedule(this::step, delayMillis, TimeUnit.MILLISECONDS);
            }
          }
        });
  }

  private CompletableFuture<ScanPage> checkPage(ScanPage page) {
    scanned.addAndGet(page.entries().size());
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    for (Entry e : page.entries()) {
      if (e.ttlMillis() != -1) {
        continue;
      }
      VirtualNamespace vns = topology.virtualNamespace(e.key().virtualNamespace()).orElse(null);
      if (vns == null) {
        continue; // another keyspace (activities, Nexus operations) or a removed namespace
      }
      PhysicalNamespace p = vns.find(e.physicalId()).orElse(null);
      if (p == null) {
        continue;
      }
      openCounting.merge(
          List.of(vns.name(), p.name(), p.clusterAddress().toString()), 1L, Long::sum);
      checked.incrementAndGet();
      CompletableFuture<State> lookup;
      try {
        lookup = state(p, e.key().workflowId());
        faults.succeeded(p, BackendFaults.RECONCILER);
      } catch (RuntimeException ex) {
        // this backend's mappings wait for the next walk; the rest of the page is checked
        errors.incrementAndGet();
        faults.failed(p, BackendFaults.RECONCILER, ex);
        continue;
      }
      checks.add(
          lookup.thenAccept(
              state -> {
                boolean act = state == State.CLOSED;
                if (state == State.MISSING) {
                  long now = System.nanoTime();
                  long since = missingSince.computeIfAbsent(e.key(), k -> now);
                  act = now - since >= GONE_AFTER_NANOS;
                } else {
                  missingSince.remove(e.key());
                }
                if (act) {
                  missingSince.remove(e.key());
                  closedFound.incrementAndGet();
                  lifecycle.closed(e.key(), p);
                }
              }));
    }
    return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenApply(v -> page);
  }

  private enum State {
    OPEN,
    CLOSED,
    MISSING,
    UNKNOWN
  }

  /** What the backend says of the workflow's latest run. */
  private CompletableFuture<State> state(PhysicalNamespace p, String workflowId) {
    CompletableFuture<State> result = new CompletableFuture<>();
    byte[] request =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(p.name())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build()
            .toByteArray();
    BackendCalls.unary(
            channels.channel(p),
            DESCRIBE,
            request,
            new Metadata(),
            Deadline.after(10, TimeUnit.SECONDS))
        .whenComplete(
            (value, t) -> {
              if (t != null) {
                onError(result, t);
              } else if (value == null) {
                result.complete(State.UNKNOWN);
              } else {
                onNext(result, value);
              }
            });
    return result;
  }

  private void onNext(CompletableFuture<State> result, byte[] value) {
    try {
      WorkflowExecutionStatus s =
          DescribeWorkflowExecutionResponse.parseFrom(value).getWorkflowExecutionInfo().getStatus();
      boolean closed =
          s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING
              && s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
              && s != WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
      result.complete(closed ? State.CLOSED : State.OPEN);
    } catch (InvalidProtocolBufferException e) {
      errors.incrementAndGet();
      result.complete(State.UNKNOWN);
    }
  }

  private void onError(CompletableFuture<State> result, Throwable t) {
    // NOT_FOUND for the workflow, not for the namespace (a misconfigured backend
    // must not expire every mapping it holds)
    com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(t);
    boolean namespaceMissing =
        details != null
            && details.getDetailsList().stream()
                .anyMatch(
                    d -> d.is(io.temporal.api.errordetails.v1.NamespaceNotFoundFailure.class));
    boolean gone = Status.fromThrowable(t).getCode() == Status.Code.NOT_FOUND && !namespaceMissing;
    if (!gone) {
      errors.incrementAndGet();
    }
    result.complete(gone ? State.MISSING : State.UNKNOWN);
  }

  /**
   * Open mappings per (virtual name, physical name, cluster address) as of the last complete walk.
   */
  public java.util.Map<List<String>, Long> openMappings() {
    return openCounted;
  }

  /** Registers {@code tempura_open_mappings} per namespace pair as walks discover them. */
  public void bindOpenMappingGauges(io.micrometer.core.instrument.MeterRegistry registry) {
    this.registry = registry;
  }

  private void publishOpenCounts() {
    // namespaces that had open mappings last time and none now must read 0, not vanish
    for (List<String> k : openCounted.keySet()) {
      openCounting.putIfAbsent(k, 0L);
    }
    // and every backend of the topology reads 0 rather than nothing until it holds one
    for (VirtualNamespace v : topology.current().virtualNamespaces().values()) {
      for (dev.tempura.topology.PhysicalNamespace p : v.physicalNamespaces()) {
        openCounting.putIfAbsent(List.of(v.name(), p.name(), p.clusterAddress().toString()), 0L);
      }
    }
    openCounted = java.util.Map.copyOf(openCounting);
    openCounting = new java.util.HashMap<>();
    if (registry != null) {
      for (List<String> k : openCounted.keySet()) {
        if (gauged.add(k)) {
          io.micrometer.core.instrument.Gauge.builder(
                  "tempura_open_mappings", this, r -> r.openCounted.getOrDefault(k, 0L))
              .description(
                  "Mappings of open workflows per physical namespace, as of the reconciler's last walk")
              .tag("namespace", k.get(0))
              .tag("physical_namespace", k.get(1))
              .tag("cluster_address", k.get(2))
              .register(registry);
        }
      }
    }
  }

  @Override
  public void close() {
    stopped = true;
  }
}
