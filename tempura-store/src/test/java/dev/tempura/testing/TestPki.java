package dev.tempura.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A throwaway certificate authority for tests, made with the JDK's keytool when the test runs, so
 * that no private key is ever checked in. Keys are EC P-256 (quick to make). Everything is written
 * under the given directory: PEM files (keys as PKCS#8, the form gRPC reads) and PKCS#12 stores.
 */
public final class TestPki {
  public static final String PASSWORD = "changeit";

  private final Path dir;
  private final String name;
  private final Path caStore;
  private final X509Certificate caCert;
  private final Path caPem;
  private final AtomicInteger next = new AtomicInteger();

  private TestPki(Path dir, String name, Path caStore, X509Certificate caCert, Path caPem) {
    this.dir = dir;
    this.name = name;
    this.caStore = caStore;
    this.caCert = caCert;
    this.caPem = caPem;
  }

  /** A new CA named {@code CN=<name>}, its files under {@code dir}. */
  public static TestPki create(Path dir, String name) {
    try {
      Files.createDirectories(dir);
      Path store = dir.resolve(name + "-ca.p12");
      keytool(
          "-genkeypair",
          "-alias",
          "ca",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=" + name,
          "-ext",
          "bc:c",
          "-ext",
          "KeyUsage:c=keyCertSign,cRLSign",
          "-validity",
          "3",
          "-keystore",
          store.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          PASSWORD,
          "-keypass",
          PASSWORD);
      KeyStore ks = load(store);
      X509Certificate cert = (X509Certificate) ks.getCertificate("ca");
      Path pem = pem(dir.resolve(name + "-ca.pem"), List.of(cert));
      return new TestPki(dir, name, store, cert, pem);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The CA certificate, PEM: what clients and servers are told to trust. */
  public Path caPem() {
    return caPem;
  }

  public X509Certificate caCertificate() {
    return caCert;
  }

  /**
   * A certificate signed by this CA, for server and client use.
   *
   * @param dname its subject, e.g. {@code CN=worker-1,O=x}
   * @param sans subject alternative names in keytool's form, e.g. {@code dns:localhost}, {@code
   *     ip:127.0.0.1}; none for a client-only certificate
   */
  public Issued issue(String dname, String... sans) {
    try {
      String base = name + "-" + next.incrementAndGet();
      Path store = dir.resolve(base + ".p12");
      keytool(
          "-genkeypair",
          "-alias",
          "leaf",
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          dname,
          "-validity",
          "3",
          "-keystore",
          store.toString(),
          "-storetype",
          "PKCS12",
          "-storepass",
          PASSWORD,
          "-keypass",
          PASSWORD);
      Path csr = dir.resolve(base + ".csr");
      keytool(
          "-certreq",
          "-alias",
          "leaf",
          "-keystore",
          store.toString(),
          "-storepass",
          PASSWORD,
          "-file",
          csr.toString());
      Path signed = dir.resolve(base + "-signed.pem");
      List<String> gencert =
          new ArrayList<>(
              List.of(
                  "-gencert",
                  "-alias",
                  "ca",
                  "-keystore",
                  caStore.toString(),
                  "-storepass",
                  PASSWORD,
                  "-infile",
                  csr.toString(),
                  "-outfile",
                  signed.toString(),
                  "-rfc",
                  "-validity",
                  "2",
                  "-ext",
                  "EKU=serverAuth,clientAuth"));
      if (sans.length > 0) {
        gencert.add("-ext");
        gencert.add("SAN=" + String.join(",", sans));
      }
      keytool(gencert.toArray(String[]::new));
      X509Certificate cert;
      try (InputStream in = Files.newInputStream(signed)) {
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
      }
      KeyStore ks = load(store);
      PrivateKey key = (PrivateKey) ks.getKey("leaf", PASSWORD.toCharArray());
      ks.setKeyEntry("leaf", key, PASSWORD.toCharArray(), new Certificate[] {cert, caCert});
      try (OutputStream out = Files.newOutputStream(store)) {
        ks.store(out, PASSWORD.toCharArray());
      }
      Path certPem = pem(dir.resolve(base + "-cert.pem"), List.of(cert));
      Path chainPem = pem(dir.resolve(base + "-chain.pem"), List.of(cert, caCert));
      Path keyPem = dir.resolve(base + "-key.pem");
      Files.writeString(keyPem, pemBlock("PRIVATE KEY", key.getEncoded()));
      return new Issued(cert, certPem, chainPem, keyPem, store);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An issued certificate and its files. */
  public record Issued(
      X509Certificate certificate, Path certPem, Path chainPem, Path keyPem, Path keyStore) {
    public String subject() {
      return certificate.getSubjectX500Principal().getName();
    }

    /** Client-side SSL context: this certificate as the identity, trusting {@code ca}. */
    public SSLContext sslContext(TestPki ca) {
      try {
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(keyStore), PASSWORD.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), ca.trustManagerFactory().getTrustManagers(), null);
        return ctx;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }

    /** Copies this certificate's PEM files over {@code certFile} and {@code keyFile}. */
    public void copyTo(Path certFile, Path keyFile) throws IOException {
      Path tmpCert = certFile.resolveSibling(certFile.getFileName() + ".tmp");
      Path tmpKey = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
      Files.copy(chainPem, tmpCert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.copy(keyPem, tmpKey, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.move(
          tmpKey,
          keyFile,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      Files.move(
          tmpCert,
          certFile,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** Trusts this CA only. */
  public TrustManagerFactory trustManagerFactory() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setCertificateEntry("ca", caCert);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return tmf;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A client SSL context with no certificate of its own, trusting this CA. */
  public SSLContext trustingContext() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, trustManagerFactory().getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyStore load(Path store) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD.toCharArray());
    }
    return ks;
  }

  private static Path pem(Path file, List<X509Certificate> certs)
      throws IOException, GeneralSecurityException {
    StringBuilder out = new StringBuilder();
    for (X509Certificate c : certs) {
      out.append(pemBlock("CERTIFICATE", c.getEncoded()));
    }
    return Files.writeString(file, out);
  }

  private static String pemBlock(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }

  private static void keytool(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool " + String.join(" ", args) + " failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
