package dev.tempura.bench;

/** Waiting, for the suite's threads. */
final class Net {
  private Net() {}

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
