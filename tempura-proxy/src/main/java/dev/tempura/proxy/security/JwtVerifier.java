package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.text.ParseException;
import java.time.Duration;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates bearer JWTs with Nimbus JOSE+JWT: an RS256 or ES256 signature by a key of the JWKS,
 * {@code exp} present and not past, {@code nbf} not ahead (60 s clock skew allowed either way), and
 * the configured issuer and audience. A valid token's identity is its configured claim. Verified
 * tokens are remembered for up to a minute, never past their expiry.
 */
public final class JwtVerifier {
  private static final Logger log = LoggerFactory.getLogger(JwtVerifier.class);
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
  private final String claim;
  private final Cache<String, Verified> verified =
      Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(Duration.ofMinutes(1)).build();

  /** The outcome: a subject, or why the token was refused. */
  public record Result(String subject, String error) {}

  private record Verified(String subject, Date expires) {}

  private JwtVerifier(JwtOptions options, JWKSource<SecurityContext> keys) {
    this.claim = options.claim();
    processor.setJWSKeySelector(
        new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), keys));
    Set<String> required = new HashSet<>(List.of("exp", options.claim()));
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    if (options.issuer() != null) {
      exact.issuer(options.issuer());
    }
    processor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(options.audience(), exact.build(), required));
  }

  /**
   * A verifier over the options' JWKS.
   *
   * @throws IllegalArgumentException when the JWKS file cannot be read or is not a JWKS
   */
  public static JwtVerifier create(JwtOptions options) {
    requireNonNull(options, "options");
    JWKSource<SecurityContext> keys;
    if (options.jwksFile() != null) {
      keys = new FileJwkSource(options.jwksFile());
    } else {
      try {
        // cached for 5 minutes, refetched on an unknown key id, rate limited; as Nimbus does it
        keys = JWKSourceBuilder.create(options.jwksUrl().toURL()).retrying(true).build();
      } catch (MalformedURLException e) {
        throw new IllegalArgumentException("jwks_url: " + e.getMessage(), e);
      }
    }
    return new JwtVerifier(options, keys);
  }

  /** Checks {@code token}; never throws. */
  public Result verify(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      return new Result(null, "token too long");
    }
    Verified v = verified.getIfPresent(token);
    if (v != null && v.expires().after(new Date())) {
      return new Result(v.subject(), null);
    }
    try {
      JWTClaimsSet claims = processor.process(token, null);
      Object value = claims.getClaim(claim);
      if (!(value instanceof String s) || s.isBlank()) {
        return new Result(null, "claim " + claim + " is not a non-empty string");
      }
      verified.put(token, new Verified(s, claims.getExpirationTime()));
      return new Result(s, null);
    } catch (ParseException e) {
      return new Result(null, "not a JWT");
    } catch (BadJOSEException e) {
      return new Result(null, e.getMessage());
    } catch (JOSEException | RuntimeException e) {
      log.warn("JWT could not be checked: {}", e.toString());
      return new Result(null, "cannot be checked: " + e.getMessage());
    }
  }

  /** A JWKS file, read again when its modification time or size changes (checked once a second). */
  static final class FileJwkSource implements JWKSource<SecurityContext> {
    private final Path file;
    private volatile JWKSet keys;
    private volatile Object stamp;
    private volatile long checkedNanos;

    FileJwkSource(Path file) {
      this.file = file;
      try {
        this.stamp = stamp();
        this.keys = read();
      } catch (IOException | ParseException e) {
        throw new IllegalArgumentException("jwks_file " + file + ": " + e.getMessage(), e);
      }
      this.checkedNanos = System.nanoTime();
    }

    @Override
    public List<JWK> get(JWKSelector selector, SecurityContext context) {
      long now = System.nanoTime();
      if (now - checkedNanos > 1_000_000_000L) {
        checkedNanos = now;
        reloadIfChanged();
      }
      return selector.select(keys);
    }

    private synchronized void reloadIfChanged() {
      try {
        Object s = stamp();
        if (!s.equals(stamp)) {
          stamp = s;
          keys = read();
          log.info("Reloaded JWKS from {}: {} keys", file, keys.getKeys().size());
        }
      } catch (IOException | ParseException e) {
        log.warn(
            "JWKS file {} changed but cannot be read; keeping the previous keys: {}",
            file,
            e.getMessage());
      }
    }

    private JWKSet read() throws IOException, ParseException {
      return JWKSet.parse(Files.readString(file));
    }

    private Object stamp() throws IOException {
      FileTime t = Files.getLastModifiedTime(file);
      return List.of(t, Files.size(file));
    }
  }
}
