package dev.tempura.proxy.backend;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * The one way Tempura calls a backend: a unary call created in a given gRPC context and relayed to
 * a listener ({@link #open} then {@link #start}), or a detached unary call with a deadline whose
 * answer is a future ({@link #unary}).
 *
 * <ul>
 *   <li>A client's call is relayed in the client's context, so its deadline and cancellation reach
 *       the backend.
 *   <li>Work shared beyond one client (shared long polls, lookups that write mappings, health
 *       checks, the proxy's own reads) runs detached, in {@link Context#ROOT}, with a deadline of
 *       its own.
 * </ul>
 */
public final class BackendCalls {
  private BackendCalls() {}

  /**
   * Creates a call inside {@code context}: the context's deadline and cancellation apply to it.
   * Throws what creating it throws (an unusable channel, an interceptor's failure).
   */
  public static <Q, R> ClientCall<Q, R> open(
      Channel channel, Context context, MethodDescriptor<Q, R> method, CallOptions options) {
    Context previous = context.attach();
    try {
      return channel.newCall(method, options);
    } finally {
      context.detach(previous);
    }
  }

  /**
   * Sends the one request of a unary call opened by {@link #open}; the answer goes to {@code
   * listener}.
   */
  public static <Q, R> ClientCall<Q, R> start(
      ClientCall<Q, R> call, Q request, Metadata headers, ClientCall.Listener<R> listener) {
    call.start(listener, headers);
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return call;
  }

  /**
   * A detached unary call with {@code deadline}. The future completes with the response (null when
   * the backend closed with OK but sent none, which a well-behaved server never does), or fails
   * with a {@link io.grpc.StatusRuntimeException} carrying the backend's status and trailers.
   * Throws what creating the call throws.
   */
  public static <Q, R> CompletableFuture<R> unary(
      Channel channel,
      MethodDescriptor<Q, R> method,
      Q request,
      Metadata headers,
      Deadline deadline) {
    ClientCall<Q, R> call =
        open(channel, Context.ROOT, method, CallOptions.DEFAULT.withDeadline(deadline));
    CompletableFuture<R> result = new CompletableFuture<>();
    start(
        call,
        request,
        headers,
        new ClientCall.Listener<R>() {
          private R response;

          @Override
          public void onMessage(R message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.isOk()) {
              result.complete(response);
            } else {
              result.completeExceptionally(status.asRuntimeException(trailers));
            }
          }
        });
    return result;
  }
}
