package dev.tempura.proxy.backend;

import dev.tempura.proxy.scheduling.Scheduling;
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
    Deadline d =
        deadline != null ? deadline : Deadline.after(defaultTimeoutMillis, TimeUnit.MILLISECONDS);
    CompletableFuture<byte[]> answer;
    // detached: the deadline is explicit, and cancellation is the caller's to propagate
    try {
      answer = BackendCalls.unary(channels.channel(clusterAddress), method, request, headers, d);
    } catch (RuntimeException e) {
      // as a failed answer of this backend, so that callers asking several see it as one of them
      return CompletableFuture.failedFuture(
          Status.UNAVAILABLE
              .withDescription("cannot call " + clusterAddress + ": " + Scheduling.oneLine(e))
              .withCause(e)
              .asRuntimeException());
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    answer.whenComplete(
        (response, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
          } else if (response == null) {
            result.completeExceptionally(
                Status.INTERNAL.withDescription("no response message").asRuntimeException());
          } else {
            result.complete(response);
          }
        });
    return result;
  }
}
