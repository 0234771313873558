package dev.tempura.proxy.security;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS to one backend (a cluster address).
 *
 * @param ca the CA bundle (PEM) the backend's certificate must chain to; null for the JVM's default
 *     trust store (public CAs, as Temporal Cloud uses)
 * @param cert the client certificate chain (PEM) for mutual TLS, or null
 * @param key the client certificate's private key (PEM, PKCS#8), or null; set with {@code cert}
 * @param serverName the name the backend's certificate is checked against and sent as SNI and
 *     {@code :authority}, or null for the host of the cluster address
 */
public record BackendTls(Path ca, Path cert, Path key, String serverName) {
  public BackendTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException(
          "tls: cert and key go together (a client certificate needs its key)");
    }
    if (serverName != null && serverName.isBlank()) {
      throw new IllegalArgumentException("tls: server_name is blank");
    }
  }

  /** TLS trusting the JVM's default CAs, no client certificate. */
  public static BackendTls systemTrust() {
    return new BackendTls(null, null, null, null);
  }

  public Optional<String> serverNameOverride() {
    return Optional.ofNullable(serverName);
  }
}
