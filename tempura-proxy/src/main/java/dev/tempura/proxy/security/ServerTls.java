package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS on the gRPC port: the server's certificate chain and key (PEM; the key PKCS#8), and for
 * mutual TLS the CA bundle client certificates must chain to. The files are watched and a changed
 * pair is used for new connections without a restart (see {@link TlsReloader}). Immutable.
 */
public final class ServerTls {
  /** Whether clients must present a certificate. */
  public enum ClientAuth {
    /** No client certificate is asked for. */
    NONE,
    /** A certificate is asked for and verified when sent; clients without one still connect. */
    OPTIONAL,
    /** Connections without a certificate that chains to the client CA are refused. */
    REQUIRE;

    /** {@code none}, {@code optional} or {@code require}, in any case. */
    public static ClientAuth parse(String text) {
      try {
        return valueOf(text.strip().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "client auth: '" + text + "' (expected: none, optional or require)", e);
      }
    }
  }

  private final Path certChain;
  private final Path privateKey;
  private final Path clientCa;
  private final ClientAuth clientAuth;

  private ServerTls(Path certChain, Path privateKey, Path clientCa, ClientAuth clientAuth) {
    this.certChain = requireNonNull(certChain, "certChain");
    this.privateKey = requireNonNull(privateKey, "privateKey");
    this.clientCa = clientCa;
    this.clientAuth = requireNonNull(clientAuth, "clientAuth");
    if (clientAuth != ClientAuth.NONE && clientCa == null) {
      throw new IllegalArgumentException(
          "client auth "
              + clientAuth.name().toLowerCase(java.util.Locale.ROOT)
              + " needs a client CA file to verify client certificates against");
    }
  }

  /** Server TLS only; clients are not asked for a certificate. */
  public static ServerTls of(Path certChain, Path privateKey) {
    return new ServerTls(certChain, privateKey, null, ClientAuth.NONE);
  }

  /**
   * Mutual TLS: client certificates are verified against {@code clientCa}.
   *
   * @param clientAuth {@link ClientAuth#OPTIONAL} or {@link ClientAuth#REQUIRE}; NONE ignores the
   *     CA
   */
  public static ServerTls mutual(
      Path certChain, Path privateKey, Path clientCa, ClientAuth clientAuth) {
    return new ServerTls(certChain, privateKey, requireNonNull(clientCa, "clientCa"), clientAuth);
  }

  public Path certChain() {
    return certChain;
  }

  public Path privateKey() {
    return privateKey;
  }

  public Optional<Path> clientCa() {
    return Optional.ofNullable(clientCa);
  }

  public ClientAuth clientAuth() {
    return clientAuth;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerTls t
        && certChain.equals(t.certChain)
        && privateKey.equals(t.privateKey)
        && java.util.Objects.equals(clientCa, t.clientCa)
        && clientAuth == t.clientAuth;
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(certChain, privateKey, clientCa, clientAuth);
  }

  @Override
  public String toString() {
    return "ServerTls[cert="
        + certChain
        + ", key="
        + privateKey
        + ", clientCa="
        + clientCa
        + ", clientAuth="
        + clientAuth
        + "]";
  }
}
