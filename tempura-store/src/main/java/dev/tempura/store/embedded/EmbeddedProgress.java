package dev.tempura.store.embedded;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.ProgressStore;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Progress records in the embedded store's file, under the key {@code progress:<name>} of its
 * {@code meta} map ({@link EmbeddedFile}). Every operation runs on the file's one writer thread, so
 * a compare-and-set is atomic, and completes once it is durable ({@link EmbeddedWriter}).
 */
final class EmbeddedProgress implements ProgressStore {
  private static final String PREFIX = "progress:";

  private final EmbeddedWriter writer;
  // touched in the bodies submitted to the writer only
  private final EmbeddedFile file;

  EmbeddedProgress(EmbeddedWriter writer, EmbeddedFile file) {
    this.writer = writer;
    this.file = file;
  }

  @Override
  public CompletableFuture<String> get(String name) {
    String key = PREFIX + requireNonNull(name, "name");
    return writer.submit(() -> file.meta(key));
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(String name, String expected, String next) {
    String key = PREFIX + requireNonNull(name, "name");
    return writer.submit(
        () -> {
          if (!Objects.equals(file.meta(key), expected)) {
            return false;
          }
          if (next == null) {
            if (expected != null) {
              file.removeMeta(key);
            }
          } else {
            file.putMeta(key, next);
          }
          return true;
        });
  }

  @Override
  public String toString() {
    return writer.toString();
  }
}
