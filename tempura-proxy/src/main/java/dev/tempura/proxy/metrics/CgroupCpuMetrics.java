package dev.tempura.proxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU throttling of the container, read from the cgroup's {@code cpu.stat}. Prometheus scrapes too
 * rarely to see throttling in CPU usage, so Temporal's latency guide asks for these counters.
 * cgroup v2 and v1 are both read; where neither exists (not in a container) nothing registers.
 */
public final class CgroupCpuMetrics implements MeterBinder {
  private static final Path V2 = Path.of("/sys/fs/cgroup/cpu.stat");
  private static final Path V1 = Path.of("/sys/fs/cgroup/cpu/cpu.stat");

  private final Path stat;
  private final boolean v2;

  public CgroupCpuMetrics() {
    this(Files.isReadable(V2) ? V2 : V1, Files.isReadable(V2));
  }

  CgroupCpuMetrics(Path stat, boolean v2) {
    this.stat = stat;
    this.v2 = v2;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    // registered even without a cgroup (a plain host): 0, no throttling, rather than a series that
    // comes and goes with the platform and a dashboard that cannot tell "none" from "not scraped"
    FunctionCounter.builder("tempura_cgroup_cpu_periods", this, m -> m.value("nr_periods"))
        .description("Enforcement periods of the container's CPU quota (0 when it has no limit)")
        .register(registry);
    FunctionCounter.builder(
            "tempura_cgroup_cpu_throttled_periods", this, m -> m.value("nr_throttled"))
        .description("Periods in which the container was throttled")
        .register(registry);
    FunctionCounter.builder(
            "tempura_cgroup_cpu_throttled_seconds",
            this,
            m -> v2 ? m.value("throttled_usec") / 1e6 : m.value("throttled_time") / 1e9)
        .description("Time the container spent throttled")
        .register(registry);
  }

  private double value(String key) {
    Long v = read().get(key);
    return v == null ? 0 : v;
  }

  private Map<String, Long> read() {
    Map<String, Long> values = new HashMap<>();
    try {
      for (String line : Files.readAllLines(stat)) {
        String[] parts = line.trim().split("\\s+");
        if (parts.length == 2) {
          values.put(parts[0], Long.parseLong(parts[1]));
        }
      }
    } catch (IOException | NumberFormatException e) {
      values.clear();
    }
    return values;
  }
}
