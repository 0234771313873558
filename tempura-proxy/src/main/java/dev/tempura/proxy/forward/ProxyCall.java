package dev.tempura.proxy.forward;

import dev.tempura.proxy.routing.MethodRoute;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.ServerCall;

/**
 * One client call in flight: what the client sent and where the answer goes. The server call must
 * be used by one thread at a time; the pipeline guarantees that by answering exactly once.
 */
public record ProxyCall(
    MethodRoute route,
    ServerCall<byte[], byte[]> serverCall,
    Metadata headers,
    byte[] request,
    Context context) {}
