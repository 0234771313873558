package dev.tempura.proxy.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keys from a JWKS URL, served over HTTP by a real server, as an identity provider publishes them.
 */
class JwksUrlTest {
  private static final String ISSUER = "https://issuer.example.test";

  private HttpServer server;
  private final AtomicReference<String> published = new AtomicReference<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicInteger status = new AtomicInteger(200);

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = published.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status.get(), body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private JwtVerifier verifier() {
    URI url =
        URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
    return JwtVerifier.create(new JwtOptions(null, url, "sub", ISSUER, "tempura"));
  }

  private static String token(RSAKey key, String subject) throws Exception {
    return TestJwts.sign(
        new RSASSASigner(key),
        JWSAlgorithm.RS256,
        key.getKeyID(),
        subject,
        ISSUER,
        "tempura",
        Instant.now().plusSeconds(3600));
  }

  @Test
  void tokenSignedByAPublishedKey_isAccepted_othersAreNot() throws Exception {
    RSAKey good = new RSAKeyGenerator(2048).keyID("k1").generate();
    RSAKey stranger = new RSAKeyGenerator(2048).keyID("k9").generate();
    published.set(new JWKSet(List.of(good.toPublicJWK())).toString());
    JwtVerifier v = verifier();

    assertThat(v.verify(token(good, "svc-1"))).isEqualTo(new JwtVerifier.Result("svc-1", null));
    assertThat(v.verify(token(stranger, "svc-1")).subject()).isNull();
    assertThat(v.verify(token(stranger, "svc-1")).error()).isNotBlank();
    assertThat(fetches.get()).isPositive();
  }

  @Test
  void keyRotation_aTokenWithANewKeyId_fetchesTheSetAgain() throws Exception {
    RSAKey old = new RSAKeyGenerator(2048).keyID("old").generate();
    RSAKey rotated = new RSAKeyGenerator(2048).keyID("new").generate();
    published.set(new JWKSet(List.of(old.toPublicJWK())).toString());
    JwtVerifier v = verifier();
    assertThat(v.verify(token(old, "svc-1")).subject()).isEqualTo("svc-1");

    published.set(new JWKSet(List.of(old.toPublicJWK(), rotated.toPublicJWK())).toString());

    assertThat(v.verify(token(rotated, "svc-2")).subject()).isEqualTo("svc-2");
  }

  @Test
  void unreachableOrBrokenKeySet_refusesTheToken_withoutThrowing() throws Exception {
    RSAKey key = new RSAKeyGenerator(2048).keyID("k1").generate();
    published.set("{ not json");
    JwtVerifier v = verifier();

    JwtVerifier.Result r = v.verify(token(key, "svc-1"));
    assertThat(r.subject()).isNull();
    assertThat(r.error()).isNotBlank();

    status.set(500);
    published.set("oops");
    assertThat(v.verify(token(key, "svc-2")).subject()).isNull();
  }
}
