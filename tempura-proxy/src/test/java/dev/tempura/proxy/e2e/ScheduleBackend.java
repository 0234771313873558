package dev.tempura.proxy.e2e;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tempura.local.TemporalClusters;
import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.ScheduleActionResult;
import io.temporal.api.schedule.v1.ScheduleInfo;
import io.temporal.api.schedule.v1.ScheduleListEntry;
import io.temporal.api.schedule.v1.ScheduleListInfo;
import io.temporal.api.schedule.v1.SchedulePatch;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountSchedulesRequest;
import io.temporal.api.workflowservice.v1.CountSchedulesResponse;
import io.temporal.api.workflowservice.v1.CreateScheduleRequest;
import io.temporal.api.workflowservice.v1.CreateScheduleResponse;
import io.temporal.api.workflowservice.v1.DeleteScheduleRequest;
import io.temporal.api.workflowservice.v1.DeleteScheduleResponse;
import io.temporal.api.workflowservice.v1.DescribeScheduleRequest;
import io.temporal.api.workflowservice.v1.DescribeScheduleResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesResponse;
import io.temporal.api.workflowservice.v1.ListSchedulesRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesResponse;
import io.temporal.api.workflowservice.v1.PatchScheduleRequest;
import io.temporal.api.workflowservice.v1.PatchScheduleResponse;
import io.temporal.api.workflowservice.v1.RequestCancelWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateScheduleRequest;
import io.temporal.api.workflowservice.v1.UpdateScheduleResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Temporal frontend with schedules, which the in-memory TestServer lacks: the schedule RPCs are
 * answered here, and every other call of any service is relayed byte for byte to a TestServer
 * behind it. While a schedule is active, this backend starts its workflow on that TestServer at
 * every matching time, named {@code <workflow id>-<nominal time, RFC 3339 in seconds>} as
 * Temporal's scheduler names them, in the namespace the schedule was created in.
 *
 * <p>Modelled: interval specs (with phase, start and end time), the start-workflow action, overlap
 * policies SKIP (the default), ALLOW_ALL, TERMINATE_OTHER and CANCEL_OTHER (which, unlike Temporal,
 * does not wait for the cancelled run to close), pause, limited actions, trigger-immediately,
 * keep_original_workflow_id, memo and search attributes. Refused with INVALID_ARGUMENT rather than
 * silently ignored: calendar and cron specs, the BUFFER overlap policies, backfills and list
 * queries. Not modelled: jitter, catch-up after downtime.
 */
final class ScheduleBackend implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ScheduleBackend.class);

  /** Temporal keeps this many recent actions and shows this many future times in Describe. */
  static final int RECENT_ACTIONS = 10;

  static final int FUTURE_TIMES = 10;

  /** ... and fewer in a List entry. */
  static final int LIST_ENTRY_TIMES = 5;

  static final int MAX_MATCHING_TIMES = 1000;
  private static final int DEFAULT_PAGE_SIZE = 1000;
  private static final int MAX_MESSAGE =
      128 * 1024 * 1024; // the SDK's own limit, for big histories

  private static final Set<String> SCHEDULE_METHODS =
      Set.of(
          WorkflowServiceGrpc.getCreateScheduleMethod().getFullMethodName(),
          WorkflowServiceGrpc.getDescribeScheduleMethod().getFullMethodName(),
          WorkflowServiceGrpc.getUpdateScheduleMethod().getFullMethodName(),
          WorkflowServiceGrpc.getPatchScheduleMethod().getFullMethodName(),
          WorkflowServiceGrpc.getDeleteScheduleMethod().getFullMethodName(),
          WorkflowServiceGrpc.getListSchedulesMethod().getFullMethodName(),
          WorkflowServiceGrpc.getCountSchedulesMethod().getFullMethodName(),
          WorkflowServiceGrpc.getListScheduleMatchingTimesMethod().getFullMethodName());

  /** RFC 3339 in whole seconds, UTC: Go's time.RFC3339 as Temporal's scheduler formats it. */
  private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ISO_INSTANT;

  private final TemporalClusters ownServer; // null when in front of another
  private final String temporalAddress;
  private final ManagedChannel temporal;
  private final WorkflowServiceBlockingStub temporalStub;
  private final CallTap tap =
      new CallTap(
          WorkflowServiceGrpc.getServiceDescriptor(), OperatorServiceGrpc.getServiceDescriptor());
  private final ScheduledExecutorService timer;
  private final Server server;
  // sorted so ListSchedules pages in a stable order by schedule id
  private final Map<Key, Sched> schedules = new ConcurrentSkipListMap<>();
  private final List<Started> started = new java.util.concurrent.CopyOnWriteArrayList<>();

  private record Key(String namespace, String scheduleId) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = namespace.compareTo(o.namespace);
      return c != 0 ? c : scheduleId.compareTo(o.scheduleId);
    }
  }

  /** Starts its own in-memory TestServer (time skipping off) and serves in front of it. */
  static ScheduleBackend start() {
    TemporalClusters own = TemporalClusters.start(1);
    return new ScheduleBackend(own, own.address(0));
  }

  /**
   * Serves in front of an already running Temporal frontend, e.g. one of {@link TemporalClusters}.
   */
  static ScheduleBackend inFrontOf(String temporalAddress) {
    return new ScheduleBackend(null, temporalAddress);
  }

  private ScheduleBackend(TemporalClusters ownServer, String temporalAddress) {
    this.ownServer = ownServer;
    this.temporalAddress = temporalAddress;
    this.temporal =
        NettyChannelBuilder.forTarget(temporalAddress)
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE)
            .build();
    this.temporalStub = WorkflowServiceGrpc.newBlockingStub(temporal);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "schedule-backend");
              t.setDaemon(true);
              return t;
            });
    try {
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .maxInboundMessageSize(MAX_MESSAGE)
              .addService(ServerInterceptors.intercept(workflowService(), tap))
              // health, operator and test services, and anything newer: relayed as they are
              .fallbackHandlerRegistry(new RelayEverything())
              .build()
              .start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The frontend calls are relayed to. */
  String temporalAddress() {
    return temporalAddress;
  }

  /** The namespace field of every request received, schedule or relayed, in order. */
  List<String> namespacesSeen() {
    return tap.namespacesSeen();
  }

  List<CallTap.Call> calls() {
    return tap.calls();
  }

  List<CallTap.Call> calls(String method) {
    String bare = CallTap.bare(method);
    return tap.calls().stream().filter(c -> c.method().equals(bare)).toList();
  }

  /** The next call of {@code method} (bare or full name) is answered with {@code status}. */
  ScheduleBackend failNext(String method, Status status) {
    tap.failNext(method, status);
    return this;
  }

  ScheduleBackend failNext(MethodDescriptor<?, ?> method, Status status) {
    return failNext(method.getFullMethodName(), status);
  }

  /**
   * While on, every call from outside answers UNAVAILABLE. Schedules keep firing: like a frontend
   * that is unreachable while the cluster behind it works.
   */
  ScheduleBackend unavailable(boolean on) {
    tap.failAll(on ? Status.UNAVAILABLE.withDescription("schedule backend switched off") : null);
    return this;
  }

  /** One workflow a schedule started on the TestServer, for its scheduled (nominal) time. */
  record Started(
      String namespace, String scheduleId, WorkflowExecution execution, Instant nominalTime) {}

  /** Every workflow any schedule has started, in order, including those of deleted schedules. */
  List<Started> started() {
    return List.copyOf(started);
  }

  /** Ids of the schedules that exist in {@code namespace}. */
  List<String> scheduleIds(String namespace) {
    return schedules.keySet().stream()
        .filter(k -> k.namespace().equals(namespace))
        .map(Key::scheduleId)
        .toList();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    if (server != null) {
      server.shutdownNow();
    }
    temporal.shutdownNow();
    if (ownServer != null) {
      ownServer.close();
    }
  }

  // ---------------------------------------------------------------- relaying

  private ServerServiceDefinition workflowService() {
    ServerServiceDefinition implemented = new Schedules().bindService();
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(WorkflowServiceGrpc.SERVICE_NAME);
    for (MethodDescriptor<?, ?> m : WorkflowServiceGrpc.getServiceDescriptor().getMethods()) {
      if (SCHEDULE_METHODS.contains(m.getFullMethodName())) {
        service.addMethod(implemented.getMethod(m.getFullMethodName()));
      } else {
        MethodDescriptor<byte[], byte[]> bytes =
            m.toBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE).build();
        service.addMethod(bytes, relay(bytes));
      }
    }
    return service.build();
  }

  /** Any method this server does not know, relayed untouched (recorded and failable too). */
  private final class RelayEverything extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> m =
          MethodDescriptor.newBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
              .setFullMethodName(methodName)
              .setType(MethodDescriptor.MethodType.UNKNOWN)
              .build();
      ServerCallHandler<byte[], byte[]> relay = relay(m);
      return ServerMethodDefinition.create(
          m, (call, headers) -> tap.interceptCall(call, headers, relay));
    }
  }

  private ServerCallHandler<byte[], byte[]> relay(MethodDescriptor<byte[], byte[]> method) {
    return (call, headers) -> new Relay(method, call, headers);
  }

  private static final Metadata.Key<String> CONTENT_TYPE =
      Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ACCEPT_ENCODING =
      Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER);

  /**
   * One relayed call, for any method type: messages flow both ways one at a time. The backend call
   * is opened on the first request message, so a call the tap fails never reaches it.
   */
  private final class Relay extends ServerCall.Listener<byte[]> {
    private final MethodDescriptor<byte[], byte[]> method;
    private final ServerCall<byte[], byte[]> serverCall;
    private final Metadata headers;
    private ClientCall<byte[], byte[]> backend;

    Relay(
        MethodDescriptor<byte[], byte[]> method,
        ServerCall<byte[], byte[]> serverCall,
        Metadata headers) {
      this.method = method;
      this.serverCall = serverCall;
      this.headers = headers;
      serverCall.request(1);
    }

    @Override
    public void onMessage(byte[] message) {
      if (backend == null) {
        open();
      }
      backend.sendMessage(message);
      serverCall.request(1);
    }

    private void open() {
      // the caller's deadline goes with the call, so long polls end when the caller's would
      Deadline deadline = Context.current().getDeadline();
      CallOptions options =
          deadline == null ? CallOptions.DEFAULT : CallOptions.DEFAULT.withDeadline(deadline);
      backend = temporal.newCall(method, options);
      backend.start(
          new ClientCall.Listener<>() {
            @Override
            public void onHeaders(Metadata responseHeaders) {
              // the backend hop's transport headers are not the caller's
              responseHeaders.discardAll(CONTENT_TYPE);
              responseHeaders.discardAll(ENCODING);
              responseHeaders.discardAll(ACCEPT_ENCODING);
              serverCall.sendHeaders(responseHeaders);
            }

            @Override
            public void onMessage(byte[] message) {
              serverCall.sendMessage(message);
              backend.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              try {
                serverCall.close(status, trailers);
              } catch (IllegalStateException alreadyClosed) {
                // the caller cancelled first
              }
            }
          },
          headers);
      backend.request(1);
    }

    @Override
    public void onHalfClose() {
      if (backend != null) {
        backend.halfClose();
      } else {
        serverCall.close(
            Status.INTERNAL.withDescription("half-closed without a request"), new Metadata());
      }
    }

    @Override
    public void onCancel() {
      if (backend != null) {
        backend.cancel("caller cancelled", null);
      }
    }
  }

  // ---------------------------------------------------------------- schedules

  /** One schedule; every field is guarded by the object's monitor. */
  private final class Sched {
    final Key key;
    final String createRequestId;
    final Instant createTime;
    Schedule schedule;
    io.temporal.api.common.v1.Memo memo;
    io.temporal.api.common.v1.SearchAttributes searchAttributes;
    Instant updateTime;
    long conflictToken = 1;
    long actionCount;
    long overlapSkipped;
    final Deque<ScheduleActionResult> recent = new ArrayDeque<>();
    final List<WorkflowExecution> running = new ArrayList<>();

    /** The last nominal time dealt with: the next action is at the first match after it. */
    Instant processedUpTo;

    ScheduledFuture<?> pending;
    long generation;
    boolean deleted;

    Sched(Key key, CreateScheduleRequest r, Instant now) {
      this.key = key;
      this.createRequestId = r.getRequestId();
      this.createTime = now;
      this.schedule = r.getSchedule();
      this.memo = r.getMemo();
      this.searchAttributes = r.getSearchAttributes();
      this.processedUpTo = now;
    }

    ScheduleOverlapPolicy overlap() {
      return schedule.getPolicies().getOverlapPolicy();
    }

    ByteString token() {
      return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(conflictToken).array());
    }
  }

  /** Puts the next scheduled action on the timer, replacing any pending one. Holds s's lock. */
  private void arm(Sched s) {
    s.generation++;
    if (s.pending != null) {
      s.pending.cancel(false);
      s.pending = null;
    }
    if (s.deleted || s.schedule.getState().getPaused() || exhausted(s)) {
      return;
    }
    Instant next = nextTime(s.schedule.getSpec(), s.processedUpTo);
    if (next == null) {
      return;
    }
    long gen = s.generation;
    long delayMs = Math.max(0, next.toEpochMilli() - System.currentTimeMillis());
    try {
      s.pending = timer.schedule(() -> fire(s, next, gen), delayMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the backend is closing
    }
  }

  private static boolean exhausted(Sched s) {
    return s.schedule.getState().getLimitedActions()
        && s.schedule.getState().getRemainingActions() <= 0;
  }

  private void fire(Sched s, Instant nominal, long generation) {
    synchronized (s) {
      // a pause, update or delete after this was queued has already re-armed or stopped it
      if (s.generation != generation || s.deleted) {
        return;
      }
      s.processedUpTo = nominal;
      if (!s.schedule.getState().getPaused() && !exhausted(s)) {
        if (s.schedule.getState().getLimitedActions()) {
          s.schedule =
              s.schedule.toBuilder()
                  .setState(
                      s.schedule.getState().toBuilder()
                          .setRemainingActions(s.schedule.getState().getRemainingActions() - 1))
                  .build();
        }
        act(s, nominal, s.overlap());
      }
      arm(s);
    }
  }

  /**
   * Takes the schedule's action for {@code nominal}, honouring the overlap policy. Holds s's lock.
   */
  private void act(Sched s, Instant nominal, ScheduleOverlapPolicy overlap) {
    refreshRunning(s);
    if (!s.running.isEmpty()) {
      switch (overlap) {
        case SCHEDULE_OVERLAP_POLICY_ALLOW_ALL -> {}
        case SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER -> {
          for (WorkflowExecution e : s.running) {
            quietly(
                () ->
                    temporalStub
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .terminateWorkflowExecution(
                            TerminateWorkflowExecutionRequest.newBuilder()
                                .setNamespace(s.key.namespace())
                                .setWorkflowExecution(e)
                                .setReason("terminated by schedule overlap policy")
                                .setIdentity("temporal-scheduler")
                                .build()));
          }
          refreshRunning(s);
        }
        case SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER -> {
          for (WorkflowExecution e : s.running) {
            quietly(
                () ->
                    temporalStub
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .requestCancelWorkflowExecution(
                            RequestCancelWorkflowExecutionRequest.newBuilder()
                                .setNamespace(s.key.namespace())
                                .setWorkflowExecution(e)
                                .setIdentity("temporal-scheduler")
                                .setRequestId(UUID.randomUUID().toString())
                                .build()));
          }
        }
        default -> {
          // SKIP, Temporal's default: nothing starts while an earlier run is open
          s.overlapSkipped++;
          return;
        }
      }
    }
    NewWorkflowExecutionInfo w = s.schedule.getAction().getStartWorkflow();
    String workflowId =
        s.schedule.getPolicies().getKeepOriginalWorkflowId()
            ? w.getWorkflowId()
            : w.getWorkflowId() + "-" + ID_TIME.format(nominal.truncatedTo(ChronoUnit.SECONDS));
    StartWorkflowExecutionRequest.Builder start =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(s.key.namespace())
            .setWorkflowId(workflowId)
            .setWorkflowType(w.getWorkflowType())
            .setTaskQueue(w.getTaskQueue())
            .setIdentity("temporal-scheduler")
            // the same action asked twice is one start, as Temporal's scheduler makes sure
            .setRequestId(
                UUID.nameUUIDFromBytes(
                        (s.key.namespace() + "/" + s.key.scheduleId() + "/" + workflowId)
                            .getBytes(StandardCharsets.UTF_8))
                    .toString())
            .setWorkflowIdReusePolicy(w.getWorkflowIdReusePolicy())
            .setCronSchedule(w.getCronSchedule());
    if (w.hasInput()) start.setInput(w.getInput());
    if (w.hasWorkflowExecutionTimeout())
      start.setWorkflowExecutionTimeout(w.getWorkflowExecutionTimeout());
    if (w.hasWorkflowRunTimeout()) start.setWorkflowRunTimeout(w.getWorkflowRunTimeout());
    if (w.hasWorkflowTaskTimeout()) start.setWorkflowTaskTimeout(w.getWorkflowTaskTimeout());
    if (w.hasRetryPolicy()) start.setRetryPolicy(w.getRetryPolicy());
    if (w.hasMemo()) start.setMemo(w.getMemo());
    if (w.hasSearchAttributes()) start.setSearchAttributes(w.getSearchAttributes());
    if (w.hasHeader()) start.setHeader(w.getHeader());
    if (w.hasUserMetadata()) start.setUserMetadata(w.getUserMetadata());
    if (w.hasVersioningOverride()) start.setVersioningOverride(w.getVersioningOverride());
    if (w.hasPriority()) start.setPriority(w.getPriority());
    StartWorkflowExecutionResponse response;
    try {
      response =
          temporalStub
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .startWorkflowExecution(start.build());
    } catch (StatusRuntimeException e) {
      // Temporal would retry; for a test a log line and a missing action say enough
      log.warn("schedule {} could not start {}: {}", s.key, workflowId, e.getStatus());
      return;
    }
    WorkflowExecution execution =
        WorkflowExecution.newBuilder()
            .setWorkflowId(workflowId)
            .setRunId(response.getRunId())
            .build();
    s.actionCount++;
    s.running.add(execution);
    started.add(new Started(s.key.namespace(), s.key.scheduleId(), execution, nominal));
    s.recent.addLast(
        ScheduleActionResult.newBuilder()
            .setScheduleTime(timestamp(nominal))
            .setActualTime(timestamp(Instant.now()))
            .setStartWorkflowResult(execution)
            .setStartWorkflowStatus(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING)
            .build());
    while (s.recent.size() > RECENT_ACTIONS) {
      s.recent.removeFirst();
    }
  }

  /** Asks the TestServer which started runs are still open; records the closed ones' status. */
  private void refreshRunning(Sched s) {
    List<WorkflowExecution> still = new ArrayList<>();
    for (WorkflowExecution e : s.running) {
      WorkflowExecutionStatus status;
      try {
        status =
            temporalStub
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(s.key.namespace())
                        .setExecution(e)
                        .build())
                .getWorkflowExecutionInfo()
                .getStatus();
      } catch (StatusRuntimeException ex) {
        if (ex.getStatus().getCode() == Status.Code.NOT_FOUND) {
          continue; // gone: nothing can overlap with it any more
        }
        still.add(e); // unknown: assume it is still running
        continue;
      }
      if (status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        still.add(e);
      } else {
        setRecentStatus(s, e, status);
      }
    }
    s.running.clear();
    s.running.addAll(still);
  }

  private static void setRecentStatus(
      Sched s, WorkflowExecution e, WorkflowExecutionStatus status) {
    List<ScheduleActionResult> updated = new ArrayList<>();
    for (ScheduleActionResult r : s.recent) {
      updated.add(
          r.getStartWorkflowResult().equals(e)
              ? r.toBuilder().setStartWorkflowStatus(status).build()
              : r);
    }
    s.recent.clear();
    s.recent.addAll(updated);
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (StatusRuntimeException e) {
      log.warn("schedule overlap handling failed: {}", e.getStatus());
    }
  }

  // ---------------------------------------------------------------- time

  /**
   * The first matching time strictly after {@code after}. Like Temporal, intervals count whole
   * seconds from the Unix epoch: a match is {@code n * interval + phase}.
   */
  static Instant nextTime(ScheduleSpec spec, Instant after) {
    long ts = after.getEpochSecond();
    if (spec.hasStartTime()) {
      Instant start = instant(spec.getStartTime());
      long startSec = start.getEpochSecond() + (start.getNano() > 0 ? 1 : 0);
      ts = Math.max(ts, startSec - 1);
    }
    long best = Long.MAX_VALUE;
    for (IntervalSpec iv : spec.getIntervalList()) {
      long interval = iv.getInterval().getSeconds();
      long phase = iv.getPhase().getSeconds();
      if (interval <= 0) {
        continue;
      }
      long n = (Math.floorDiv(ts - phase, interval) + 1) * interval + phase;
      best = Math.min(best, n);
    }
    if (best == Long.MAX_VALUE) {
      return null;
    }
    if (spec.hasEndTime() && best > instant(spec.getEndTime()).getEpochSecond()) {
      return null;
    }
    return Instant.ofEpochSecond(best);
  }

  private static List<Timestamp> futureTimes(Sched s, int n) {
    int count = n;
    if (s.schedule.getState().getLimitedActions()) {
      count = (int) Math.min(count, Math.max(0, s.schedule.getState().getRemainingActions()));
    }
    List<Timestamp> out = new ArrayList<>();
    Instant t = s.processedUpTo;
    while (out.size() < count) {
      t = nextTime(s.schedule.getSpec(), t);
      if (t == null) {
        break;
      }
      out.add(timestamp(t));
    }
    return out;
  }

  static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  // ---------------------------------------------------------------- validation and errors

  private static void validate(Schedule schedule) {
    ScheduleSpec spec = schedule.getSpec();
    if (spec.getCalendarCount() > 0
        || spec.getStructuredCalendarCount() > 0
        || spec.getCronStringCount() > 0
        || spec.getExcludeCalendarCount() > 0
        || spec.getExcludeStructuredCalendarCount() > 0) {
      throw invalid("ScheduleBackend models only interval specs, not calendars or cron strings");
    }
    for (IntervalSpec iv : spec.getIntervalList()) {
      if (iv.getInterval().getSeconds() < 1) {
        throw invalid("Interval is too small: must be at least 1 second");
      }
    }
    if (!schedule.getAction().hasStartWorkflow()) {
      throw invalid("Schedule action must be start_workflow");
    }
    NewWorkflowExecutionInfo w = schedule.getAction().getStartWorkflow();
    if (w.getWorkflowId().isEmpty()) {
      throw invalid("WorkflowId is not set on request.");
    }
    if (w.getWorkflowType().getName().isEmpty()) {
      throw invalid("WorkflowType is not set on request.");
    }
    if (w.getTaskQueue().getName().isEmpty()) {
      throw invalid("TaskQueue is not set on request.");
    }
    checkOverlap(schedule.getPolicies().getOverlapPolicy());
  }

  private static void checkOverlap(ScheduleOverlapPolicy p) {
    if (p == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE
        || p == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_BUFFER_ALL) {
      throw invalid("ScheduleBackend does not model overlap policy " + p);
    }
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  /** Temporal answers for a schedule whose scheduler workflow does not exist. */
  private static StatusRuntimeException notFound(Key key) {
    return Status.NOT_FOUND
        .withDescription("workflow not found for ID: temporal-sys-scheduler:" + key.scheduleId())
        .asRuntimeException();
  }

  /**
   * Temporal's answer to a second CreateSchedule: its scheduler workflow is already running. The
   * details make the SDKs raise their "schedule already running" exceptions.
   */
  private static StatusRuntimeException alreadyExists(Key key, String runId, String requestId) {
    String message =
        "Workflow execution is already running. WorkflowId: temporal-sys-scheduler:"
            + key.scheduleId()
            + ", RunId: "
            + runId
            + ".";
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.ALREADY_EXISTS.value())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    WorkflowExecutionAlreadyStartedFailure.newBuilder()
                        .setStartRequestId(requestId)
                        .setRunId(runId)
                        .build()))
            .build());
  }

  private Key key(String namespace, String scheduleId) {
    if (namespace.isEmpty()) {
      throw invalid("Namespace not set on request.");
    }
    if (scheduleId.isEmpty()) {
      throw invalid("ScheduleId is not set on request.");
    }
    return new Key(namespace, scheduleId);
  }

  private Sched existing(String namespace, String scheduleId) {
    Key k = key(namespace, scheduleId);
    Sched s = schedules.get(k);
    if (s == null) {
      throw notFound(k);
    }
    return s;
  }

  /** The run id Temporal would report for a schedule's scheduler workflow; stable per schedule. */
  private static String schedulerRunId(Sched s) {
    return UUID.nameUUIDFromBytes(
            (s.key.namespace() + "/" + s.key.scheduleId() + "/" + s.createTime)
                .getBytes(StandardCharsets.UTF_8))
        .toString();
  }

  // ---------------------------------------------------------------- the schedule RPCs

  private final class Schedules extends WorkflowServiceGrpc.WorkflowServiceImplBase {
    @Override
    public void createSchedule(
        CreateScheduleRequest request, StreamObserver<CreateScheduleResponse> response) {
      answer(
          response,
          () -> {
            Key k = key(request.getNamespace(), request.getScheduleId());
            validate(request.getSchedule());
            if (request.hasInitialPatch()) {
              validatePatch(request.getInitialPatch());
            }
            Sched created = new Sched(k, request, Instant.now());
            Sched prior = schedules.putIfAbsent(k, created);
            if (prior != null) {
              synchronized (prior) {
                // a retry of the same create is the same create, as with workflow starts
                if (!request.getRequestId().isEmpty()
                    && request.getRequestId().equals(prior.createRequestId)) {
                  return CreateScheduleResponse.newBuilder()
                      .setConflictToken(prior.token())
                      .build();
                }
                throw alreadyExists(k, schedulerRunId(prior), prior.createRequestId);
              }
            }
            synchronized (created) {
              if (request.hasInitialPatch()) {
                applyPatch(created, request.getInitialPatch());
              }
              arm(created);
              return CreateScheduleResponse.newBuilder().setConflictToken(created.token()).build();
            }
          });
    }

    @Override
    public void describeSchedule(
        DescribeScheduleRequest request, StreamObserver<DescribeScheduleResponse> response) {
      answer(
          response,
          () -> {
            Sched s = existing(request.getNamespace(), request.getScheduleId());
            synchronized (s) {
              refreshRunning(s);
              ScheduleInfo.Builder info =
                  ScheduleInfo.newBuilder()
                      .setActionCount(s.actionCount)
                      .setOverlapSkipped(s.overlapSkipped)
                      .addAllRunningWorkflows(s.running)
                      .addAllRecentActions(s.recent)
                      .addAllFutureActionTimes(futureTimes(s, FUTURE_TIMES))
                      .setCreateTime(timestamp(s.createTime));
              if (s.updateTime != null) {
                info.setUpdateTime(timestamp(s.updateTime));
              }
              return DescribeScheduleResponse.newBuilder()
                  .setSchedule(s.schedule)
                  .setInfo(info)
                  .setMemo(s.memo)
                  .setSearchAttributes(s.searchAttributes)
                  .setConflictToken(s.token())
                  .build();
            }
          });
    }

    @Override
    public void updateSchedule(
        UpdateScheduleRequest request, StreamObserver<UpdateScheduleResponse> response) {
      answer(
          response,
          () -> {
            Sched s = existing(request.getNamespace(), request.getScheduleId());
            validate(request.getSchedule());
            synchronized (s) {
              // Temporal's scheduler drops an update whose token is stale, without an error
              if (!request.getConflictToken().isEmpty()
                  && !request.getConflictToken().equals(s.token())) {
                return UpdateScheduleResponse.getDefaultInstance();
              }
              s.schedule = request.getSchedule();
              if (request.hasSearchAttributes()) {
                s.searchAttributes = request.getSearchAttributes();
              }
              if (request.hasMemo()) {
                s.memo = request.getMemo();
              }
              s.conflictToken++;
              s.updateTime = Instant.now();
              // the new spec applies from now on: no catching up on times already passed
              s.processedUpTo = max(s.processedUpTo, s.updateTime);
              arm(s);
              return UpdateScheduleResponse.getDefaultInstance();
            }
          });
    }

    @Override
    public void patchSchedule(
        PatchScheduleRequest request, StreamObserver<PatchScheduleResponse> response) {
      answer(
          response,
          () -> {
            Sched s = existing(request.getNamespace(), request.getScheduleId());
            validatePatch(request.getPatch());
            synchronized (s) {
              applyPatch(s, request.getPatch());
              s.updateTime = Instant.now();
              arm(s);
              return PatchScheduleResponse.getDefaultInstance();
            }
          });
    }

    @Override
    public void deleteSchedule(
        DeleteScheduleRequest request, StreamObserver<DeleteScheduleResponse> response) {
      answer(
          response,
          () -> {
            Sched s = existing(request.getNamespace(), request.getScheduleId());
            synchronized (s) {
              // started workflows stay, as on Temporal; only future actions stop
              s.deleted = true;
              arm(s);
              schedules.remove(s.key, s);
            }
            return DeleteScheduleResponse.getDefaultInstance();
          });
    }

    @Override
    public void listSchedules(
        ListSchedulesRequest request, StreamObserver<ListSchedulesResponse> response) {
      answer(
          response,
          () -> {
            String ns = request.getNamespace();
            if (ns.isEmpty()) {
              throw invalid("Namespace not set on request.");
            }
            if (!request.getQuery().isEmpty()) {
              throw invalid("ScheduleBackend does not model list queries: " + request.getQuery());
            }
            String after =
                request.getNextPageToken().isEmpty()
                    ? null
                    : parseToken(request.getNextPageToken());
            int size =
                request.getMaximumPageSize() <= 0
                    ? DEFAULT_PAGE_SIZE
                    : request.getMaximumPageSize();
            List<Sched> matching =
                schedules.values().stream()
                    .filter(s -> s.key.namespace().equals(ns))
                    .filter(s -> after == null || s.key.scheduleId().compareTo(after) > 0)
                    .toList();
            ListSchedulesResponse.Builder b = ListSchedulesResponse.newBuilder();
            for (Sched s : matching.subList(0, Math.min(size, matching.size()))) {
              b.addSchedules(listEntry(s));
            }
            if (matching.size() > size) {
              b.setNextPageToken(token(matching.get(size - 1).key.scheduleId()));
            }
            return b.build();
          });
    }

    @Override
    public void countSchedules(
        CountSchedulesRequest request, StreamObserver<CountSchedulesResponse> response) {
      answer(
          response,
          () -> {
            if (request.getNamespace().isEmpty()) {
              throw invalid("Namespace not set on request.");
            }
            if (!request.getQuery().isEmpty()) {
              throw invalid("ScheduleBackend does not model count queries: " + request.getQuery());
            }
            return CountSchedulesResponse.newBuilder()
                .setCount(scheduleIds(request.getNamespace()).size())
                .build();
          });
    }

    @Override
    public void listScheduleMatchingTimes(
        ListScheduleMatchingTimesRequest request,
        StreamObserver<ListScheduleMatchingTimesResponse> response) {
      answer(
          response,
          () -> {
            Sched s = existing(request.getNamespace(), request.getScheduleId());
            ScheduleSpec spec;
            synchronized (s) {
              spec = s.schedule.getSpec();
            }
            Instant end = instant(request.getEndTime());
            ListScheduleMatchingTimesResponse.Builder b =
                ListScheduleMatchingTimesResponse.newBuilder();
            // from start_time (exclusive) to end_time (inclusive), as Temporal counts them
            Instant t = instant(request.getStartTime());
            while (b.getStartTimeCount() < MAX_MATCHING_TIMES) {
              t = nextTime(spec, t);
              if (t == null || t.isAfter(end)) {
                break;
              }
              b.addStartTime(timestamp(t));
            }
            return b.build();
          });
    }
  }

  private static void validatePatch(SchedulePatch patch) {
    if (patch.getBackfillRequestCount() > 0) {
      throw invalid("ScheduleBackend does not model backfills");
    }
    if (patch.hasTriggerImmediately()) {
      checkOverlap(patch.getTriggerImmediately().getOverlapPolicy());
    }
  }

  /** Applies pause, unpause and trigger-immediately. Holds s's lock; the caller re-arms. */
  private void applyPatch(Sched s, SchedulePatch patch) {
    if (!patch.getPause().isEmpty()) {
      s.schedule =
          s.schedule.toBuilder()
              .setState(
                  s.schedule.getState().toBuilder().setPaused(true).setNotes(patch.getPause()))
              .build();
    }
    if (!patch.getUnpause().isEmpty()) {
      s.schedule =
          s.schedule.toBuilder()
              .setState(
                  s.schedule.getState().toBuilder().setPaused(false).setNotes(patch.getUnpause()))
              .build();
      // time passed while paused is not made up for
      s.processedUpTo = max(s.processedUpTo, Instant.now());
    }
    if (patch.hasTriggerImmediately()) {
      ScheduleOverlapPolicy p = patch.getTriggerImmediately().getOverlapPolicy();
      // a manual trigger acts even when paused or out of actions, as on Temporal
      act(
          s,
          Instant.now(),
          p == ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_UNSPECIFIED ? s.overlap() : p);
    }
  }

  private ScheduleListEntry listEntry(Sched s) {
    synchronized (s) {
      List<ScheduleActionResult> recent = new ArrayList<>(s.recent);
      return ScheduleListEntry.newBuilder()
          .setScheduleId(s.key.scheduleId())
          .setMemo(s.memo)
          .setSearchAttributes(s.searchAttributes)
          .setInfo(
              ScheduleListInfo.newBuilder()
                  .setSpec(s.schedule.getSpec())
                  .setWorkflowType(s.schedule.getAction().getStartWorkflow().getWorkflowType())
                  .setNotes(s.schedule.getState().getNotes())
                  .setPaused(s.schedule.getState().getPaused())
                  .addAllRecentActions(
                      recent.subList(Math.max(0, recent.size() - LIST_ENTRY_TIMES), recent.size()))
                  .addAllFutureActionTimes(futureTimes(s, LIST_ENTRY_TIMES)))
          .build();
    }
  }

  private static final String LIST_TOKEN_PREFIX = "schedule-backend-list:";

  private static ByteString token(String lastScheduleId) {
    return ByteString.copyFromUtf8(LIST_TOKEN_PREFIX + lastScheduleId);
  }

  private static String parseToken(ByteString token) {
    String s = token.toStringUtf8();
    if (!token.isValidUtf8() || !s.startsWith(LIST_TOKEN_PREFIX)) {
      throw invalid("invalid page token");
    }
    return s.substring(LIST_TOKEN_PREFIX.length());
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static <T> void answer(StreamObserver<T> response, Supplier<T> body) {
    T message;
    try {
      message = body.get();
    } catch (StatusRuntimeException e) {
      response.onError(e);
      return;
    }
    response.onNext(message);
    response.onCompleted();
  }
}
