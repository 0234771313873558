package dev.tempura.app;

import dev.tempura.proxy.ProxyOptions;
import dev.tempura.proxy.security.ServerTls;
import java.nio.file.Path;

/**
 * TLS, credentials, audit and limits of {@code tempura serve}; part of {@link ServeSettings} and
 * resolved the same way (flag, environment, config file, default).
 *
 * @param tlsCert the gRPC port's certificate chain (PEM), or null for plaintext
 * @param tlsKey its private key (PEM, PKCS#8)
 * @param tlsClientCa the CA bundle client certificates must chain to, or null
 * @param tlsClientAuth whether clients must present a certificate; {@code require} when a client CA
 *     is given and nothing else is said
 * @param backendsConfig the JSON file of per-backend TLS and API keys, authorization and rate
 *     limits, or null
 * @param adminToken a bearer token for the admin API (audit label {@code admin-token}), or null
 * @param adminTokenFile a file of admin tokens, one a line, each {@code label:token} or a bare
 *     token; or null
 * @param adminTlsCert the admin API's certificate chain (PEM) for HTTPS, or null for HTTP
 * @param adminTlsKey its key
 * @param adminTlsClientCa the CA of admin client certificates, which then authenticate like a
 *     token; or null
 * @param auditLog where the admin audit log goes: a file, {@code -} for standard output, or null
 *     for {@code <data-dir>/audit.log}
 * @param maxMessageBytes the largest gRPC message accepted, either way
 * @param maxParkedPollsPerClient parked polls one client may hold; 0 for no limit
 * @param rateLimitPerNamespace requests per second per virtual namespace (polls excepted); 0 for no
 *     limit
 */
public record SecuritySettings(
    Path tlsCert,
    Path tlsKey,
    Path tlsClientCa,
    ServerTls.ClientAuth tlsClientAuth,
    Path backendsConfig,
    String adminToken,
    Path adminTokenFile,
    Path adminTlsCert,
    Path adminTlsKey,
    Path adminTlsClientCa,
    String auditLog,
    int maxMessageBytes,
    int maxParkedPollsPerClient,
    double rateLimitPerNamespace) {

  public static final SecuritySettings DEFAULTS =
      new SecuritySettings(
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          null,
          ProxyOptions.DEFAULT_MAX_MESSAGE_BYTES,
          ProxyOptions.DEFAULT_MAX_PARKED_POLLS_PER_CLIENT,
          0);

  public SecuritySettings {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("tls-cert and tls-key go together");
    }
    if (tlsClientCa != null && tlsCert == null) {
      throw new IllegalArgumentException(
          "tls-client-ca needs tls-cert and tls-key: client certificates need TLS");
    }
    if (tlsClientAuth != null
        && tlsClientAuth != ServerTls.ClientAuth.NONE
        && tlsClientCa == null) {
      throw new IllegalArgumentException(
          "tls-client-auth "
              + tlsClientAuth.name().toLowerCase(java.util.Locale.ROOT)
              + " needs tls-client-ca");
    }
    if ((adminTlsCert == null) != (adminTlsKey == null)) {
      throw new IllegalArgumentException("admin-tls-cert and admin-tls-key go together");
    }
    if (adminTlsClientCa != null && adminTlsCert == null) {
      throw new IllegalArgumentException(
          "admin-tls-client-ca needs admin-tls-cert and admin-tls-key");
    }
    if (adminToken != null && adminToken.isBlank()) {
      throw new IllegalArgumentException("admin-token: blank");
    }
    if (maxMessageBytes <= 0) {
      throw new IllegalArgumentException(
          "max-message-bytes: " + maxMessageBytes + " (expected: > 0)");
    }
    if (maxParkedPollsPerClient < 0) {
      throw new IllegalArgumentException(
          "max-parked-polls-per-client: " + maxParkedPollsPerClient + " (expected: >= 0)");
    }
    if (rateLimitPerNamespace < 0 || Double.isNaN(rateLimitPerNamespace)) {
      throw new IllegalArgumentException(
          "rate-limit-per-namespace: " + rateLimitPerNamespace + " (expected: >= 0)");
    }
  }

  /** The gRPC port's TLS, or null for plaintext. */
  public ServerTls serverTls() {
    if (tlsCert == null) {
      return null;
    }
    if (tlsClientCa == null) {
      return ServerTls.of(tlsCert, tlsKey);
    }
    return ServerTls.mutual(
        tlsCert,
        tlsKey,
        tlsClientCa,
        tlsClientAuth == null ? ServerTls.ClientAuth.REQUIRE : tlsClientAuth);
  }

  /** True when the admin API authenticates its callers (a token, or client certificates). */
  public boolean adminAuthenticates() {
    return adminToken != null || adminTokenFile != null || adminTlsClientCa != null;
  }

  /** Never shows the admin token. */
  @Override
  public String toString() {
    return "SecuritySettings[tlsCert="
        + tlsCert
        + ", tlsKey="
        + tlsKey
        + ", tlsClientCa="
        + tlsClientCa
        + ", tlsClientAuth="
        + tlsClientAuth
        + ", backendsConfig="
        + backendsConfig
        + ", adminToken="
        + (adminToken == null ? "none" : "(set)")
        + ", adminTokenFile="
        + adminTokenFile
        + ", adminTlsCert="
        + adminTlsCert
        + ", adminTlsKey="
        + adminTlsKey
        + ", adminTlsClientCa="
        + adminTlsClientCa
        + ", auditLog="
        + auditLog
        + ", maxMessageBytes="
        + maxMessageBytes
        + ", maxParkedPollsPerClient="
        + maxParkedPollsPerClient
        + ", rateLimitPerNamespace="
        + rateLimitPerNamespace
        + "]";
  }
}
