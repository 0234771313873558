package dev.tempura.app.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a Grafana dashboard queries, and which of them nothing exports: Tempura's own
 * (and the JVM and process series it exports) must be in a scrape of Tempura; the rest must be
 * listed in {@link #EXTERNAL} with where they come from.
 */
final class DashboardMetrics {
  /** Series other programs export, by name, with their source. */
  static final Map<String, String> EXTERNAL =
      Map.of(
          "state_transition_count_count", "Temporal server (history service)",
          "lock_latency_bucket", "Temporal server (history service shard lock)",
          "container_cpu_cfs_throttled_periods_total", "cAdvisor (kubelet)",
          "container_cpu_cfs_periods_total", "cAdvisor (kubelet)");

  /** A name right before a selector or a range: {@code name{...}} or {@code name[1m]}. */
  private static final Pattern SELECTED = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\s*[{\\[]");

  private DashboardMetrics() {}

  /** Every metric name the dashboard's queries select. */
  static Set<String> queried(JsonNode dashboard) {
    Set<String> names = new TreeSet<>();
    for (JsonNode expr : dashboard.findValues("expr")) {
      Matcher m = SELECTED.matcher(expr.asText());
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  static Set<String> queried(Path dashboard) throws IOException {
    return queried(new ObjectMapper().readTree(dashboard.toFile()));
  }

  /** The names of a Prometheus text exposition's samples. */
  static Set<String> exported(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
        end++;
      }
      names.add(line.substring(0, end));
    }
    return names;
  }

  /** The queried names neither exported nor listed as another program's. */
  static Set<String> unknown(Set<String> queried, Set<String> exported) {
    Set<String> out = new TreeSet<>(queried);
    out.removeAll(exported);
    out.removeAll(EXTERNAL.keySet());
    return out;
  }
}
