package dev.tempura.bench;

import dev.tempura.testing.ChildProcess;
import java.util.LinkedHashMap;
import java.util.Map;

/** Processes whose CPU time the suite samples around each measured window. */
final class Watched {
  private final Map<String, java.util.function.LongSupplier> processes = new LinkedHashMap<>();

  /** A process, its direct children counted too (nginx's workers; the JVMs have none). */
  Watched add(String name, ChildProcess p) {
    long pid = p.pid();
    processes.put(name, () -> ProcStat.ticksWithChildren(pid));
    return this;
  }

  /** Several processes as one (the replicas of one deployment). */
  Watched add(String name, java.util.List<ChildProcess> ps) {
    long[] pids = ps.stream().mapToLong(ChildProcess::pid).toArray();
    processes.put(
        name,
        () -> {
          long sum = 0;
          for (long pid : pids) {
            sum += ProcStat.ticksWithChildren(pid);
          }
          return sum;
        });
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
