package dev.tempura.admin;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * Who is calling the admin API: a bearer token (compared in constant time by its SHA-256, every
 * token each time, so timing tells nothing) or a client certificate verified in the TLS handshake.
 * GET and HEAD of the open paths ({@link AdminServer#OPEN_PATHS}) need neither.
 */
final class AdminAuthenticator {
  private final AdminOptions options;

  /** SHA-256 of each token → its label. */
  private final Map<String, byte[]> tokenDigests;

  AdminAuthenticator(AdminOptions options) {
    this.options = options;
    Map<String, byte[]> digests = new LinkedHashMap<>();
    options.tokens().forEach((label, token) -> digests.put(label, sha256(token)));
    this.tokenDigests = digests;
  }

  /** Who made a request: a token's label or a certificate's subject, and how they proved it. */
  record Caller(String identity, String auth) {
    static final Caller ANONYMOUS = new Caller(null, "none");
  }

  /** Who is calling, or null when credentials are required and missing or wrong. */
  Caller authenticate(Request request, String method, String path) {
    if (!options.authenticates()) {
      return Caller.ANONYMOUS;
    }
    if (("GET".equals(method) || "HEAD".equals(method)) && AdminServer.OPEN_PATHS.contains(path)) {
      return Caller.ANONYMOUS;
    }
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (authorization != null && !tokenDigests.isEmpty()) {
      String label = tokenLabel(authorization);
      return label == null ? null : new Caller(label, "token");
    }
    if (options.verifiesClientCertificates()
        && request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE)
            instanceof EndPoint.SslSessionData tls) {
      X509Certificate[] certs = tls.peerCertificates();
      if (certs != null && certs.length > 0) {
        // verified against the client CA during the handshake
        return new Caller(certs[0].getSubjectX500Principal().getName(), "client-certificate");
      }
    }
    return null;
  }

  /** The label of the token in an {@code Authorization: Bearer} header, or null. */
  private String tokenLabel(String authorization) {
    String a = authorization.strip();
    if (a.length() <= 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] presented = sha256(a.substring(7).strip());
    String match = null;
    // every token is compared, so the time taken does not tell which one nearly matched
    for (Map.Entry<String, byte[]> e : tokenDigests.entrySet()) {
      if (java.security.MessageDigest.isEqual(presented, e.getValue()) && match == null) {
        match = e.getKey();
      }
    }
    return match;
  }

  String unauthorizedMessage() {
    if (tokenDigests.isEmpty()) {
      return "unauthorized: this admin API needs a client certificate";
    }
    return options.verifiesClientCertificates()
        ? "unauthorized: send Authorization: Bearer <token>, or a client certificate"
        : "unauthorized: send Authorization: Bearer <token>";
  }

  static byte[] sha256(String text) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always there", e);
    }
  }
}
