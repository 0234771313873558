package dev.tempura.proxy.security;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Puts the caller's {@link ClientIdentity} on every call's context. It refuses nothing itself:
 * authorization and limits decide later what the identity may do.
 */
public final class IdentityInterceptor implements ServerInterceptor {
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final JwtVerifier jwt;

  /** @param jwt validates bearer tokens, or null when tokens do not identify clients */
  public IdentityInterceptor(JwtVerifier jwt) {
    this.jwt = jwt;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    ClientIdentity identity = identify(call, headers);
    Context context = Context.current().withValue(ClientIdentity.KEY, identity);
    return Contexts.interceptCall(context, call, headers, next);
  }

  private ClientIdentity identify(ServerCall<?, ?> call, Metadata headers) {
    String peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
    String subject = null;
    String canonical = null;
    SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
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
