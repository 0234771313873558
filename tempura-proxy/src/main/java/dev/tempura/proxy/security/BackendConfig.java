package dev.tempura.proxy.security;

/**
 * How Tempura connects to one backend (a cluster address).
 *
 * @param tls TLS settings, or null for plaintext
 * @param apiKey sent as {@code authorization: Bearer <key>} on every call to this backend,
 *     replacing the client's own {@code authorization} header; null for none
 */
public record BackendConfig(BackendTls tls, String apiKey) {
  public static final BackendConfig PLAINTEXT = new BackendConfig(null, null);

  public BackendConfig {
    if (apiKey != null
        && (apiKey.isBlank() || apiKey.chars().anyMatch(c -> c < 0x20 || c > 0x7e))) {
      throw new IllegalArgumentException("api key: blank or not printable ASCII");
    }
  }

  /** Never prints the key. */
  @Override
  public String toString() {
    return "BackendConfig[tls=" + tls + ", apiKey=" + (apiKey == null ? "none" : "(set)") + "]";
  }
}
