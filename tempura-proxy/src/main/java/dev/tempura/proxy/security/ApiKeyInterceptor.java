package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/**
 * Sends a backend's API key as {@code authorization: Bearer <key>} on every call to it, as Temporal
 * Cloud expects, in place of whatever {@code authorization} the client sent.
 */
public final class ApiKeyInterceptor implements ClientInterceptor {
  private final String header;

  public ApiKeyInterceptor(String apiKey) {
    this.header = "Bearer " + requireNonNull(apiKey, "apiKey");
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        headers.discardAll(ClientIdentities.AUTHORIZATION);
        headers.put(ClientIdentities.AUTHORIZATION, header);
        super.start(listener, headers);
      }
    };
  }

  @Override
  public String toString() {
    return "ApiKeyInterceptor[key hidden]";
  }
}
