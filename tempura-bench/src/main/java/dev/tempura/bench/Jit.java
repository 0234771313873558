package dev.tempura.bench;

import java.util.Map;

/** How much of a JVM's CPU went to its JIT compiler threads, from per-thread ticks. */
final class Jit {
  /** Below this share of the process's CPU, the JIT counts as settled. */
  static final double SETTLED = 0.10;

  private Jit() {}

  /** The compiler threads' share of the CPU ticks between two {@link ProcStat#threadTicks}. */
  static double share(Map<String, Long> before, Map<String, Long> after) {
    long total = 0;
    long jit = 0;
    for (var e : after.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (d <= 0) {
        continue;
      }
      total += d;
      if (e.getKey().contains("CompilerThre")) {
        jit += d;
      }
    }
    return total == 0 ? 0 : (double) jit / total;
  }
}
