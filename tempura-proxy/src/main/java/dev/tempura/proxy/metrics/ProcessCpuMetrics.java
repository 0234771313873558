package dev.tempura.proxy.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.management.ManagementFactory;

/**
 * {@code process_cpu_seconds_total}: the CPU time the process used, in seconds, as Prometheus'
 * client libraries and Temporal's Go services export it, so one query fits all. Micrometer's own
 * {@code process.cpu.time} is in nanoseconds; TempuraServer leaves it out.
 */
public final class ProcessCpuMetrics implements MeterBinder {
  private final com.sun.management.OperatingSystemMXBean os;

  public ProcessCpuMetrics() {
    this.os =
        ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean sun
            ? sun
            : null;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    if (os == null || os.getProcessCpuTime() < 0) {
      return; // a JVM that cannot tell: no series rather than a wrong one
    }
    FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
        .baseUnit("seconds")
        .description("CPU time used by the process, in seconds")
        .register(registry);
  }
}
