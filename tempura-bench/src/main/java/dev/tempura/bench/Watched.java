package dev.tempura.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** Processes whose CPU time the suite samples around each measured window. */
final class Watched {
  private final Map<String, java.util.function.LongSupplier> processes = new LinkedHashMap<>();

  Watched add(String name, ChildProcess p) {
    processes.put(name, p::cpuTicks);
    return this;
  }

  /** The suite's own JVM: the load generator's clients and workers. */
  Watched addSelf(String name) {
    long self = ProcessHandle.current().pid();
    processes.put(name, () -> ProcStat.ticks(self));
    return this;
  }

  Map<String, Long> sample() {
    Map<String, Long> out = new LinkedHashMap<>();
    processes.forEach((k, v) -> out.put(k, v.getAsLong()));
    return out;
  }

  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> out = new LinkedHashMap<>();
    after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0L)));
    return out;
  }
}
