package dev.tempura.proxy.lifecycle;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.health.BackendFaults;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each physical namespace's workflow execution retention, read with DescribeNamespace from its
 * backend, cached, and refreshed in the background once it is older than the refresh interval. A
 * backend that does not say (the in-memory test server) or cannot be reached gets the fallback.
 */
public final class RetentionCache {
  private static final Logger log = LoggerFactory.getLogger(RetentionCache.class);
  private static final MethodDescriptor<byte[], byte[]> DESCRIBE_NAMESPACE =
      WorkflowServiceGrpc.getDescribeNamespaceMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  private record Entry(Duration retention, long fetchedNanos) {}

  private final BackendChannels channels;
  private final dev.tempura.proxy.translate.NamespaceIds ids;
  private final Duration fallback;
  private final Duration refreshAfter;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, CompletableFuture<Duration>> inFlight =
      new ConcurrentHashMap<>();
  private final BackendFaults faults;

  public RetentionCache(
      BackendChannels channels,
      Duration fallback,
      Duration refreshAfter,
      dev.tempura.proxy.translate.NamespaceIds ids,
      BackendFaults faults) {
    this.faults = faults;
    this.ids = ids;
    this.channels = channels;
    this.fallback = fallback;
    this.refreshAfter = refreshAfter;
  }

  /**
   * Reads the retention and id of every physical namespace now, so both are known before needed; a
   * topology listener. Each backend on its own: one whose lookup cannot even be sent is recorded in
   * {@link BackendFaults} (and looked up again at the next topology version, or when its retention
   * is needed), and the others are looked up all the same.
   */
  public void prefetch(dev.tempura.topology.Topology topology) {
    for (dev.tempura.topology.VirtualNamespace vns : topology.virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (!entries.containsKey(p.id())) {
          fetch(p);
        }
      }
    }
  }

  /** The retention of {@code p}: cached at once when known, else after one DescribeNamespace. */
  public CompletableFuture<Duration> retention(PhysicalNamespace p) {
    Entry e = entries.get(p.id());
    if (e != null) {
      if (System.nanoTime() - e.fetchedNanos() > refreshAfter.toNanos()) {
        fetch(p); // refresh behind the cached answer
      }
      return CompletableFuture.completedFuture(e.retention());
    }
    return fetch(p);
  }

  /**
   * Looks the retention up; completes with the fallback, uncached, if the lookup cannot be sent.
   */
  private CompletableFuture<Duration> fetch(PhysicalNamespace p) {
    CompletableFuture<Duration> f;
    try {
      f = send(p);
    } catch (RuntimeException e) {
      faults.failed(p, BackendFaults.RETENTION, e);
      Entry old = entries.get(p.id());
      return CompletableFuture.completedFuture(old != null ? old.retention() : fallback);
    }
    faults.succeeded(p, BackendFaults.RETENTION);
    return f;
  }

  private CompletableFuture<Duration> send(PhysicalNamespace p) {
    return inFlight.computeIfAbsent(
        p.id(),
        id -> {
          CompletableFuture<Duration> result = new CompletableFuture<>();
          byte[] request =
              DescribeNamespaceRequest.newBuilder().setNamespace(p.name()).build().toByteArray();
          BackendCalls.unary(
                  channels.channel(p),
                  DESCRIBE_NAMESPACE,
                  request,
                  new Metadata(),
                  Deadline.after(10, TimeUnit.SECONDS))
              .whenComplete(
                  (value, t) -> {
                    if (t != null) {
                      Entry old = entries.get(p.id());
                      log.warn("DescribeNamespace {} failed: {}", p.id(), t.toString());
                      finish(p, result, old != null ? old.retention() : fallback, old == null);
                      return;
                    }
                    Duration found = value == null ? null : parse(p, value);
                    finish(p, result, found != null ? found : fallback, true);
                  });
          return result;
        });
  }

  private void finish(
      PhysicalNamespace p, CompletableFuture<Duration> result, Duration d, boolean store) {
    if (store) {
      entries.put(p.id(), new Entry(d, System.nanoTime()));
    }
    inFlight.remove(p.id());
    result.complete(d);
  }

  private Duration parse(PhysicalNamespace p, byte[] response) {
    try {
      DescribeNamespaceResponse r = DescribeNamespaceResponse.parseFrom(response);
      // the same answer tells the namespace's id, which answers must show as the virtual one's
      ids.learn(p.id(), r.getNamespaceInfo().getId());
      if (r.hasConfig() && r.getConfig().hasWorkflowExecutionRetentionTtl()) {
        Duration d =
            Duration.ofMillis(Durations.toMillis(r.getConfig().getWorkflowExecutionRetentionTtl()));
        if (!d.isZero() && !d.isNegative()) {
          return d;
        }
      }
      log.info("{} reports no retention; using {}", p.id(), fallback);
      return fallback;
    } catch (InvalidProtocolBufferException e) {
      log.warn("unreadable DescribeNamespace from {}", p.id(), e);
      return fallback;
    }
  }
}
