package dev.tempura.testing;

import static java.util.Objects.requireNonNull;

import dev.tempura.local.TemporalClusters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test N in-memory Temporal clusters ({@link TemporalClusters}) and, if asked, what the
 * module puts in front of them (the proxy module's Tempura, say), on a fresh data directory; all of
 * it is closed after the test, the front first.
 *
 * <p>The front is the module's own: this module cannot depend on the proxy or the app (they depend
 * on it), so a module passes a {@link Front} that starts its fixture on the clusters.
 *
 * <pre>{@code
 * @RegisterExtension
 * final TemporalClustersExtension<ProxyFixture> env =
 *     TemporalClustersExtension.withFront(2, ProxyFixture.class, ProxyFixture::startOnTwoClusters);
 *
 * @Test
 * void something(ProxyFixture tempura, TemporalClusters clusters) { ... }
 * }</pre>
 *
 * Registered on an instance field, everything is started before each test and closed after it; on a
 * static field, once for the class. Test and lifecycle methods may take the clusters and the front
 * as parameters, or call {@link #clusters()} and {@link #front()}.
 */
public final class TemporalClustersExtension<F extends AutoCloseable>
    implements BeforeAllCallback,
        AfterAllCallback,
        BeforeEachCallback,
        AfterEachCallback,
        ParameterResolver {

  /** Starts what stands in front of the clusters. */
  @FunctionalInterface
  public interface Front<F> {
    /**
     * @param dataDir a fresh directory for it, deleted after
     * @param clusters the clusters, started
     */
    F start(Path dataDir, TemporalClusters clusters) throws Exception;
  }

  private final int count;
  private final Class<F> frontType;
  private final Front<F> frontFactory;

  private boolean perClass;
  private TemporalClusters clusters;
  private Path dataDir;
  private F front;

  private TemporalClustersExtension(int count, Class<F> frontType, Front<F> frontFactory) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: 1 or more)");
    }
    this.count = count;
    this.frontType = frontType;
    this.frontFactory = frontFactory;
  }

  /** {@code count} clusters, nothing in front. */
  public static TemporalClustersExtension<AutoCloseable> clusters(int count) {
    return new TemporalClustersExtension<>(count, null, null);
  }

  /** {@code count} clusters, and {@code front} started on them. */
  public static <F extends AutoCloseable> TemporalClustersExtension<F> withFront(
      int count, Class<F> frontType, Front<F> front) {
    return new TemporalClustersExtension<>(count, requireNonNull(frontType), requireNonNull(front));
  }

  /** The clusters of the running test. */
  public TemporalClusters clusters() {
    return requireStarted(clusters);
  }

  /** What stands in front of the clusters, for the running test. */
  public F front() {
    if (frontFactory == null) {
      throw new IllegalStateException("no front: registered with clusters(n), not withFront");
    }
    return requireStarted(front);
  }

  /** The front's data directory. */
  public Path dataDir() {
    return requireStarted(dataDir);
  }

  private <T> T requireStarted(T value) {
    if (value == null) {
      throw new IllegalStateException(
          "not started: the extension starts before each test (or all, if static)");
    }
    return value;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (!perClass) {
      stop();
    }
  }

  private void start() throws Exception {
    clusters = TemporalClusters.start(count);
    try {
      dataDir = Files.createTempDirectory("tempura-test-");
      if (frontFactory != null) {
        front = frontFactory.start(dataDir, clusters);
      }
    } catch (Exception | Error e) {
      stop();
      throw e;
    }
  }

  private void stop() {
    try {
      if (front != null) {
        front.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException("closing " + front, e);
    } finally {
      front = null;
      if (clusters != null) {
        clusters.close();
        clusters = null;
      }
      if (dataDir != null) {
        delete(dataDir);
        dataDir = null;
      }
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TemporalClusters.class || (frontType != null && type == frontType);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TemporalClusters.class ? clusters() : front();
  }

  private static void delete(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              Files.deleteIfExists(d);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("deleting " + dir, e);
    }
  }
}
