package dev.tempura.proxy.e2e;

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
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Temporal frontend that can turn slow or stall: a gRPC server on 127.0.0.1 that forwards every
 * call, message bytes untouched, to a real frontend (typically an in-memory TestServer), and
 * injects faults on demand.
 *
 * <p>Forwarded: every WorkflowService method, the standard health service ({@code
 * grpc.health.v1.Health/Check} and {@code Watch}), and, through a fallback registry, any other
 * method a client calls (e.g. OperatorService). Request headers (minus those describing this hop's
 * own transport), the deadline and cancellation go to the target; response headers, messages,
 * status and trailers come back. Streams are relayed with flow control, so the health Watch stream
 * works too.
 *
 * <p>Faults, all thread-safe and switchable at any time, are decided once, when a call arrives, in
 * this order:
 *
 * <ol>
 *   <li>{@link #stall(boolean) stalled}: the call is held, neither forwarded nor answered, until
 *       the client gives up (deadline or cancellation). When unstalled, held calls whose client is
 *       still waiting are dispatched then (failure, delay or forwarding as for a new call), like a
 *       cluster recovering from a pause and working off its queue. This matters for the SDK's long
 *       polls, whose ~70 s deadlines would otherwise keep a worker idle long after the stall.
 *   <li>{@link #failWith failure}: answered at once with that status, not forwarded.
 *   <li>{@link #delay delay}: forwarded after the delay for that method, or else the {@link
 *       #delayAll} delay. The wait runs on a scheduler, never on a gRPC thread.
 * </ol>
 *
 * Calls already forwarded or waiting out a delay are not affected by later changes.
 *
 * <p>Methods are named by their bare name ({@code "StartWorkflowExecution"}, {@code "Check"}) in
 * every API here; WorkflowService and the health service share no bare names.
 */
final class FaultyBackend implements AutoCloseable {
  /** What the SDK allows for one message: histories can be this large, on every hop. */
  static final int MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

  private static final Metadata.Key<String> CONTENT_TYPE = ascii("content-type");
  private static final Metadata.Key<String> TE = ascii("te");
  private static final Metadata.Key<String> ENCODING = ascii("grpc-encoding");
  private static final Metadata.Key<String> ACCEPT_ENCODING = ascii("grpc-accept-encoding");
  private static final Metadata.Key<String> TIMEOUT = ascii("grpc-timeout");

  private final String target;
  private final ManagedChannel channel;
  private final Server server;
  private final ScheduledThreadPoolExecutor scheduler;

  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final Map<String, Status> failures = new ConcurrentHashMap<>();
  private volatile Duration delayAll = Duration.ZERO;

  // stalled and held change together, so a call arriving while stall(false) runs is either held
  // and released by it, or not held at all
  private final Object stallLock = new Object();
  private boolean stalled;
  private final Set<Relay> held = new LinkedHashSet<>();

  /** Starts forwarding to {@code target}, a "host:port" gRPC address of a Temporal frontend. */
  FaultyBackend(String target) {
    this.target = Objects.requireNonNull(target, "target");
    scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "faulty-backend-delays");
      t.setDaemon(true); // a test that forgets close() must not keep the JVM alive
      return t;
    });
    // a cleared delay should not keep its task (and the call it references) until it would run
    scheduler.setRemoveOnCancelPolicy(true);
    channel =
        NettyChannelBuilder.forTarget(target)
            .usePlaintext()
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .build();
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .addService(forwarding(WorkflowServiceGrpc.getServiceDescriptor()))
            .addService(forwarding(HealthGrpc.getServiceDescriptor()))
            .fallbackHandlerRegistry(new ForwardAnything());
    try {
      // port 0: the kernel picks a free port atomically, no probe-then-bind race
      server = builder.build().start();
    } catch (IOException e) {
      channel.shutdownNow();
      scheduler.shutdownNow();
      throw new UncheckedIOException(e);
    }
  }

  /** "127.0.0.1:port" to point clients at. */
  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** The frontend calls are forwarded to. */
  String target() {
    return target;
  }

  /** Forwards {@code bareMethodName} calls only after {@code d}; zero exempts it from delayAll. */
  void delay(String bareMethodName, Duration d) {
    delays.put(Objects.requireNonNull(bareMethodName), nonNegative(d));
  }

  /** Forwards every call, of a method without its own {@link #delay}, only after {@code d}. */
  void delayAll(Duration d) {
    delayAll = nonNegative(d);
  }

  /** Removes all per-method delays and the delayAll delay. */
  void clearDelays() {
    delays.clear();
    delayAll = Duration.ZERO;
  }

  /**
   * Stalls (true) or resumes (false). While stalled, new calls, health checks included, are held
   * unanswered; calls already in flight carry on. Resuming dispatches the held calls still waiting.
   */
  void stall(boolean stall) {
    List<Relay> release;
    synchronized (stallLock) {
      stalled = stall;
      if (stall) {
        return;
      }
      release = new ArrayList<>(held);
      held.clear();
    }
    // outside the lock: dispatching takes each call's own lock
    for (Relay r : release) {
      dispatch(r);
    }
  }

  /** Whether new calls are being held. */
  boolean stalled() {
    synchronized (stallLock) {
      return stalled;
    }
  }

  /** Calls currently held by a stall whose client is still waiting. */
  int heldCalls() {
    synchronized (stallLock) {
      return held.size();
    }
  }

  /** Answers {@code bareMethodName} at once with {@code status} (not OK) instead of forwarding. */
  void failWith(String bareMethodName, Status status) {
    Objects.requireNonNull(bareMethodName);
    if (status.isOk()) {
      // an OK close without a message is itself an error for a unary call: say what you mean
      throw new IllegalArgumentException("failWith needs an error status, got OK");
    }
    failures.put(bareMethodName, status);
  }

  /** Removes all injected failures. */
  void clearFailures() {
    failures.clear();
  }

  /** How many calls of {@code bareMethodName} arrived, whatever then happened to them. */
  long calls(String bareMethodName) {
    AtomicLong n = calls.get(bareMethodName);
    return n == null ? 0 : n.get();
  }

  /** Stops serving; calls still open end with CANCELLED or UNAVAILABLE. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    server.shutdownNow();
    channel.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private ServerServiceDefinition forwarding(ServiceDescriptor service) {
    ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(service.getName());
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      MethodDescriptor<byte[], byte[]> bytes = m.toBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE).build();
      def.addMethod(bytes, new Forward(bytes));
    }
    return def.build();
  }

  /** Forwards any method not registered above too; of unknown type, it is relayed as a stream. */
  private final class ForwardAnything extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String fullMethodName, String authority) {
      MethodDescriptor<byte[], byte[]> m =
          MethodDescriptor.<byte[], byte[]>newBuilder(ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
              .setFullMethodName(fullMethodName)
              .setType(MethodDescriptor.MethodType.UNKNOWN)
              .build();
      return ServerMethodDefinition.create(m, new Forward(m));
    }
  }

  private final class Forward implements ServerCallHandler<byte[], byte[]> {
    private final MethodDescriptor<byte[], byte[]> method;
    private final String bareName;

    Forward(MethodDescriptor<byte[], byte[]> method) {
      this.method = method;
      this.bareName =
          Objects.requireNonNullElse(method.getBareMethodName(), method.getFullMethodName());
    }

    @Override
    public ServerCall.Listener<byte[]> startCall(
        ServerCall<byte[], byte[]> call, Metadata headers) {
      calls.computeIfAbsent(bareName, k -> new AtomicLong()).incrementAndGet();
      // the server context carries the client's deadline (from grpc-timeout); later hops get it
      Relay relay = new Relay(method, bareName, call, headers, Context.current().getDeadline());
      synchronized (stallLock) {
        if (stalled) {
          // no request(): nothing is read, nothing answered; onCancel ends it at the deadline
          held.add(relay);
          return relay.serverListener;
        }
      }
      dispatch(relay);
      return relay.serverListener;
    }
  }

  private void dispatch(Relay relay) {
    Status failure = failures.get(relay.bareName);
    if (failure != null) {
      relay.fail(failure);
      return;
    }
    Duration d = delays.getOrDefault(relay.bareName, delayAll);
    if (d.isZero()) {
      relay.start();
      return;
    }
    try {
      relay.scheduled(scheduler.schedule(relay::start, d.toNanos(), TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      relay.fail(Status.UNAVAILABLE.withDescription("faulty backend closed"));
    }
  }

  /**
   * One call relayed to the target. gRPC calls are not thread-safe (but for request()), and both
   * sides' callbacks, the scheduler and stall(false) act on it, so all of that runs under its lock;
   * the gRPC methods called under it never block.
   */
  private final class Relay {
    final MethodDescriptor<byte[], byte[]> method;
    final String bareName;
    final ServerCall<byte[], byte[]> serverCall;
    final Metadata requestHeaders;
    final Deadline deadline;
    final ServerCall.Listener<byte[]> serverListener = new ServerSide();

    private ClientCall<byte[], byte[]> clientCall;
    private ScheduledFuture<?> pendingStart;
    private boolean cancelled;
    private boolean closed;
    // flow control: a message is read from one side only when the other can take it
    private boolean requestFromServerWhenClientReady;
    private boolean requestFromClientWhenServerReady;

    Relay(
        MethodDescriptor<byte[], byte[]> method,
        String bareName,
        ServerCall<byte[], byte[]> serverCall,
        Metadata requestHeaders,
        Deadline deadline) {
      this.method = method;
      this.bareName = bareName;
      this.serverCall = serverCall;
      this.requestHeaders = requestHeaders;
      this.deadline = deadline;
    }

    synchronized void scheduled(ScheduledFuture<?> f) {
      if (cancelled) {
        f.cancel(false);
      } else if (clientCall == null) {
        pendingStart = f;
      }
    }

    synchronized void fail(Status status) {
      if (cancelled || closed) {
        return;
      }
      closed = true;
      serverCall.close(status, new Metadata());
    }

    synchronized void start() {
      if (cancelled || closed || clientCall != null) {
        return;
      }
      pendingStart = null;
      // the hop's own transport headers are set afresh by the channel; the deadline goes by
      // CallOptions, which shortens it by the time already spent here
      requestHeaders.discardAll(CONTENT_TYPE);
      requestHeaders.discardAll(TE);
      requestHeaders.discardAll(ENCODING);
      requestHeaders.discardAll(ACCEPT_ENCODING);
      requestHeaders.discardAll(TIMEOUT);
      CallOptions options = CallOptions.DEFAULT;
      if (deadline != null) {
        options = options.withDeadline(deadline);
      }
      // ROOT: cancellation is relayed explicitly, not inherited from whichever thread starts it
      Context previous = Context.ROOT.attach();
      try {
        clientCall = channel.newCall(method, options);
      } finally {
        Context.ROOT.detach(previous);
      }
      clientCall.start(new ClientSide(), requestHeaders);
      clientCall.request(1);
      serverCall.request(1);
    }

    /** The client's side of the call: its messages go to the target. */
    private final class ServerSide extends ServerCall.Listener<byte[]> {
      @Override
      public void onMessage(byte[] message) {
        synchronized (Relay.this) {
          if (clientCall == null || closed) {
            // before start nothing is requested; after the target answered, more input is moot
            return;
          }
          clientCall.sendMessage(message);
          if (clientCall.isReady()) {
            serverCall.request(1);
          } else {
            requestFromServerWhenClientReady = true;
          }
        }
      }

      @Override
      public void onHalfClose() {
        synchronized (Relay.this) {
          if (clientCall != null && !closed) {
            clientCall.halfClose();
          }
        }
      }

      @Override
      public void onCancel() {
        synchronized (stallLock) {
          held.remove(Relay.this);
        }
        synchronized (Relay.this) {
          cancelled = true;
          if (pendingStart != null) {
            pendingStart.cancel(false);
            pendingStart = null;
          }
          if (clientCall != null) {
            clientCall.cancel("client cancelled or its deadline passed", null);
          }
        }
      }

      @Override
      public void onReady() {
        synchronized (Relay.this) {
          if (clientCall != null && requestFromClientWhenServerReady) {
            requestFromClientWhenServerReady = false;
            clientCall.request(1);
          }
        }
      }
    }

    /** The target's side of the call: its answer goes back to the client. */
    private final class ClientSide extends ClientCall.Listener<byte[]> {
      @Override
      public void onHeaders(Metadata headers) {
        synchronized (Relay.this) {
          if (closed || cancelled) {
            return;
          }
          // the server call sets its own content type and encoding for this hop
          headers.discardAll(CONTENT_TYPE);
          headers.discardAll(ENCODING);
          headers.discardAll(ACCEPT_ENCODING);
          serverCall.sendHeaders(headers);
        }
      }

      @Override
      public void onMessage(byte[] message) {
        synchronized (Relay.this) {
          if (closed || cancelled) {
            return;
          }
          serverCall.sendMessage(message);
          if (serverCall.isReady()) {
            clientCall.request(1);
          } else {
            requestFromClientWhenServerReady = true;
          }
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        synchronized (Relay.this) {
          if (closed) {
            return;
          }
          closed = true;
          if (!cancelled) {
            serverCall.close(status, trailers);
          }
        }
      }

      @Override
      public void onReady() {
        synchronized (Relay.this) {
          if (requestFromServerWhenClientReady) {
            requestFromServerWhenClientReady = false;
            serverCall.request(1);
          }
        }
      }
    }
  }

  private static Duration nonNegative(Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException("negative delay " + d);
    }
    return d;
  }

  private static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
