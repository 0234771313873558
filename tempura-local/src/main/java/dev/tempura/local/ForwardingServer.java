package dev.tempura.local;

import static java.util.Objects.requireNonNull;

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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server on a free loopback port that forwards every call, message bytes untouched, to a
 * target server (typically one of {@link TemporalClusters}), and lets a {@link Hook} decide, for
 * each call as it arrives, when it is forwarded or whether it is answered right away instead.
 *
 * <p>Forwarded: every WorkflowService method, the standard health service ({@code
 * grpc.health.v1.Health/Check} and {@code Watch}), and, through a fallback registry, any other
 * method a client calls (e.g. OperatorService), relayed as a stream. Request headers (minus those
 * describing this hop's own transport), the deadline and cancellation go to the target; response
 * headers, messages, status and trailers come back. Streams are relayed with flow control, so the
 * health Watch stream works too.
 *
 * <p>{@link #roundRobin} spreads calls over several targets instead, each call to the next, as a
 * per-request gRPC load balancer (nginx {@code grpc_pass}, Envoy, Linkerd, Istio) does; a target
 * can be taken out of the rotation and put back, as a readiness probe would.
 *
 * <p>Until the hook's decision, nothing of a call is read (unless it asks for the request first,
 * see {@link Call#readRequest}), nothing forwarded, nothing answered: a call the hook keeps is held
 * until it is forwarded or failed, or until its client gives up.
 */
public final class ForwardingServer implements AutoCloseable {
  /** What the SDK allows for one message: histories can be this large, on every hop. */
  public static final int MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

  private static final Metadata.Key<String> CONTENT_TYPE = ascii("content-type");
  private static final Metadata.Key<String> TE = ascii("te");
  private static final Metadata.Key<String> ENCODING = ascii("grpc-encoding");
  private static final Metadata.Key<String> ACCEPT_ENCODING = ascii("grpc-accept-encoding");
  private static final Metadata.Key<String> TIMEOUT = ascii("grpc-timeout");

  /** Decides what becomes of each call. */
  @FunctionalInterface
  public interface Hook {
    /**
     * Called once per call, on a gRPC thread, as it arrives; must not block. It calls {@link
     * Call#forward()} or {@link Call#fail}, now or later from any thread, or {@link
     * Call#readRequest} first.
     */
    void onCall(Call call);
  }

  /** Forwards every call at once. */
  public static final Hook FORWARD_ALL = Call::forward;

  private final List<String> targets;
  private final MethodDescriptor.Marshaller<byte[]> bytes;
  private final Hook hook;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicIntegerArray inRotation;
  private final java.util.concurrent.atomic.AtomicLong calls =
      new java.util.concurrent.atomic.AtomicLong();
  private final Server server;

  private ForwardingServer(
      List<String> targets, MethodDescriptor.Marshaller<byte[]> bytes, Hook hook)
      throws IOException {
    this.targets = List.copyOf(targets);
    if (this.targets.isEmpty()) {
      throw new IllegalArgumentException("targets: none");
    }
    this.bytes = requireNonNull(bytes, "bytes");
    this.hook = requireNonNull(hook, "hook");
    for (String target : this.targets) {
      channels.add(
          NettyChannelBuilder.forTarget(target)
              .usePlaintext()
              .maxInboundMessageSize(MAX_MESSAGE_BYTES)
              .build());
    }
    inRotation = new java.util.concurrent.atomic.AtomicIntegerArray(this.targets.size());
    for (int i = 0; i < this.targets.size(); i++) {
      inRotation.set(i, 1);
    }
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
            .addService(forwarding(WorkflowServiceGrpc.getServiceDescriptor()))
            .addService(forwarding(HealthGrpc.getServiceDescriptor()))
            .fallbackHandlerRegistry(new ForwardAnything());
    try {
      // port 0: the kernel picks a free port atomically, no probe-then-bind race
      server = builder.build().start();
    } catch (IOException | RuntimeException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      throw e;
    }
  }

  /**
   * Starts forwarding to {@code target}.
   *
   * @param target a "host:port" gRPC address
   * @param bytes the marshaller that carries messages as they are (the proxy's ByteMarshaller)
   * @param hook decides what becomes of each call; {@link #FORWARD_ALL} for a plain relay
   * @throws UncheckedIOException if the server cannot listen
   */
  public static ForwardingServer start(
      String target, MethodDescriptor.Marshaller<byte[]> bytes, Hook hook) {
    return start(List.of(requireNonNull(target, "target")), bytes, hook);
  }

  /**
   * Forwards each call to the next of {@code targets} in turn (skipping those out of the rotation),
   * as a per-request round-robin load balancer does.
   *
   * @throws UncheckedIOException if the server cannot listen
   */
  public static ForwardingServer roundRobin(
      List<String> targets, MethodDescriptor.Marshaller<byte[]> bytes) {
    return start(targets, bytes, FORWARD_ALL);
  }

  private static ForwardingServer start(
      List<String> targets, MethodDescriptor.Marshaller<byte[]> bytes, Hook hook) {
    try {
      return new ForwardingServer(targets, bytes, hook);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Takes target {@code index} out of the rotation (new calls go to the others; calls already
   * forwarded to it go on) or puts it back.
   */
  public void setInRotation(int index, boolean in) {
    inRotation.set(index, in ? 1 : 0);
  }

  /** The channel of the next call: the next target in the rotation (the first if none is). */
  private ManagedChannel nextChannel() {
    int n = channels.size();
    long start = calls.getAndIncrement();
    for (int i = 0; i < n; i++) {
      int index = (int) ((start + i) % n);
      if (inRotation.get(index) == 1) {
        return channels.get(index);
      }
    }
    return channels.get(0);
  }

  /** "127.0.0.1:port" to point clients at. */
  public String address() {
    return InetAddress.getLoopbackAddress().getHostAddress() + ":" + server.getPort();
  }

  /** Where calls are forwarded to (the first target of a round-robin). */
  public String target() {
    return targets.get(0);
  }

  /** Stops serving; calls still open end with CANCELLED or UNAVAILABLE. */
  @Override
  public void close() {
    server.shutdownNow();
    channels.forEach(ManagedChannel::shutdownNow);
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
      for (ManagedChannel channel : channels) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------------------------------------

  private ServerServiceDefinition forwarding(ServiceDescriptor service) {
    ServerServiceDefinition.Builder def = ServerServiceDefinition.builder(service.getName());
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      MethodDescriptor<byte[], byte[]> method = m.toBuilder(bytes, bytes).build();
      def.addMethod(method, new Forward(method));
    }
    return def.build();
  }

  /** Forwards any method not registered above too; of unknown type, it is relayed as a stream. */
  private final class ForwardAnything extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String fullMethodName, String authority) {
      MethodDescriptor<byte[], byte[]> m =
          MethodDescriptor.<byte[], byte[]>newBuilder(bytes, bytes)
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
        ServerCall<byte[], byte[]> serverCall, Metadata headers) {
      // the server context carries the client's deadline (from grpc-timeout); the next hop gets it
      Call call = new Call(method, bareName, serverCall, headers, Context.current().getDeadline());
      hook.onCall(call);
      return call.serverListener;
    }
  }

  /**
   * One call, to be forwarded or answered. gRPC calls are not thread-safe (but for request()), and
   * both sides' callbacks and the hook's decisions act on it, so all of that runs under its lock;
   * the gRPC methods called under it never block. The hook's callbacks run outside it.
   */
  public final class Call {
    private final MethodDescriptor<byte[], byte[]> method;
    private final String bareName;
    private final ServerCall<byte[], byte[]> serverCall;
    private final Metadata requestHeaders;
    private final Deadline deadline;
    private final ServerCall.Listener<byte[]> serverListener = new ServerSide();

    private ClientCall<byte[], byte[]> clientCall;
    private boolean cancelled;
    private boolean closed;
    // readRequest(): the client's messages are kept until the call is forwarded
    private boolean buffering;
    private final List<byte[]> pending = new ArrayList<>();
    private boolean halfClosed;
    private Runnable whenRequestRead;
    private List<Runnable> whenCancelled = new ArrayList<>();
    // flow control: a message is read from one side only when the other can take it
    private boolean requestFromServerWhenClientReady;
    private boolean requestFromClientWhenServerReady;

    private Call(
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

    /** The method's bare name ({@code "StartWorkflowExecution"}, {@code "Check"}). */
    public String bareMethodName() {
      return bareName;
    }

    /** The method's full name ({@code "temporal.api.workflowservice.v1.WorkflowService/..."}). */
    public String fullMethodName() {
      return method.getFullMethodName();
    }

    /** Whether the client gave up (cancelled, or its deadline passed). */
    public synchronized boolean cancelled() {
      return cancelled;
    }

    /**
     * Runs {@code action} (on a gRPC thread) if the client gives up before the call is answered, or
     * at once if it already has.
     */
    public void whenCancelled(Runnable action) {
      synchronized (this) {
        if (!cancelled) {
          if (!closed) {
            whenCancelled.add(action);
          }
          return;
        }
      }
      action.run();
    }

    /**
     * Reads the client's request messages before the call is forwarded, and runs {@code whenRead}
     * (on a gRPC thread) once the client has sent them all. The messages go to the target when the
     * call is {@link #forward() forwarded}.
     */
    public void readRequest(Runnable whenRead) {
      synchronized (this) {
        if (buffering || clientCall != null || closed || cancelled) {
          return;
        }
        buffering = true;
        whenRequestRead = whenRead;
        serverCall.request(1);
      }
    }

    /**
     * The first request message read by {@link #readRequest} (a unary call's request); null before
     * it has been read.
     */
    public synchronized byte[] request() {
      return pending.isEmpty() ? null : pending.get(0);
    }

    /**
     * Answers the call with {@code message} and OK, as the target would, unless it was forwarded or
     * ended: for a stand-in that implements a method the target lacks.
     */
    public void answer(byte[] message) {
      synchronized (this) {
        if (cancelled || closed || clientCall != null) {
          return;
        }
        closed = true;
        whenCancelled = List.of();
        serverCall.sendHeaders(new Metadata());
        serverCall.sendMessage(message);
        serverCall.close(Status.OK, new Metadata());
      }
    }

    /** Answers the call at once with {@code status} (not OK), unless it was forwarded or ended. */
    public void fail(Status status) {
      if (status.isOk()) {
        // an OK close without a message is itself an error for a unary call: say what you mean
        throw new IllegalArgumentException("fail needs an error status, got OK");
      }
      synchronized (this) {
        if (cancelled || closed || clientCall != null) {
          return;
        }
        closed = true;
        whenCancelled = List.of();
        serverCall.close(status, new Metadata());
      }
    }

    /** Starts the call to the target, unless it was forwarded, answered or given up already. */
    public synchronized void forward() {
      if (cancelled || closed || clientCall != null) {
        return;
      }
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
        clientCall = nextChannel().newCall(method, options);
      } finally {
        Context.ROOT.detach(previous);
      }
      clientCall.start(new ClientSide(), requestHeaders);
      clientCall.request(1);
      if (!buffering) {
        serverCall.request(1);
        return;
      }
      // what was read so far; while the client still sends, a message is already requested
      for (byte[] message : pending) {
        clientCall.sendMessage(message);
      }
      pending.clear();
      if (halfClosed) {
        clientCall.halfClose();
      }
    }

    /** The client's side of the call: its messages go to the target. */
    private final class ServerSide extends ServerCall.Listener<byte[]> {
      @Override
      public void onMessage(byte[] message) {
        synchronized (Call.this) {
          if (closed) {
            // after the target answered, more input is moot
            return;
          }
          if (clientCall == null) {
            if (buffering) {
              pending.add(message);
              serverCall.request(1);
            }
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
        Runnable read;
        synchronized (Call.this) {
          halfClosed = true;
          if (clientCall != null) {
            if (!closed) {
              clientCall.halfClose();
            }
            return;
          }
          read = whenRequestRead;
          whenRequestRead = null;
        }
        if (read != null) {
          read.run();
        }
      }

      @Override
      public void onCancel() {
        List<Runnable> actions;
        synchronized (Call.this) {
          cancelled = true;
          if (clientCall != null) {
            clientCall.cancel("client cancelled or its deadline passed", null);
          }
          actions = whenCancelled;
          whenCancelled = List.of();
        }
        for (Runnable a : actions) {
          a.run();
        }
      }

      @Override
      public void onReady() {
        synchronized (Call.this) {
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
        synchronized (Call.this) {
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
        synchronized (Call.this) {
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
        synchronized (Call.this) {
          if (closed) {
            return;
          }
          closed = true;
          if (!cancelled) {
            whenCancelled = List.of();
            serverCall.close(status, trailers);
          }
        }
      }

      @Override
      public void onReady() {
        synchronized (Call.this) {
          if (requestFromServerWhenClientReady) {
            requestFromServerWhenClientReady = false;
            serverCall.request(1);
          }
        }
      }
    }
  }

  private static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
