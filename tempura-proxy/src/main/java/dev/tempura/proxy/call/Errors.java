package dev.tempura.proxy.call;

import dev.tempura.proxy.token.InvalidTaskTokenException;
import dev.tempura.proxy.wire.MalformedMessageException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns whatever went wrong into the status and trailers a Temporal frontend would send. */
public final class Errors {
  private static final Logger log = LoggerFactory.getLogger(Errors.class);

  private Errors() {}

  /** As Temporal answers for a namespace it does not know, with the same failure detail. */
  public static StatusRuntimeException namespaceNotFound(String namespace) {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.NOT_FOUND.value())
            .setMessage("Namespace " + namespace + " is not found.")
            .addDetails(
                com.google.protobuf.Any.pack(
                    NamespaceNotFoundFailure.newBuilder().setNamespace(namespace).build()))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  /** The status and trailers to close a call with after {@code error}. */
  public static StatusRuntimeException toStatus(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof StatusRuntimeException sre) {
      return sre;
    }
    if (e instanceof StatusException se) {
      return new StatusRuntimeException(se.getStatus(), se.getTrailers());
    }
    if (e instanceof MalformedMessageException) {
      return Status.INVALID_ARGUMENT
          .withDescription("malformed request: " + e.getMessage())
          .asRuntimeException();
    }
    if (e instanceof InvalidTaskTokenException) {
      return Status.INVALID_ARGUMENT
          .withDescription("invalid task token: " + e.getMessage())
          .asRuntimeException();
    }
    log.error("unexpected error in the proxy", e);
    return Status.INTERNAL.withDescription("proxy error: " + e).withCause(e).asRuntimeException();
  }

  public static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  public static Metadata trailersOf(StatusRuntimeException e) {
    Metadata t = e.getTrailers();
    return t != null ? t : new Metadata();
  }
}
