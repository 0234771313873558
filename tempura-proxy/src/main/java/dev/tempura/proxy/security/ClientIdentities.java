package dev.tempura.proxy.security;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.Metadata;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Tells who made a call from its transport attributes (peer address, TLS session) and headers
 * (bearer JWT). It refuses nothing itself: authorization and limits decide what the identity may
 * do. The pipeline asks only when something needs the answer (authorization, the parked-poll
 * limit), and once per call.
 */
public final class ClientIdentities {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  /** Peer and certificate only; bearer tokens do not identify anyone. */
  public static final ClientIdentities WITHOUT_JWT = new ClientIdentities(null);

  private final JwtVerifier jwt;

  /**
   * @param jwt validates bearer tokens, or null when tokens do not identify clients
   */
  public ClientIdentities(JwtVerifier jwt) {
    this.jwt = jwt;
  }

  /** The identity of a call with these transport attributes and headers. */
  public ClientIdentity identify(Attributes attributes, Metadata headers) {
    String peer = peer(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    String subject = null;
    String canonical = null;
    SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session != null) {
      try {
        Certificate[] certs = session.getPeerCertificates();
        if (certs.length > 0 && certs[0] instanceof X509Certificate x) {
          X500Principal p = x.getSubjectX500Principal();
          subject = p.getName(X500Principal.RFC2253);
          canonical = p.getName(X500Principal.CANONICAL);
        }
      } catch (SSLPeerUnverifiedException noClientCertificate) {
        // server TLS only, or client auth optional and none sent
      }
    }
    String jwtSubject = null;
    String jwtError = null;
    if (jwt != null) {
      String bearer = bearer(headers.get(AUTHORIZATION));
      if (bearer != null) {
        JwtVerifier.Result r = jwt.verify(bearer);
        jwtSubject = r.subject();
        jwtError = r.error();
      }
    }
    return new ClientIdentity(peer, subject, canonical, jwtSubject, jwtError);
  }

  /** The token of an {@code authorization: Bearer <token>} header, or null. */
  static String bearer(String authorization) {
    if (authorization == null) {
      return null;
    }
    String a = authorization.strip();
    if (a.length() > 7 && a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return a.substring(7).strip();
    }
    return null;
  }

  private static String peer(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return address == null ? "unknown" : address.toString();
  }
}
