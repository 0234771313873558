package dev.tempura.loadgen;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * Mutual TLS towards the frontend, from the files benchmark-workers reads: {@code
 * TEMPORAL_TLS_CERT}, {@code TEMPORAL_TLS_KEY} (PKCS#8 PEM; Java does not read the PKCS#1 keys Go
 * also accepts), optionally {@code TEMPORAL_TLS_CA}.
 *
 * @param certificateAuthority trusted instead of the JDK's roots when present
 * @param disableHostVerification trusts any server certificate, as Go's InsecureSkipVerify does
 */
public record TlsSettings(
    Path certificate,
    Path key,
    Optional<Path> certificateAuthority,
    boolean disableHostVerification) {

  public TlsSettings {
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(certificateAuthority, "certificateAuthority");
  }

  SslContext sslContext() {
    try (InputStream cert = Files.newInputStream(certificate);
        InputStream privateKey = Files.newInputStream(key)) {
      SimpleSslContextBuilder builder = SimpleSslContextBuilder.forPKCS8(cert, privateKey);
      if (disableHostVerification) {
        builder.setUseInsecureTrustManager(true);
      } else if (certificateAuthority.isPresent()) {
        builder.setTrustManager(trustManager(certificateAuthority.get()));
      }
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException("TLS: " + e.getMessage(), e);
    }
  }

  private static javax.net.ssl.TrustManager trustManager(Path caFile) throws IOException {
    try (InputStream in = Files.newInputStream(caFile)) {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("ca-" + i++, ca);
      }
      if (i == 0) {
        throw new IOException(caFile + " holds no PEM certificate");
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return factory.getTrustManagers()[0];
    } catch (GeneralSecurityException e) {
      throw new IOException(caFile + ": " + e.getMessage(), e);
    }
  }
}
