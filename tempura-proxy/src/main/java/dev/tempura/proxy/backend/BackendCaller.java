package dev.tempura.proxy.backend;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One unary byte-level call to a backend, as a future. For the proxy's own calls and for
 * scatter-gather, where a relay to the client does not fit: the future fails with the backend's
 * status and trailers as a {@link io.grpc.StatusRuntimeException}.
 */
public final class BackendCaller {
  private final BackendChannels channels;

  public BackendCaller(BackendChannels channels) {
    this.channels = channels;
  }

  /**
   * Calls {@code method} on {@code clusterAddress}.
   *
   * @param deadline the caller's deadline, or null for {@code defaultTimeoutMillis}
   */
  public CompletableFuture<byte[]> call(
      dev.tempura.topology.ClusterAddress clusterAddress,
      MethodDescriptor<byte[], byte[]> method,
      byte[] request,
      Metadata headers,
      Deadline deadline,
      long defaultTimeoutMillis) {
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Deadline d = deadline != null ? deadline : Deadline.after(defaultTimeoutMillis, TimeUnit.MILLISECONDS);
    ClientCall<byte[], byte[]> call;
    // detached: the deadline is explicit, and cancellation is the caller's to propagate
    Context previous = Context.ROOT.attach();
    try {
      call = channels.channel(clusterAddress).newCall(method, CallOptions.DEFAULT.withDeadline(d));
    } catch (RuntimeException e) {
      // as a failed answer of this backend, so that callers asking several see it as one of them
      result.completeExceptionally(
          Status.UNAVAILABLE
              .withDescription("cannot call " + clusterAddress + ": " + Scheduling.oneLine(e))
              .withCause(e)
              .asRuntimeException());
      return result;
    } finally {
      Context.ROOT.detach(previous);
    }
    call.start(
        new ClientCall.Listener<>() {
          private byte[] response;

          @Override
          public void onMessage(byte[] message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            if (status.isOk() && response != null) {
              result.complete(response);
            } else if (status.isOk()) {
              result.completeExceptionally(
                  Status.INTERNAL.withDescription("no response message").asRuntimeException());
            } else {
              result.completeExceptionally(status.asRuntimeException(trailers));
            }
          }
        },
        headers);
    call.request(1);
    call.sendMessage(request);
    call.halfClose();
    return result;
  }
}
