package dev.tempura.app.sandbox;

import static java.util.Objects.requireNonNull;

import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed capacity in front of one in-process Temporal server, so that it behaves like a cluster
 * whose history shard count cannot grow: a gRPC server that forwards every call, as bytes, to the
 * server behind it, but makes each state-changing call first take one of {@code shards} permits
 * and hold it for {@code serviceTime}. With 4 shards of 10 ms the cluster does at most 400 state
 * transitions a second; calls beyond that wait their turn in one FIFO queue, and their latency
 * grows with the queue.
 *
 * <p><b>This is an emulation of shard-lock contention, not Temporal's real behaviour.</b> A real
 * history service serialises the updates of the workflows that hash to one shard and its latency
 * also depends on persistence, caches, matching and many other things; here every state-changing
 * call simply needs any free permit for a constant time. It reproduces the one symptom the
 * scale-out scenario is about: past a fixed throughput, StartWorkflowExecution latency climbs,
 * and only more capacity (another cluster) brings it down. The in-memory test server behind it
 * has no shards at all.
 *
 * <p>The gate never blocks a gRPC thread: a waiting call is a queue entry, and a {@link
 * ScheduledExecutorService} releases each permit after the service time and forwards the call.
 * Everything else (polls, describes, history reads, the {@code grpc.health.v1} checks Tempura
 * makes) passes straight through. A call whose client gives up while it waits is dropped from
 * its turn; its deadline travels with it to the server behind.
 */
final class CapacityLimiter implements AutoCloseable {
  /** The WorkflowService methods that change a workflow's state and so need a shard. */
  static final Set<String> STATE_CHANGING =
      Set.of(
          "StartWorkflowExecution",
          "SignalWithStartWorkflowExecution",
          "SignalWorkflowExecution",
          "RespondWorkflowTaskCompleted",
          "RespondActivityTaskCompleted",
          "RespondActivityTaskFailed",
          "RespondWorkflowTaskFailed");

  private static final int MAX_MESSAGE_BYTES = 128 * 1024 * 1024;
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = ByteMarshaller.INSTANCE;

  private final ManagedChannel backend;
  private final ShardGate gate;
  private final Server server;

  private CapacityLimiter(String target, int shards, Duration serviceTime) throws IOException {
    this.backend =
        ManagedChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    this.gate = new ShardGate(shards, serviceTime);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .addService(forwarding(WorkflowServiceGrpc.getServiceDescriptor(), true))
            .addService(forwarding(HealthGrpc.getServiceDescriptor(), false))
            .fallbackHandlerRegistry(new Passthrough());
    try {
      this.server = builder.build().start();
    } catch (IOException | RuntimeException e) {
      gate.close();
      backend.shutdownNow();
      throw e;
    }
  }

  /**
   * Starts a limiter on a free loopback port.
   *
   * @param target the Temporal server behind it, {@code host:port}
   * @param shards how many state-changing calls may be served at once
   * @param serviceTime how long each of them holds its permit
   */
  static CapacityLimiter start(String target, int shards, Duration serviceTime)
      throws IOException {
    requireNonNull(target, "target");
    if (shards < 1) {
      throw new IllegalArgumentException("shards: " + shards + " (expected: 1 or more)");
    }
    if (serviceTime.isNegative()) {
      throw new IllegalArgumentException("serviceTime: " + serviceTime + " (expected: >= 0)");
    }
    return new CapacityLimiter(target, shards, serviceTime);
  }

  /** {@code 127.0.0.1:port}, the address clients use instead of the server behind. */
  String address() {
    return InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
  }

  /** State-changing calls that have held a permit (served or being served) since the start. */
  long transitions() {
    return gate.served.get();
  }

  /** State-changing calls waiting for a permit now. */
  int queued() {
    return gate.queued();
  }

  /** The most state-changing calls a second this capacity can serve. */
  double capacityPerSecond() {
    return gate.serviceNanos == 0
        ? Double.POSITIVE_INFINITY
        : gate.shards * 1e9 / gate.serviceNanos;
  }

  @Override
  public void close() {
    server.shutdownNow();
    gate.close();
    backend.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      backend.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Every method of {@code service}, bound with byte marshallers and forwarded. */
  private ServerServiceDefinition forwarding(ServiceDescriptor service, boolean gateable) {
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service.getName());
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      boolean gated = gateable && STATE_CHANGING.contains(method.getBareMethodName());
      definition.addMethod(bytes(method.getFullMethodName(), method.getType()), new Forward(gated));
    }
    return definition.build();
  }

  private static MethodDescriptor<byte[], byte[]> bytes(
      String fullMethodName, MethodDescriptor.MethodType type) {
    return MethodDescriptor.newBuilder(BYTES, BYTES)
        .setFullMethodName(fullMethodName)
        .setType(type)
        .build();
  }

  /** Anything not bound above (OperatorService, reflection, ...) is forwarded unlimited. */
  private final class Passthrough extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      return ServerMethodDefinition.create(
          bytes(methodName, MethodDescriptor.MethodType.UNKNOWN), new Forward(false));
    }
  }

  /** Starts a {@link Bridge} per call. */
  private final class Forward implements ServerCallHandler<byte[], byte[]> {
    private final boolean gated;

    Forward(boolean gated) {
      this.gated = gated;
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      CallOptions options = CallOptions.DEFAULT;
      Deadline deadline = Context.current().getDeadline();
      if (deadline != null) {
        options = options.withDeadline(deadline);
      }
      ClientCall<byte[], byte[]> forwarded = backend.newCall(call.getMethodDescriptor(), options);
      Bridge bridge = new Bridge(call, forwarded, headers, gated);
      if (!gated) {
        bridge.begin();
      }
      call.request(1);
      return bridge;
    }
  }

  /**
   * One call, relayed both ways. A gated call keeps its request messages until the client has
   * sent them all, then queues for a permit; only then does the call to the server behind start.
   * Every use of either call is under this object's lock, so neither is used concurrently.
   */
  private final class Bridge extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], byte[]> inbound;
    private final ClientCall<byte[], byte[]> outbound;
    private final Metadata headers;
    private final boolean gated;
    private final List<byte[]> pending = new ArrayList<>();
    private boolean begun;
    private boolean halfClosed;
    private boolean cancelled;

    Bridge(
        ServerCall<byte[], byte[]> inbound,
        ClientCall<byte[], byte[]> outbound,
        Metadata headers,
        boolean gated) {
      this.inbound = inbound;
      this.outbound = outbound;
      this.headers = headers;
      this.gated = gated;
    }

    /** Starts the call to the server behind and sends what the client has sent so far. */
    synchronized void begin() {
      if (cancelled || begun) {
        return;
      }
      begun = true;
      outbound.start(new Relay(), headers);
      outbound.request(1);
      for (byte[] message : pending) {
        outbound.sendMessage(message);
      }
      pending.clear();
      if (halfClosed) {
        outbound.halfClose();
      }
    }

    @Override
    public synchronized void onMessage(byte[] message) {
      if (begun) {
        outbound.sendMessage(message);
      } else {
        pending.add(message);
      }
      inbound.request(1);
    }

    @Override
    public void onHalfClose() {
      synchronized (this) {
        halfClosed = true;
        if (begun) {
          outbound.halfClose();
          return;
        }
      }
      if (gated) {
        gate.submit(this);
      }
    }

    @Override
    public synchronized void onCancel() {
      cancelled = true;
      if (begun) {
        outbound.cancel("the client cancelled the call", null);
      }
    }

    synchronized boolean cancelled() {
      return cancelled;
    }

    /** The server behind's answers, relayed to the client. */
    private final class Relay extends ClientCall.Listener<byte[]> {
      @Override
      public void onHeaders(Metadata responseHeaders) {
        synchronized (Bridge.this) {
          if (!cancelled) {
            inbound.sendHeaders(responseHeaders);
          }
        }
      }

      @Override
      public void onMessage(byte[] message) {
        synchronized (Bridge.this) {
          if (!cancelled) {
            inbound.sendMessage(message);
            outbound.request(1);
          }
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        synchronized (Bridge.this) {
          if (!cancelled) {
            inbound.close(status, trailers);
          }
        }
      }
    }
  }

  /**
   * {@code shards} permits, each held for the service time; calls beyond them wait in FIFO order.
   * Non-blocking: a held permit is a scheduled task that, when it fires, hands the permit to the
   * next waiting call (or frees it) and forwards its own call.
   */
  private static final class ShardGate {
    private final int shards;
    private final long serviceNanos;
    private final ScheduledExecutorService timer;
    private final AtomicLong served = new AtomicLong();
    private final Queue<Bridge> waiting = new ArrayDeque<>(); // guarded by this
    private int free; // guarded by this

    ShardGate(int shards, Duration serviceTime) {
      this.shards = shards;
      this.serviceNanos = serviceTime.toNanos();
      this.free = shards;
      this.timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "sandbox-shard-gate");
                t.setDaemon(true);
                return t;
              });
    }

    void submit(Bridge call) {
      synchronized (this) {
        if (free == 0) {
          waiting.add(call);
          return;
        }
        free--;
      }
      hold(call);
    }

    synchronized int queued() {
      return waiting.size();
    }

    private void hold(Bridge call) {
      served.incrementAndGet();
      timer.schedule(() -> release(call), serviceNanos, TimeUnit.NANOSECONDS);
    }

    /** The permit's service time is over: pass it on, then forward the call that held it. */
    private void release(Bridge done) {
      Bridge next;
      synchronized (this) {
        do {
          next = waiting.poll();
          // a call whose client has gone does not spend a permit
        } while (next != null && next.cancelled());
        if (next == null) {
          free++;
        }
      }
      if (next != null) {
        hold(next);
      }
      done.begin();
    }

    void close() {
      timer.shutdownNow();
    }
  }
}
