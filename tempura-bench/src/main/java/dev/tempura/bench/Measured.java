package dev.tempura.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What one target did over measured windows: operations, errors, time, latencies, and the CPU ticks
 * of the processes watched during them. Windows add up.
 */
final class Measured {
  final String label;
  long ops;
  long errors;
  long nanos;
  final Histogram latencies = new Histogram(3);

  /** CPU ticks per watched process name ("tempura", "nginx", "backend A", "client"). */
  final Map<String, Long> ticks = new LinkedHashMap<>();

  /** The proxy's CPU ticks per thread group over the windows, when it is a JVM. */
  final Map<String, Long> threads = new java.util.TreeMap<>();

  /** Other counts over the windows, e.g. the calls the proxy served ("proxy rpcs"). */
  final Map<String, Long> counts = new LinkedHashMap<>();

  String lastError;

  Measured(String label) {
    this.label = label;
  }

  void add(Measured window) {
    ops += window.ops;
    errors += window.errors;
    nanos += window.nanos;
    latencies.add(window.latencies);
    window.ticks.forEach((k, v) -> ticks.merge(k, v, Long::sum));
    window.counts.forEach((k, v) -> counts.merge(k, v, Long::sum));
    window.threads.forEach((k, v) -> threads.merge(k, v, Long::sum));
    if (window.lastError != null) {
      lastError = window.lastError;
    }
  }

  double perSecond() {
    return nanos == 0 ? 0 : ops * 1e9 / nanos;
  }

  /** Latency percentile in milliseconds. */
  double ms(double percentile) {
    return latencies.getTotalCount() == 0
        ? Double.NaN
        : latencies.getValueAtPercentile(percentile) / 1e6;
  }

  double meanMs() {
    return latencies.getTotalCount() == 0 ? Double.NaN : latencies.getMean() / 1e6;
  }

  /** CPU microseconds per operation of the named process, or NaN when not watched. */
  double cpuMicrosPerOp(String process) {
    Long t = ticks.get(process);
    if (t == null || ops == 0) {
      return Double.NaN;
    }
    return t * 1e6 / ProcStat.clkTck() / ops;
  }

  /** The proxy's CPU microseconds per operation leaving out its JIT compiler threads. */
  double proxyMicrosPerOpWithoutJit() {
    Long t = ticks.get("proxy");
    if (t == null || ops == 0 || threads.isEmpty()) {
      return Double.NaN;
    }
    long jit =
        threads.entrySet().stream()
            .filter(e -> e.getKey().contains("CompilerThre"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return (t - jit) * 1e6 / ProcStat.clkTck() / ops;
  }

  /** The share of the proxy's thread ticks its JIT compiler threads took. */
  double proxyJitShare() {
    long total = threads.values().stream().mapToLong(Long::longValue).sum();
    long jit =
        threads.entrySet().stream()
            .filter(e -> e.getKey().contains("CompilerThre"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    return total == 0 ? Double.NaN : (double) jit / total;
  }

  /** The named process's CPU as a share of one core over the windows. */
  double cores(String process) {
    Long t = ticks.get(process);
    if (t == null || nanos == 0) {
      return Double.NaN;
    }
    return t * 1e9 / ProcStat.clkTck() / nanos;
  }
}
