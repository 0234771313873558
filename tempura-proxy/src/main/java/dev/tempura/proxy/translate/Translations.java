package dev.tempura.proxy.translate;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.wire.MessagePlan;
import dev.tempura.proxy.wire.WireRewriter;
import dev.tempura.proxy.wire.WireSchema;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rewrites requests, responses and error details between virtual and physical namespaces. The
 * per-pair {@link Translation}s are cached because they hold the names' bytes.
 */
public final class Translations {
  /** Temporal's failure details ride in this trailer as a serialised google.rpc.Status. */
  public static final Metadata.Key<byte[]> STATUS_DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  public static final Metadata.Key<String> NAMESPACE_HEADER =
      Metadata.Key.of("temporal-namespace", Metadata.ASCII_STRING_MARSHALLER);

  private final WireRewriter rewriter;
  private final MessagePlan statusPlan;
  private final ConcurrentHashMap<String, Translation> cache = new ConcurrentHashMap<>();
  private final NamespaceIds ids = new NamespaceIds();

  /** The namespace ids translations use; filled as backends report them. */
  public NamespaceIds ids() {
    return ids;
  }

  public Translations(WireSchema schema) {
    this.rewriter = new WireRewriter(schema);
    this.statusPlan = schema.plan(com.google.rpc.Status.getDescriptor());
  }

  public Translation of(String virtualName, PhysicalNamespace physical) {
    Translation t = cache.get(physical.id());
    if (t != null && t.virtualName().equals(virtualName) && t.physical().equals(physical)) {
      return t;
    }
    t = new Translation(virtualName, physical, ids);
    cache.put(physical.id(), t);
    return t;
  }

  public byte[] request(MethodRoute route, byte[] request, Translation t) {
    return rewriter.rewrite(request, route.requestPlan(), t.toBackend());
  }

  public byte[] response(MethodRoute route, byte[] response, Translation t) {
    return rewriter.rewrite(response, route.responsePlan(), t.toClient());
  }

  /** As {@link #response}, wrapping task tokens with the workflow they belong to. */
  public byte[] response(MethodRoute route, byte[] response, Translation t, String workflowId) {
    return rewriter.rewrite(response, route.responsePlan(), t.toClient(workflowId));
  }

  /** Rewrites the namespace names inside the failure details of a backend's trailers, in place. */
  public Metadata trailers(Metadata trailers, Translation t) {
    byte[] details = trailers.get(STATUS_DETAILS);
    if (details != null) {
      byte[] rewritten = rewriter.rewrite(details, statusPlan, t.toClient());
      if (rewritten != details) {
        trailers.removeAll(STATUS_DETAILS);
        trailers.put(STATUS_DETAILS, rewritten);
      }
    }
    return trailers;
  }

  /**
   * A backend's error message with its physical namespace name replaced by the virtual one, where
   * the name stands as a whole word (Temporal writes messages such as "Namespace x is not found.").
   */
  public Status status(Status status, Translation t) {
    String description = status.getDescription();
    if (description == null || !description.contains(t.physical().name())) {
      return status;
    }
    return status.withDescription(t.replaceNameIn(description));
  }

  /**
   * Headers of the client's own hop, which gRPC sets afresh on the hop to the backend. The {@code
   * authorization} header is replaced later, by the backend's channel, when that backend has an API
   * key (see {@code BackendChannels}).
   */
  private static final java.util.List<Metadata.Key<String>> TRANSPORT_HEADERS =
      java.util.stream.Stream.of(
              "content-type",
              "te",
              "user-agent",
              "grpc-timeout",
              "grpc-encoding",
              "grpc-accept-encoding")
          .map(n -> Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER))
          .toList();

  /**
   * The client's headers for the backend: all of them (docs/routing.md, "Headers"), except the
   * transport's own, with the namespace header translated.
   */
  public static Metadata headersToBackend(Metadata clientHeaders, String physicalName) {
    Metadata out = new Metadata();
    out.merge(clientHeaders);
    for (Metadata.Key<String> k : TRANSPORT_HEADERS) {
      out.discardAll(k);
    }
    if (out.containsKey(NAMESPACE_HEADER)) {
      out.removeAll(NAMESPACE_HEADER);
      out.put(NAMESPACE_HEADER, physicalName);
    }
    return out;
  }
}
