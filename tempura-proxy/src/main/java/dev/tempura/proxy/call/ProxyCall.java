package dev.tempura.proxy.call;

import dev.tempura.proxy.routing.MethodRoute;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;

/**
 * One client call in flight: what the client sent, and the only way to answer it. gRPC's server
 * call is not thread-safe and several parties may try to answer (the backend's answer, a timer,
 * shutdown), so every send is serialised here and everything after the first close is ignored.
 */
public final class ProxyCall {
  private final MethodRoute route;
  private final ServerCall<byte[], byte[]> serverCall;
  private final Metadata headers;
  private final byte[] request;
  private final Context context;
  private final CallObservers observers;
  private boolean headersSent;
  private boolean closed;
  private dev.tempura.proxy.security.ClientIdentities identities;
  private dev.tempura.proxy.security.ClientIdentity identity;
  private volatile CallTrace trace = CallTrace.OFF;

  public ProxyCall(
      MethodRoute route,
      ServerCall<byte[], byte[]> serverCall,
      Metadata headers,
      byte[] request,
      Context context,
      CallObservers observers) {
    this.route = route;
    this.serverCall = serverCall;
    this.headers = headers;
    this.request = request;
    this.context = context;
    this.observers = observers;
  }

  public MethodRoute route() {
    return route;
  }

  public Metadata headers() {
    return headers;
  }

  public byte[] request() {
    return request;
  }

  public Context context() {
    return context;
  }

  /** The call's spans; {@link CallTrace#OFF} unless tracing is on. */
  public CallTrace trace() {
    return trace;
  }

  /** Records the call's spans in {@code trace} from now on. */
  public void traceWith(CallTrace trace) {
    this.trace = trace;
  }

  /** How {@link #identity()} tells who made the call. */
  public synchronized void identifyWith(dev.tempura.proxy.security.ClientIdentities identities) {
    this.identities = identities;
  }

  /**
   * Who made the call (peer address, client certificate, bearer JWT), worked out on first use;
   * {@link dev.tempura.proxy.security.ClientIdentity#UNKNOWN} when nothing was set to tell.
   */
  public synchronized dev.tempura.proxy.security.ClientIdentity identity() {
    if (identity == null) {
      identity =
          identities == null
              ? dev.tempura.proxy.security.ClientIdentity.UNKNOWN
              : identities.identify(serverCall.getAttributes(), headers);
    }
    return identity;
  }

  public synchronized void sendHeaders(Metadata responseHeaders) {
    if (closed || headersSent) {
      return;
    }
    headersSent = true;
    serverCall.sendHeaders(responseHeaders);
  }

  public synchronized void sendMessage(byte[] message) {
    if (closed) {
      return;
    }
    if (!headersSent) {
      headersSent = true;
      serverCall.sendHeaders(new Metadata());
    }
    serverCall.sendMessage(message);
  }

  /** Ends the call; false when it had already ended. */
  public synchronized boolean close(Status status, Metadata trailers) {
    if (closed) {
      return false;
    }
    closed = true;
    // before the close reaches the transport, which then ends the call's context (see
    // ProxyPipeline): the span gets this status, not the cancellation
    trace.ended(status);
    try {
      serverCall.close(status, trailers);
    } catch (IllegalStateException alreadyClosedByTransport) {
      return false;
    }
    return true;
  }

  /**
   * Ends the call with the status a Temporal frontend would send after {@code error} (see {@link
   * Errors}) and tells the observers; nothing if the call had already ended.
   */
  public void fail(Throwable error) {
    io.grpc.StatusRuntimeException s = Errors.toStatus(error);
    if (close(s.getStatus(), Errors.trailersOf(s))) {
      observers.failed(this, s.getStatus());
    }
  }

  /** Who is told how the call ended. */
  public CallObservers observers() {
    return observers;
  }

  /** Answers with one message and OK. */
  public synchronized void answer(byte[] message) {
    sendMessage(message);
    close(Status.OK, new Metadata());
  }

  public synchronized boolean isClosed() {
    return closed;
  }
}
