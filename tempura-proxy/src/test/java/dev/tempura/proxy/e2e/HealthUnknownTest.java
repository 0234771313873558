package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.local.TemporalClusters;
import dev.tempura.topology.PhysicalNamespace;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backend's health is "unknown" until its first health check answers, in the admin details and in
 * {@code tempura_backend_health_known}; meanwhile it still counts for placement ({@code
 * tempura_backend_healthy} 1). A backend that answers becomes "healthy"; one that never answers
 * becomes "unhealthy" once its checks time out.
 */
class HealthUnknownTest {
  private static final String A = "namespace-a";
  private static final String B = "namespace-b";

  @TempDir Path dir;
  private TemporalClusters backends;
  private FaultyBackend silentB;
  private ProxyFixture tempura;

  @BeforeEach
  void setUp() {
    backends = TemporalClusters.start(1);
    silentB = new FaultyBackend(backends.address(0));
    // a check every 200 ms that waits 1.5 s for its answer: B stays unknown that long
    tempura = ProxyFixture.startWithFastHealthChecks(dir, Duration.ofMillis(1500));
    tempura.createVirtual();
  }

  @AfterEach
  void tearDown() {
    silentB.stall(false);
    tempura.close();
    silentB.close();
    backends.close();
  }

  private String health(String name) {
    PhysicalNamespace p =
        tempura
            .topology()
            .virtualNamespace(ProxyFixture.VIRTUAL)
            .orElseThrow()
            .findByName(name)
            .get(0);
    return String.valueOf(tempura.proxy().physicalDetails(ProxyFixture.VIRTUAL, p).get("health"));
  }

  private Double metric(String metricName, String physicalName) {
    Matcher m =
        Pattern.compile("^" + metricName + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE)
            .matcher(tempura.scrape());
    while (m.find()) {
      if (m.group(1).contains("physical_namespace=\"" + physicalName + "\"")) {
        return Double.parseDouble(m.group(2));
      }
    }
    return null;
  }

  @Test
  void healthIsUnknownUntilTheFirstCheckAnswers_andTheBackendMayStillBePlacedMeanwhile() {
    silentB.stall(true);
    tempura.addPhysical(B, silentB.address());
    assertThat(health(B)).isEqualTo("unknown");

    // the next round of checks registers B's gauges; its check waits for an answer that never comes
    Awaitility.await()
        .atMost(Duration.ofSeconds(1))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> metric("tempura_backend_health_known", B) != null);
    assertThat(metric("tempura_backend_health_known", B)).isEqualTo(0.0);
    assertThat(metric("tempura_backend_healthy", B)).as("may take new workflows").isEqualTo(1.0);
    assertThat(metric("tempura_backend_usable", B)).isEqualTo(1.0);
    assertThat(health(B)).isEqualTo("unknown");

    // a backend that answers: known and healthy after its first check
    tempura.addPhysical(A, backends.address(0));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> health(A).equals("healthy"));
    assertThat(metric("tempura_backend_health_known", A)).isEqualTo(1.0);

    // B's checks time out: known, and unhealthy
    Awaitility.await()
        .atMost(Duration.ofSeconds(8))
        .until(() -> health(B).equals("unhealthy: failing health checks"));
    assertThat(metric("tempura_backend_health_known", B)).isEqualTo(1.0);
    assertThat(metric("tempura_backend_healthy", B)).isEqualTo(0.0);

    silentB.stall(false);
    Awaitility.await().atMost(Duration.ofSeconds(8)).until(() -> health(B).equals("healthy"));
    assertThat(metric("tempura_backend_healthy", B)).isEqualTo(1.0);
  }
}
