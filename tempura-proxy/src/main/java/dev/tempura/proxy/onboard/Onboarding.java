package dev.tempura.proxy.onboard;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.ProgressStore;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.Topology;
import dev.tempura.topology.TopologyService;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Onboarding of the physical namespaces declared to hold workflows from before Tempura ({@link
 * PhysicalNamespace#existingWorkflows()}): runs one {@link NamespaceImport} per such namespace,
 * and, until its import is done, makes a start for an id with no mapping look there first ({@link
 * #placeFirst}), so that an existing execution is reached instead of a second one started
 * elsewhere.
 */
public final class Onboarding implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Onboarding.class);
  private static final long DESCRIBE_TIMEOUT_MILLIS = 10_000;
  private static final MethodDescriptor<byte[], byte[]> DESCRIBE =
      WorkflowServiceGrpc.getDescribeWorkflowExecutionMethod().toBuilder(
              ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
          .build();

  private final ProgressStore progress;
  private final MappingStore mappings;
  private final BackendCaller caller;
  private final VisibilityPages pages;
  private final OnboardingOptions options;
  private final MeterRegistry registry;
  private final String replicaId = UUID.randomUUID().toString();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tempura-onboarding");
            t.setDaemon(true);
            return t;
          });
  // by NamespaceImport.recordName
  private final Map<String, NamespaceImport> imports = new ConcurrentHashMap<>();
  private final Map<String, List<Meter>> meters = new ConcurrentHashMap<>();

  private volatile TopologyService.Subscription topologyChanges;

  public Onboarding(
      ProgressStore progress,
      MappingStore mappings,
      BackendChannels channels,
      OnboardingOptions options,
      MeterRegistry registry) {
    this.progress = requireNonNull(progress, "progress");
    this.mappings = requireNonNull(mappings, "mappings");
    this.caller = new BackendCaller(channels);
    this.pages = new VisibilityPages(channels);
    this.options = requireNonNull(options, "options");
    this.registry = requireNonNull(registry, "registry");
  }

  /** Starts the imports of {@code topology}'s declared namespaces and follows its changes. */
  public void start(TopologyService topology) {
    topologyChanges = topology.addListener(this::apply);
    apply(topology.current());
  }

  /**
   * Starts an import for every declared namespace that has none, and stops and forgets those whose
   * namespace left the topology (so adding it again imports it again).
   */
  synchronized void apply(Topology t) {
    Map<String, PhysicalNamespace> declared = new LinkedHashMap<>();
    Map<String, String> virtualOf = new LinkedHashMap<>();
    for (VirtualNamespace vns : t.virtualNamespaces().values()) {
      for (PhysicalNamespace p : vns.physicalNamespaces()) {
        if (p.existingWorkflows()) {
          String name = NamespaceImport.recordName(vns.name(), p);
          declared.put(name, p);
          virtualOf.put(name, vns.name());
        }
      }
    }
    for (Map.Entry<String, NamespaceImport> e : imports.entrySet()) {
      if (!declared.containsKey(e.getKey())) {
        imports.remove(e.getKey());
        e.getValue().forget();
        List<Meter> gone = meters.remove(e.getKey());
        if (gone != null) {
          gone.forEach(registry::remove);
        }
      }
    }
    for (Map.Entry<String, PhysicalNamespace> e : declared.entrySet()) {
      if (!imports.containsKey(e.getKey())) {
        NamespaceImport i =
            new NamespaceImport(
                virtualOf.get(e.getKey()),
                e.getValue(),
                progress,
                mappings,
                pages,
                thread,
                options,
                replicaId);
        imports.put(e.getKey(), i);
        meters.put(e.getKey(), register(virtualOf.get(e.getKey()), i));
        i.start();
      }
    }
  }

  /**
   * Whether a start in {@code vns} must look at an adopted namespace before it is placed: true
   * while any of its declared namespaces has not finished its import (or not been read yet). Cheap:
   * a pass over the virtual namespace's few physical namespaces.
   */
  public boolean pending(VirtualNamespace vns) {
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      if (p.existingWorkflows()) {
        NamespaceImport i = imports.get(NamespaceImport.recordName(vns.name(), p));
        if (i == null || i.pending()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Where a start for {@code workflowId}, for which placement chose {@code chosen}, must go: the
   * adopted namespace that holds an execution of that id (open or closed: either way the id's reuse
   * and conflict policies are that namespace's to apply), else {@code chosen}. An id that has a
   * mapping is left to it. When an adopted namespace cannot answer, the start fails with
   * UNAVAILABLE (SDKs retry it) rather than risk a second execution elsewhere.
   */
  public CompletableFuture<PhysicalNamespace> placeFirst(
      VirtualNamespace vns, MappingKey key, String workflowId, PhysicalNamespace chosen) {
    List<PhysicalNamespace> toAsk = new ArrayList<>(1);
    for (PhysicalNamespace p : vns.physicalNamespaces()) {
      if (p.existingWorkflows() && !p.id().equals(chosen.id())) {
        NamespaceImport i = imports.get(NamespaceImport.recordName(vns.name(), p));
        if (i == null || i.pending()) {
          toAsk.add(p);
        }
      }
    }
    if (toAsk.isEmpty()) {
      return CompletableFuture.completedFuture(chosen);
    }
    return mappings
        .get(key)
        // the store's answer only saves the look-up: without it, look all the same
        .handle((mapped, storeError) -> storeError == null && mapped != null)
        .thenCompose(
            mapped ->
                mapped
                    ? CompletableFuture.completedFuture(chosen)
                    : ask(vns, toAsk, workflowId, chosen));
  }

  private CompletableFuture<PhysicalNamespace> ask(
      VirtualNamespace vns,
      List<PhysicalNamespace> toAsk,
      String workflowId,
      PhysicalNamespace chosen) {
    List<CompletableFuture<Long>> answers = new ArrayList<>(toAsk.size());
    for (PhysicalNamespace p : toAsk) {
      answers.add(startTime(p, workflowId));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .handle(
            (ignored, error) -> {
              PhysicalNamespace best = null;
              long bestStart = Long.MIN_VALUE;
              for (int i = 0; i < toAsk.size(); i++) {
                CompletableFuture<Long> a = answers.get(i);
                if (a.isCompletedExceptionally()) {
                  Status s = Status.fromThrowable(a.handle((v, e) -> e).join());
                  throw Status.UNAVAILABLE
                      .withDescription(
                          "physical namespace "
                              + toAsk.get(i).id()
                              + " holds workflows from before Tempura that are still being"
                              + " imported, and could not tell whether it holds '"
                              + workflowId
                              + "' ("
                              + s.getCode()
                              + (s.getDescription() == null ? "" : ": " + s.getDescription())
                              + "); retry")
                      .asRuntimeException();
                }
                Long start = a.join();
                if (start != null && start > bestStart) {
                  bestStart = start;
                  best = toAsk.get(i);
                }
              }
              if (best == null) {
                return chosen;
              }
              NamespaceImport i = imports.get(NamespaceImport.recordName(vns.name(), best));
              if (i != null) {
                i.countLocatedStart();
              }
              return best;
            });
  }

  /**
   * The start time of the id's latest run on {@code p}; null when {@code p} has none (NOT_FOUND).
   */
  private CompletableFuture<Long> startTime(PhysicalNamespace p, String workflowId) {
    byte[] request =
        DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(p.name())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build()
            .toByteArray();
    return caller
        .call(
            p.clusterAddress(),
            DESCRIBE,
            request,
            BackendChannels.namespaceHeader(p.name()),
            null,
            DESCRIBE_TIMEOUT_MILLIS)
        .handle(
            (response, error) -> {
              if (error != null) {
                if (Status.fromThrowable(error).getCode() == Status.Code.NOT_FOUND) {
                  return null;
                }
                throw new java.util.concurrent.CompletionException(error);
              }
              try {
                return Timestamps.toMillis(
                    DescribeWorkflowExecutionResponse.parseFrom(response)
                        .getWorkflowExecutionInfo()
                        .getStartTime());
              } catch (InvalidProtocolBufferException e) {
                throw new java.util.concurrent.CompletionException(
                    Status.INTERNAL
                        .withDescription("unreadable DescribeWorkflowExecution answer")
                        .asRuntimeException());
              }
            });
  }

  /**
   * The onboarding of {@code p} for the admin API's {@code get}: state, phase, counts and times;
   * empty when {@code p} was not declared to hold existing workflows.
   */
  public Map<String, Object> details(String virtualName, PhysicalNamespace p) {
    if (!p.existingWorkflows()) {
      return Map.of();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    NamespaceImport i = imports.get(NamespaceImport.recordName(virtualName, p));
    ImportProgress at = i == null ? null : i.progress();
    if (at == null) {
      out.put("state", "starting");
      return out;
    }
    out.put("state", at.state().name().toLowerCase(Locale.ROOT));
    if (at.state() != ImportProgress.State.DONE) {
      out.put("phase", at.phase().name().toLowerCase(Locale.ROOT));
    }
    out.put("imported_workflows", at.imported());
    out.put("mapped_elsewhere", at.mappedElsewhere());
    out.put("pages", at.pages());
    out.put("located_starts", i.locatedStarts());
    out.put("listing", at.listing().name().toLowerCase(Locale.ROOT));
    out.put("started_at", Instant.ofEpochMilli(at.startedAt()).toString());
    if (at.finishedAt() > 0) {
      out.put("finished_at", Instant.ofEpochMilli(at.finishedAt()).toString());
    }
    if (at.lastError() != null) {
      out.put("last_error", at.lastError());
    }
    return out;
  }

  private List<Meter> register(String virtualName, NamespaceImport i) {
    PhysicalNamespace p = i.physical();
    Tags tags =
        Tags.of(
            "namespace", virtualName,
            "physical_namespace", p.name(),
            "cluster_address", p.clusterAddress().toString());
    List<Meter> out = new ArrayList<>();
    out.add(
        Gauge.builder(
                "tempura_onboarding_imported_workflows",
                i,
                x -> x.progress() == null ? 0 : x.progress().imported())
            .description("Listed executions of an adopted namespace whose ids are mapped there")
            .tags(tags)
            .register(registry));
    out.add(
        Gauge.builder("tempura_onboarding_pending", i, x -> x.pending() ? 1 : 0)
            .description(
                "1 while starts for unmapped ids are first looked for on the adopted namespace")
            .tags(tags)
            .register(registry));
    for (ImportProgress.State s : ImportProgress.State.values()) {
      out.add(
          Gauge.builder(
                  "tempura_onboarding_state",
                  i,
                  x -> x.progress() != null && x.progress().state() == s ? 1 : 0)
              .description("1 for the state the import is in: importing, done or failed")
              .tags(tags.and("state", s.name().toLowerCase(Locale.ROOT)))
              .register(registry));
    }
    out.add(
        io.micrometer.core.instrument.FunctionCounter.builder(
                "tempura_onboarding_located_starts", i, NamespaceImport::locatedStarts)
            .description("Starts sent to an adopted namespace because it held the id already")
            .tags(tags)
            .register(registry));
    return out;
  }

  /**
   * Stops every import after its step in flight and gives up the leases this replica holds (waiting
   * at most 2 s), so that a restarted proxy resumes at once; the stored progress stays.
   */
  @Override
  public void close() {
    TopologyService.Subscription changes = topologyChanges;
    if (changes != null) {
      changes.close();
    }
    List<CompletableFuture<Boolean>> released = new java.util.ArrayList<>();
    for (NamespaceImport i : imports.values()) {
      released.add(i.release());
    }
    try {
      // bounded: a store that does not answer leaves the leases to expire
      CompletableFuture.allOf(released.toArray(CompletableFuture[]::new))
          .get(2, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      log.info(
          "onboarding leases not released on stop ({}); they expire on their own", e.toString());
    }
    thread.shutdownNow();
  }
}
