package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key and trust managers that follow their PEM files: every {@code interval} the files'
 * modification times and sizes are compared, and changed files are read again and swapped in for
 * new connections (connections already open keep the certificate they were made with). A pair that
 * does not fit together yet (the certificate written, the key not) is skipped with a warning and
 * the previous one stays in use until the files change again.
 *
 * <p>gRPC's own file reload ({@code AdvancedTlsX509KeyManager.updateIdentityCredentials(File, File,
 * period, ...)}) is not used because it polls at most once a minute and does not check that the key
 * belongs to the certificate; the managers themselves are gRPC's.
 */
public final class TlsReloader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TlsReloader.class);
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  private final Duration interval;
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private ScheduledExecutorService executor; // guarded by this
  private boolean closed; // guarded by this

  public TlsReloader(Duration interval) {
    this.interval = requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
  }

  /** A key manager serving the chain and key in these files, and any later version of them. */
  public X509ExtendedKeyManager keyManager(Path certChain, Path key)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509KeyManager manager = new AdvancedTlsX509KeyManager();
    PemFiles.Identity identity = PemFiles.identity(certChain, key);
    manager.updateIdentityCredentials(identity.chain(), identity.key());
    watch(
        new Watch(
            List.of(certChain, key),
            () -> {
              PemFiles.Identity next = PemFiles.identity(certChain, key);
              manager.updateIdentityCredentials(next.chain(), next.key());
              log.info(
                  "Reloaded certificate {} (serial {}) from {}",
                  next.chain()[0].getSubjectX500Principal().getName(),
                  next.chain()[0].getSerialNumber().toString(16),
                  certChain);
            }));
    return manager;
  }

  /**
   * A trust manager for the CA bundle in {@code caFile} and any later version of it.
   *
   * @param checkHostName true for clients checking a server (the name it was reached by, or the
   *     override), false for a server checking client certificates
   */
  public X509ExtendedTrustManager trustManager(Path caFile, boolean checkHostName)
      throws IOException, GeneralSecurityException {
    AdvancedTlsX509TrustManager manager =
        AdvancedTlsX509TrustManager.newBuilder()
            .setVerification(
                checkHostName
                    ? AdvancedTlsX509TrustManager.Verification
                        .CERTIFICATE_AND_HOST_NAME_VERIFICATION
                    : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
            .build();
    manager.updateTrustCredentials(PemFiles.certificates(caFile));
    watch(
        new Watch(
            List.of(caFile),
            () -> {
              X509Certificate[] cas = PemFiles.certificates(caFile);
              manager.updateTrustCredentials(cas);
              log.info("Reloaded {} trusted certificates from {}", cas.length, caFile);
            }));
    return manager;
  }

  /** Credentials for the gRPC port. */
  public ServerCredentials serverCredentials(ServerTls tls)
      throws IOException, GeneralSecurityException {
    TlsServerCredentials.Builder b =
        TlsServerCredentials.newBuilder().keyManager(keyManager(tls.certChain(), tls.privateKey()));
    if (tls.clientAuth() != ServerTls.ClientAuth.NONE) {
      b.trustManager(trustManager(tls.clientCa().orElseThrow(), false));
      b.clientAuth(
          tls.clientAuth() == ServerTls.ClientAuth.REQUIRE
              ? TlsServerCredentials.ClientAuth.REQUIRE
              : TlsServerCredentials.ClientAuth.OPTIONAL);
    }
    return b.build();
  }

  /** Credentials for a channel to a TLS backend. */
  public ChannelCredentials channelCredentials(BackendTls tls)
      throws IOException, GeneralSecurityException {
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    if (tls.cert() != null) {
      b.keyManager(keyManager(tls.cert(), tls.key()));
    }
    if (tls.ca() != null) {
      b.trustManager(trustManager(tls.ca(), true));
    }
    return b.build();
  }

  /**
   * An SSL context for a plain TLS server (the admin API), following the files like the rest.
   *
   * @param clientCa the CA client certificates are checked against, or null
   */
  public SSLContext sslContext(Path certChain, Path key, Path clientCa)
      throws IOException, GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        new KeyManager[] {keyManager(certChain, key)},
        clientCa == null ? null : new TrustManager[] {trustManager(clientCa, false)},
        null);
    return context;
  }

  private synchronized void watch(Watch w) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    watches.add(w);
    if (executor == null) {
      executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "tempura-tls-reload");
                t.setDaemon(true);
                return t;
              });
      // a check that throws must not end the checks for good, as scheduleWithFixedDelay alone would
      dev.tempura.proxy.scheduling.Scheduling.withFixedDelay(
          executor, "certificate file checks", interval, interval, this::checkAll);
    }
  }

  /** Each watch on its own: one that throws does not keep the others from reloading. */
  private void checkAll() {
    for (Watch w : watches) {
      try {
        w.check();
      } catch (RuntimeException e) {
        log.warn("Checking certificate files {} failed: {}", w.files, e.toString());
      }
    }
  }

  /** Stops watching; managers keep what they last loaded. */
  @Override
  public synchronized void close() {
    closed = true;
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  @FunctionalInterface
  private interface Reload {
    void run() throws IOException, GeneralSecurityException;
  }

  /** Files and what to do when any of them changes. */
  private static final class Watch {
    private final List<Path> files;
    private final Reload reload;
    private List<Object> stamps;

    Watch(List<Path> files, Reload reload) {
      this.files = files;
      this.reload = reload;
      this.stamps = stamps();
    }

    void check() {
      List<Object> now = stamps();
      if (Objects.equals(now, stamps)) {
        return;
      }
      // remembered even if the reload fails: a later write changes the stamps and brings a retry,
      // while files that stay broken are not reported again every interval
      stamps = now;
      try {
        reload.run();
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.warn(
            "Certificate files {} changed but cannot be used; keeping the previous ones: {}",
            files,
            e.getMessage());
      }
    }

    private List<Object> stamps() {
      List<Object> out = new ArrayList<>();
      for (Path f : files) {
        try {
          out.add(Files.getLastModifiedTime(f));
          out.add(Files.size(f));
        } catch (IOException e) {
          out.add("missing");
          out.add(-1L);
        }
      }
      return out;
    }
  }
}
