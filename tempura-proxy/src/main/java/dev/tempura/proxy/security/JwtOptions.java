package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;

/**
 * How bearer JWTs are validated: RS256 or ES256 signatures against a JWKS, {@code exp} required and
 * checked with {@code nbf}, and optionally the issuer and audience.
 *
 * @param jwksFile a JWKS file, reread when it changes; or null
 * @param jwksUrl a JWKS URL, fetched and cached; or null. Exactly one of the two is set
 * @param claim the claim whose value is the client's identity ({@code sub} by default)
 * @param issuer the {@code iss} a token must carry, or null for any
 * @param audience a value the token's {@code aud} must contain, or null for any
 */
public record JwtOptions(Path jwksFile, URI jwksUrl, String claim, String issuer, String audience) {
  public static final String DEFAULT_CLAIM = "sub";

  public JwtOptions {
    if ((jwksFile == null) == (jwksUrl == null)) {
      throw new IllegalArgumentException("jwt: set exactly one of jwks_file and jwks_url");
    }
    requireNonNull(claim, "claim");
    if (claim.isBlank()) {
      throw new IllegalArgumentException("jwt: claim is blank");
    }
  }
}
