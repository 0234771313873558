package dev.tempura.proxy.health;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.errordetails.v1.NamespaceNotActiveFailure;
import io.temporal.api.errordetails.v1.ResourceExhaustedFailure;

/**
 * What a backend's error says about the backend itself, read from Temporal's failure detail in
 * {@code grpc-status-details-bin}. Only RESOURCE_EXHAUSTED and FAILED_PRECONDITION are ever
 * decoded, so the hot path of successful calls pays nothing.
 *
 * <p>The real server's limits (docs/real-server.md): the frontend's namespace rate limit
 * (RPS_LIMIT), its concurrent poller limit (CONCURRENT_LIMIT), history's and matching's overload
 * and persistence limits (SYSTEM_OVERLOADED, PERSISTENCE_LIMIT, ...) say the backend is short of
 * capacity; BUSY_WORKFLOW says one workflow is (too many updates or signals in flight for it), and
 * WORKER_DEPLOYMENT_LIMITS is about a deployment's configuration: neither is about the backend.
 */
record BackendVerdict(Kind kind, String detail) {
  enum Kind {
    /** Nothing to say about the backend. */
    NONE,
    /** The backend is short of capacity: new workflows should go elsewhere for a moment. */
    OVERLOADED,
    /** The physical namespace is not active on this cluster (a global namespace failed over). */
    NOT_ACTIVE
  }

  private static final BackendVerdict NONE = new BackendVerdict(Kind.NONE, "");
  private static final Metadata.Key<byte[]> DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  static BackendVerdict of(Status.Code code, Metadata trailers) {
    if ((code != Status.Code.RESOURCE_EXHAUSTED && code != Status.Code.FAILED_PRECONDITION)
        || trailers == null) {
      return NONE;
    }
    byte[] bytes = trailers.get(DETAILS);
    if (bytes == null) {
      // gRPC's own RESOURCE_EXHAUSTED (a message over the size limit) carries no Temporal detail
      return NONE;
    }
    try {
      for (Any any : com.google.rpc.Status.parseFrom(bytes).getDetailsList()) {
        if (code == Status.Code.RESOURCE_EXHAUSTED && any.is(ResourceExhaustedFailure.class)) {
          ResourceExhaustedCause cause = any.unpack(ResourceExhaustedFailure.class).getCause();
          return switch (cause) {
            case RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW,
                RESOURCE_EXHAUSTED_CAUSE_WORKER_DEPLOYMENT_LIMITS ->
                NONE;
            default -> new BackendVerdict(Kind.OVERLOADED, cause.name());
          };
        }
        if (code == Status.Code.FAILED_PRECONDITION && any.is(NamespaceNotActiveFailure.class)) {
          NamespaceNotActiveFailure f = any.unpack(NamespaceNotActiveFailure.class);
          return new BackendVerdict(
              Kind.NOT_ACTIVE,
              "active in cluster '"
                  + f.getActiveCluster()
                  + "', this is cluster '"
                  + f.getCurrentCluster()
                  + "'");
        }
      }
    } catch (InvalidProtocolBufferException e) {
      return NONE;
    }
    return NONE;
  }
}
