package dev.tempura.proxy.pipeline;

import dev.tempura.proxy.routing.ByteMarshaller;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;

/**
 * Answers methods the proxy does not know, such as those of a Temporal API newer than the one it
 * was built against, with UNIMPLEMENTED naming the method rather than forwarding blindly.
 */
public final class UnknownMethodRegistry extends HandlerRegistry {
  private final String apiVersion;

  public UnknownMethodRegistry(String apiVersion) {
    this.apiVersion = apiVersion;
  }

  @Override
  public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
    MethodDescriptor<byte[], byte[]> method =
        MethodDescriptor.<byte[], byte[]>newBuilder(
                ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
            .setFullMethodName(methodName)
            .setType(MethodDescriptor.MethodType.UNKNOWN)
            .build();
    ServerCallHandler<byte[], byte[]> handler =
        (call, headers) -> {
          call.close(
              Status.UNIMPLEMENTED.withDescription(
                  "Method "
                      + methodName
                      + " is not implemented by Tempura (built against the Temporal API of "
                      + apiVersion
                      + ")"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        };
    return ServerMethodDefinition.create(method, handler);
  }
}
