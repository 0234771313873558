package dev.tempura.proxy.onboard;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Progress records in this process's memory, for a proxy started without a store's {@link
 * dev.tempura.store.ProgressStore}: an import then starts over after a restart (harmless, as every
 * write is a put-if-absent, only slower).
 */
public final class InMemoryProgress implements dev.tempura.store.ProgressStore {
  private final Map<String, String> records = new ConcurrentHashMap<>();

  @Override
  public CompletableFuture<String> get(String name) {
    return CompletableFuture.completedFuture(records.get(name));
  }

  @Override
  public synchronized CompletableFuture<Boolean> compareAndSet(
      String name, String expected, String next) {
    if (!Objects.equals(records.get(name), expected)) {
      return CompletableFuture.completedFuture(false);
    }
    if (next == null) {
      records.remove(name);
    } else {
      records.put(name, next);
    }
    return CompletableFuture.completedFuture(true);
  }
}
