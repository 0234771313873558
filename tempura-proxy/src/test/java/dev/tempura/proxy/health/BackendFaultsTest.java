package dev.tempura.proxy.health;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Faults stay with their backend, are logged once per streak, and end by success or by time. */
class BackendFaultsTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final PhysicalNamespace a = physical("orders-a", "a.example.com:7233");
  private final PhysicalNamespace b = physical("orders-b", "b.example.com:7233");
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;

  private static PhysicalNamespace physical(String name, String address) {
    return new PhysicalNamespace(
        name, ClusterAddress.parse(address), PhysicalNamespaceStatus.ACTIVE, 1);
  }

  @BeforeEach
  void captureLogs() {
    logs = new ListAppender<>();
    logs.start();
    logger = (Logger) LoggerFactory.getLogger(BackendFaults.class);
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
  }

  private List<ILoggingEvent> warnings() {
    synchronized (logs.list) {
      return logs.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    }
  }

  private double faultCount(String physical, String work) {
    return registry
        .get("tempura_backend_faults")
        .tag("physical_namespace", physical)
        .tag("work", work)
        .counter()
        .count();
  }

  private double usableGauge(String physical) {
    return registry
        .get("tempura_backend_usable")
        .tag("physical_namespace", physical)
        .gauge()
        .value();
  }

  @Test
  void aFault_makesOnlyItsBackendUnusable_isLoggedOnce_andEndsWhenTheSameWorkSucceeds() {
    BackendFaults faults = new BackendFaults(registry);
    faults.track(a);
    faults.track(b);
    assertThat(faults.usable(a)).isTrue();
    assertThat(usableGauge("orders-a")).isEqualTo(1.0);

    for (int i = 0; i < 5; i++) {
      faults.failed(a, BackendFaults.POLLS, new IllegalArgumentException("bad\naddress " + i));
    }

    assertThat(faults.usable(a)).isFalse();
    assertThat(faults.usable(b)).isTrue();
    assertThat(faults.problem(a))
        .startsWith("poll failed 5 times since ")
        .endsWith("java.lang.IllegalArgumentException: bad address 4")
        .doesNotContain("\n");
    assertThat(usableGauge("orders-a")).isEqualTo(0.0);
    assertThat(usableGauge("orders-b")).isEqualTo(1.0);
    assertThat(faultCount("orders-a", "poll")).isEqualTo(5.0);
    assertThat(warnings())
        .singleElement()
        .satisfies(e -> assertThat(e.getThrowableProxy()).isNotNull());

    faults.succeeded(a, BackendFaults.HEALTH_CHECK); // other work: the poll still fails
    assertThat(faults.usable(a)).isFalse();
    faults.succeeded(a, BackendFaults.POLLS);
    assertThat(faults.usable(a)).isTrue();
    assertThat(faults.problem(a)).isNull();
    assertThat(usableGauge("orders-a")).isEqualTo(1.0);

    // a new streak is logged again
    faults.failed(a, BackendFaults.POLLS, new IllegalStateException("again"));
    assertThat(warnings()).hasSize(2);
  }

  @Test
  void aFaultNotSeenAgainForTheHold_noLongerCounts_butIsNotLoggedAgainIfItComesBack()
      throws Exception {
    BackendFaults faults = new BackendFaults(registry, Duration.ofMillis(100));
    faults.failed(a, BackendFaults.CALLS, new IllegalStateException("once"));
    assertThat(faults.usable(a)).isFalse();

    Thread.sleep(200);

    assertThat(faults.usable(a)).as("a fault nothing retried, past the hold").isTrue();
    faults.failed(a, BackendFaults.CALLS, new IllegalStateException("twice"));
    assertThat(faults.usable(a)).isFalse();
    assertThat(faults.problem(a)).contains("forwarded call failed 2 times");
    assertThat(warnings()).hasSize(1);
  }

  @Test
  void backendsThatLeaveTheTopology_areForgottenWithTheirMeters() {
    BackendFaults faults = new BackendFaults(registry);
    faults.track(a);
    faults.failed(b, BackendFaults.HEALTH_CHECK, new IllegalStateException("boom"));

    faults.retain(new Topology(2, Map.of("orders", new VirtualNamespace("orders", List.of(a)))));

    assertThat(faults.usable(b)).isTrue();
    assertThat(
            registry.find("tempura_backend_usable").tag("physical_namespace", "orders-b").gauge())
        .isNull();
    assertThat(
            registry.find("tempura_backend_faults").tag("physical_namespace", "orders-b").counter())
        .isNull();
    assertThat(
            registry.find("tempura_backend_usable").tag("physical_namespace", "orders-a").gauge())
        .isNotNull();
  }
}
