package dev.tempura.proxy.forward;

import io.grpc.Metadata;

/** The backend's response headers as the client should get them. */
final class ResponseHeaders {
  private static final Metadata.Key<String> CONTENT_TYPE =
      Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ENCODING =
      Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> ACCEPT_ENCODING =
      Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER);

  private ResponseHeaders() {}

  /** All of them except those that describe the backend hop's own transport. */
  static Metadata forClient(Metadata backend) {
    backend.discardAll(CONTENT_TYPE);
    backend.discardAll(ENCODING);
    backend.discardAll(ACCEPT_ENCODING);
    return backend;
  }
}
