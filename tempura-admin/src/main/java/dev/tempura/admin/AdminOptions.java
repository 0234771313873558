package dev.tempura.admin;

import static java.util.Objects.requireNonNull;

import java.util.Map;

/** Where the admin API listens. */
public final class AdminOptions {
  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 8089;

  private final String bindAddress;
  private final int port;
  private final Map<String, String> tokens;
  private final javax.net.ssl.SSLContext sslContext;
  private final boolean verifiesClientCertificates;
  private final AuditLog auditLog;

  private AdminOptions(Builder builder) {
    this.bindAddress = builder.bindAddress;
    this.port = builder.port;
    this.tokens = Map.copyOf(builder.tokens);
    this.sslContext = builder.sslContext;
    this.verifiesClientCertificates = builder.verifiesClientCertificates;
    this.auditLog = builder.auditLog;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Listens on {@value #DEFAULT_BIND_ADDRESS}:{@value #DEFAULT_PORT}. */
  public static AdminOptions defaults() {
    return builder().build();
  }

  public String bindAddress() {
    return bindAddress;
  }

  /** The port to bind; 0 picks a free one, see {@link AdminServer#port()}. */
  public int port() {
    return port;
  }

  /** Bearer tokens by label (the label names the caller in the audit log); empty for none. */
  public Map<String, String> tokens() {
    return tokens;
  }

  /** HTTPS with this context, or null for plain HTTP. */
  public javax.net.ssl.SSLContext sslContext() {
    return sslContext;
  }

  /** True when client certificates (checked by the context's trust managers) authenticate. */
  public boolean verifiesClientCertificates() {
    return verifiesClientCertificates;
  }

  /** True when requests other than the open health paths need a token or certificate. */
  public boolean authenticates() {
    return !tokens.isEmpty() || verifiesClientCertificates;
  }

  public AuditLog auditLog() {
    return auditLog;
  }

  @Override
  public String toString() {
    return "AdminOptions[bindAddress="
        + bindAddress
        + ", port="
        + port
        + ", tokens="
        + tokens.keySet()
        + ", https="
        + (sslContext != null)
        + ", clientCertificates="
        + verifiesClientCertificates
        + "]";
  }

  public static final class Builder {
    private String bindAddress = DEFAULT_BIND_ADDRESS;
    private int port = DEFAULT_PORT;
    private Map<String, String> tokens = Map.of();
    private javax.net.ssl.SSLContext sslContext;
    private boolean verifiesClientCertificates;
    private AuditLog auditLog = AuditLog.NONE;

    private Builder() {}

    /**
     * Bearer tokens by label; with any, every request except GET {@code /healthz} and {@code
     * /readyz} needs {@code Authorization: Bearer <token>} (or a client certificate, see {@link
     * #https}).
     */
    public Builder tokens(Map<String, String> tokens) {
      requireNonNull(tokens, "tokens");
      tokens.forEach(
          (label, token) -> {
            if (label == null || label.isBlank() || token == null || token.isBlank()) {
              throw new IllegalArgumentException("tokens: blank label or token");
            }
          });
      this.tokens = Map.copyOf(tokens);
      return this;
    }

    /**
     * Serves HTTPS.
     *
     * @param verifyClientCertificates true when {@code context} was made with a trust manager for
     *     client certificates: a client certificate then authenticates like a token
     */
    public Builder https(javax.net.ssl.SSLContext context, boolean verifyClientCertificates) {
      this.sslContext = requireNonNull(context, "context");
      this.verifiesClientCertificates = verifyClientCertificates;
      return this;
    }

    /** Where changes and refusals are recorded; {@link AuditLog#NONE} by default. */
    public Builder auditLog(AuditLog auditLog) {
      this.auditLog = requireNonNull(auditLog, "auditLog");
      return this;
    }

    /** A host name or IP literal; {@code 0.0.0.0} listens on every interface. */
    public Builder bindAddress(String bindAddress) {
      requireNonNull(bindAddress, "bindAddress");
      if (bindAddress.isBlank()) {
        throw new IllegalArgumentException("bindAddress: blank (expected: a host or IP)");
      }
      this.bindAddress = bindAddress;
      return this;
    }

    /** 0 picks a free port. */
    public Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
      }
      this.port = port;
      return this;
    }

    public AdminOptions build() {
      return new AdminOptions(this);
    }
  }
}
