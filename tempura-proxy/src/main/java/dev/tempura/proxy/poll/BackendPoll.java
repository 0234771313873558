package dev.tempura.proxy.poll;

import dev.tempura.proxy.backend.BackendCalls;
import dev.tempura.proxy.translate.Translation;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * One long poll on one backend, owned by a hub rather than by a client poll: it may outlive the
 * client poll that caused it, and whatever it returns goes to the hub.
 */
final class BackendPoll {
  interface Completion {
    void done(BackendPoll poll, Status status, byte[] response, Metadata trailers);
  }

  final Translation translation;
  private volatile ClientCall<byte[], byte[]> call;
  private volatile String cancelledBecause;

  BackendPoll(Translation translation) {
    this.translation = translation;
  }

  String physicalId() {
    return translation.physical().id();
  }

  void start(
      Channel channel,
      io.grpc.MethodDescriptor<byte[], byte[]> method,
      byte[] request,
      Metadata headers,
      Deadline deadline,
      Completion completion) {
    // detached from any client's context: a client going away must not cancel a shared poll
    call =
        BackendCalls.open(
            channel, Context.ROOT, method, CallOptions.DEFAULT.withDeadline(deadline));
    BackendCalls.start(
        call,
        request,
        headers,
        new ClientCall.Listener<>() {
          private byte[] response;

          @Override
          public void onMessage(byte[] message) {
            response = message;
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            completion.done(BackendPoll.this, status, response, trailers);
          }
        });
    String why = cancelledBecause;
    if (why != null) {
      // cancel() ran between the hub's decision to start this poll and the start itself
      call.cancel(why, null);
    }
  }

  void cancel(String why) {
    cancelledBecause = why;
    ClientCall<byte[], byte[]> c = call;
    if (c != null) {
      c.cancel(why, null);
    }
  }
}
