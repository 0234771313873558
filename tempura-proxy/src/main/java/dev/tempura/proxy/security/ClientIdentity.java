package dev.tempura.proxy.security;

import java.util.Objects;

/**
 * Who made a call, as far as the transport and its headers tell: the peer's IP address always; the
 * subject of its TLS client certificate when it sent one; the identity claim of its bearer JWT when
 * JWT validation is configured and it sent a valid one.
 *
 * @param peer the client's IP address (or the transport's name for it)
 * @param certSubject the client certificate's subject as RFC 2253 ({@code CN=worker-1,O=x}), or
 *     null
 * @param certSubjectCanonical the same in the canonical form names are compared in, or null
 * @param jwtSubject the configured claim of a valid bearer JWT, or null
 * @param jwtError why the bearer JWT was refused, or null when none was sent or it was valid
 */
public record ClientIdentity(
    String peer,
    String certSubject,
    String certSubjectCanonical,
    String jwtSubject,
    String jwtError) {

  /** For calls nobody identified (in-process callers, tests). */
  public static final ClientIdentity UNKNOWN =
      new ClientIdentity("unknown", null, null, null, null);

  public ClientIdentity {
    Objects.requireNonNull(peer, "peer");
  }

  /** True when a certificate or a valid token names the client. */
  public boolean authenticated() {
    return certSubject != null || jwtSubject != null;
  }

  /**
   * The name to count and report the client by: its certificate, else its token, else its address.
   */
  public String label() {
    if (certSubject != null) {
      return certSubject;
    }
    if (jwtSubject != null) {
      return jwtSubject;
    }
    return peer;
  }
}
