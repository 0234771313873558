package dev.tempura.proxy.security;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;

/** The RESOURCE_EXHAUSTED answers of Tempura's limits, in Temporal's form. */
public final class Limits {
  private Limits() {}

  /** RESOURCE_EXHAUSTED with a {@link ResourceExhaustedFailure} detail, as Temporal sends. */
  public static StatusRuntimeException resourceExhausted(
      String message, ResourceExhaustedCause cause, ResourceExhaustedScope scope) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.RESOURCE_EXHAUSTED.value())
            .setMessage(message)
            .addDetails(
                com.google.protobuf.Any.pack(
                    ResourceExhaustedFailure.newBuilder().setCause(cause).setScope(scope).build()))
            .build());
  }
}
