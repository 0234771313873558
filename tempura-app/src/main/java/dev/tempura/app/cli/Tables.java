package dev.tempura.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The admin API's JSON as text for people: aligned columns, no trailing spaces. */
final class Tables {
  private static final String GAP = "  ";
  private static final String NONE = "-";

  private Tables() {}

  /** A virtual namespace from {@code get} or {@code list}: its name, placement and physicals. */
  static String virtualNamespace(JsonNode vns) {
    StringBuilder text = new StringBuilder();
    text.append(
        keyValues(
            List.of(
                Map.entry("virtual namespace", vns.path("name").asText()),
                Map.entry("placement", placement(vns.path("placement"))))));
    text.append('\n');
    JsonNode physicals = vns.path("physical_namespaces");
    if (physicals.isEmpty()) {
      return text.append("(no physical namespaces)\n").toString();
    }
    List<List<String>> rows = new ArrayList<>();
    rows.add(List.of("PHYSICAL", "CLUSTER", "STATUS", "WEIGHT", "HEALTH", "START P95"));
    for (JsonNode p : physicals) {
      rows.add(
          List.of(
              text(p, "name"),
              text(p, "cluster_address"),
              text(p, "status"),
              text(p, "weight"),
              text(p, "health"),
              millis(p.get("start_latency_p95_ms"))));
    }
    return text.append(columns(rows)).toString();
  }

  /** {@code rendezvous, no affinity}, {@code adaptive, affinity prefix '-'}. */
  static String placement(JsonNode placement) {
    String policy = placement.path("policy").asText(NONE);
    JsonNode affinity = placement.path("affinity");
    if (!affinity.isObject()) {
      return policy + ", no affinity";
    }
    return policy + ", affinity " + affinity.path("kind").asText() + " '"
        + affinity.path("value").asText() + "'";
  }

  /**
   * Every field of a flat JSON object, one per line: {@code open_workflows} shows as {@code open
   * workflows}, a {@code _seconds} field's value gets an {@code s}, booleans read yes or no.
   */
  static String fields(JsonNode object) {
    List<Map.Entry<String, String>> pairs = new ArrayList<>();
    for (Map.Entry<String, JsonNode> f : object.properties()) {
      String key = f.getKey();
      JsonNode v = f.getValue();
      String value =
          v.isBoolean() ? (v.booleanValue() ? "yes" : "no") : v.isNull() ? NONE : v.asText();
      if (key.endsWith("_seconds") && v.isNumber()) {
        key = key.substring(0, key.length() - "_seconds".length());
        value = value + "s";
      }
      pairs.add(Map.entry(key.replace('_', ' '), value));
    }
    return keyValues(pairs);
  }

  static String keyValues(List<Map.Entry<String, String>> pairs) {
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, String> pair : pairs) {
      rows.add(List.of(pair.getKey(), pair.getValue()));
    }
    return columns(rows);
  }

  /** Rows padded to their columns' widths, separated by two spaces; the last column is not padded. */
  static String columns(List<List<String>> rows) {
    int n = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] width = new int[n];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        width[i] = Math.max(width[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(width[i] - row.get(i).length())).append(GAP);
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
    }
    return text.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? NONE : v.asText();
  }

  private static String millis(JsonNode v) {
    return v == null || !v.isNumber() ? NONE : v.asText() + " ms";
  }
}
