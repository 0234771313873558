package dev.tempura.proxy.security;

import io.grpc.util.CertificateUtils;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;

/** Reads PEM certificates and PKCS#8 keys, with errors that name the file. */
public final class PemFiles {
  private PemFiles() {}

  /** The certificates in {@code file}, leaf first for a chain. */
  public static X509Certificate[] certificates(Path file)
      throws IOException, GeneralSecurityException {
    X509Certificate[] certs;
    try (InputStream in = Files.newInputStream(file)) {
      certs = CertificateUtils.getX509Certificates(in);
    } catch (IOException e) {
      throw new IOException("cannot read certificate file " + file + ": " + e, e);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new GeneralSecurityException(
          "certificate file " + file + " is not PEM certificates: " + e.getMessage(), e);
    }
    if (certs.length == 0) {
      throw new GeneralSecurityException("certificate file " + file + " holds no certificate");
    }
    return certs;
  }

  /** The private key in {@code file}: PEM {@code BEGIN PRIVATE KEY} (PKCS#8), RSA or EC. */
  public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      return CertificateUtils.getPrivateKey(in);
    } catch (IOException e) {
      throw new IOException("cannot read key file " + file + ": " + e, e);
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new GeneralSecurityException(
          "key file "
              + file
              + " is not a PEM PKCS#8 private key (BEGIN PRIVATE KEY): "
              + e.getMessage(),
          e);
    }
  }

  /** Certificate chain and key, checked to belong together. */
  public static Identity identity(Path certFile, Path keyFile)
      throws IOException, GeneralSecurityException {
    X509Certificate[] chain = certificates(certFile);
    PrivateKey key = privateKey(keyFile);
    if (!matches(key, chain[0].getPublicKey())) {
      throw new GeneralSecurityException(
          "key file " + keyFile + " does not belong to the certificate in " + certFile);
    }
    return new Identity(chain, key);
  }

  /** A certificate chain with its key. */
  public record Identity(X509Certificate[] chain, PrivateKey key) {}

  /** Signs a random challenge with the key and checks it with the public key. */
  static boolean matches(PrivateKey key, PublicKey publicKey) {
    if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
      return false;
    }
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return true; // cannot check; the handshake will tell
    }
    try {
      byte[] challenge = new byte[32];
      new SecureRandom().nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
