package dev.tempura.proxy.pipeline;

import dev.tempura.proxy.call.CallObservers;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.routing.MethodRoute;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;

/** The one handler every WorkflowService method is bound to; the route carries the differences. */
public final class ProxyHandler implements ServerCallHandler<byte[], byte[]> {
  private final MethodRoute route;
  private final ProxyPipeline pipeline;
  private final CallObservers observers;

  public ProxyHandler(MethodRoute route, ProxyPipeline pipeline, CallObservers observers) {
    this.route = route;
    this.pipeline = pipeline;
    this.observers = observers;
  }

  @Override
  public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
    // one more than a unary call needs, so that a second message is seen and refused
    call.request(2);
    return new ServerCall.Listener<>() {
      private byte[] request;
      private boolean refused;

      @Override
      public void onMessage(byte[] message) {
        if (request != null) {
          refused = true;
          call.close(
              Status.INVALID_ARGUMENT.withDescription(
                  "more than one request message in a unary call"),
              new Metadata());
          return;
        }
        request = message;
      }

      @Override
      public void onHalfClose() {
        if (refused) {
          return;
        }
        if (request == null) {
          call.close(Status.INVALID_ARGUMENT.withDescription("no request message"), new Metadata());
          return;
        }
        pipeline.handle(new ProxyCall(route, call, headers, request, Context.current(), observers));
      }
    };
  }
}
