package dev.tempura.app.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.topology.Names;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin API's JSON as text for people: aligned columns, no trailing spaces, and nothing that a
 * terminal would take as a control sequence. Names and stored entries are shown as {@link
 * Names#printable} shows them; messages made by the server go through {@link #line}; JSON for
 * scripts through {@link #json}.
 */
final class Tables {
  private static final String GAP = "  ";
  private static final String NONE = "-";

  /** JSON whose strings have every control, format and separator character escaped. */
  private static final ObjectMapper SAFE_JSON =
      new ObjectMapper(new JsonFactory().setCharacterEscapes(new TerminalSafeEscapes()));

  /** The admin API's force hint, for a request body; the CLI's own is the {@code --force} flag. */
  private static final Pattern FORCE_HINT =
      Pattern.compile("force it with \"force\":\\s*true\\s*\\(CLI: --force\\)");

  private static final Pattern CLI_HINT = Pattern.compile("\\s*\\(CLI: (--[a-z-]+)\\)");

  private Tables() {}

  /**
   * A virtual namespace from {@code get} or {@code list}: its name, placement and physicals, and,
   * where the answer carries them ({@code get} does), the topology version and the stored entries
   * of it that cannot be served.
   */
  static String virtualNamespace(JsonNode vns) {
    StringBuilder text = new StringBuilder();
    List<Map.Entry<String, String>> head = new ArrayList<>();
    head.add(Map.entry("virtual namespace", name(vns.path("name"))));
    head.add(Map.entry("placement", placement(vns.path("placement"))));
    if (vns.path("topology_version").isIntegralNumber()) {
      head.add(Map.entry("topology version", vns.path("topology_version").asText()));
    }
    text.append(keyValues(head));
    text.append('\n');
    JsonNode physicals = vns.path("physical_namespaces");
    if (physicals.isEmpty()) {
      text.append("(no physical namespaces)\n");
    } else {
      List<List<String>> rows = new ArrayList<>();
      // the column only where a namespace was adopted with its workflows, so others read as before
      boolean onboarding = false;
      for (JsonNode p : physicals) {
        onboarding |= p.path("onboarding").isObject();
      }
      List<String> heading =
          new ArrayList<>(
              List.of("PHYSICAL", "CLUSTER", "STATUS", "WEIGHT", "HEALTH", "START P95"));
      if (onboarding) {
        heading.add("ONBOARDING");
      }
      rows.add(heading);
      for (JsonNode p : physicals) {
        List<String> row =
            new ArrayList<>(
                List.of(
                    name(p.get("name")),
                    name(p.get("cluster_address")),
                    text(p, "status"),
                    text(p, "weight"),
                    health(p),
                    millis(p.get("start_latency_p95_ms"))));
        if (onboarding) {
          row.add(onboarding(p.path("onboarding")));
        }
        rows.add(row);
      }
      text.append(columns(rows));
    }
    if (!vns.path("rejected").isEmpty()) {
      text.append('\n').append(rejected(vns.path("rejected"), false));
    }
    return text.toString();
  }

  /**
   * An adopted namespace's import in one cell: {@code importing (open), 300 imported}, {@code done,
   * 1234 imported}, {@code failed (open), 0 imported: UNAVAILABLE: ...}; {@code -} when not
   * adopted.
   */
  static String onboarding(JsonNode o) {
    if (!o.isObject()) {
      return NONE;
    }
    String state = o.path("state").isTextual() ? line(o.path("state").textValue()) : NONE;
    StringBuilder cell = new StringBuilder(state);
    if (o.path("phase").isTextual()) {
      cell.append(" (").append(line(o.path("phase").textValue())).append(')');
    }
    if (o.path("imported_workflows").isIntegralNumber()) {
      cell.append(", ").append(o.path("imported_workflows").asLong()).append(" imported");
    }
    if (o.path("last_error").isTextual()) {
      cell.append(": ").append(line(o.path("last_error").textValue()));
    }
    return cell.toString();
  }

  /**
   * Stored entries the server cannot serve, with why: a heading, then one row each; {@code
   * withVirtual} adds the column of the virtual namespace each was stored in.
   */
  static String rejected(JsonNode rejected, boolean withVirtual) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(withVirtual ? List.of("VIRTUAL", "ENTRY", "REASON") : List.of("ENTRY", "REASON"));
    for (JsonNode r : rejected) {
      String entry = name(r.get("entry"));
      String reason = r.path("reason").isTextual() ? line(r.path("reason").textValue()) : NONE;
      rows.add(
          withVirtual
              ? List.of(name(r.get("virtual_namespace")), entry, reason)
              : List.of(entry, reason));
    }
    return "REJECTED: stored but not served; repair with tempura topology export and apply\n"
        + columns(rows);
  }

  /** {@code rendezvous, no affinity}, {@code adaptive, affinity prefix '-'}. */
  static String placement(JsonNode placement) {
    String policy =
        placement.path("policy").isTextual() ? line(placement.path("policy").textValue()) : NONE;
    JsonNode affinity = placement.path("affinity");
    if (!affinity.isObject()) {
      return policy + ", no affinity";
    }
    return policy
        + ", affinity "
        + name(affinity.get("kind"))
        + " '"
        + Names.printable(affinity.path("value").asText())
        + "'";
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
          v.isBoolean()
              ? (v.booleanValue() ? "yes" : "no")
              : v.isNull() ? NONE : Names.printable(v.asText());
      if (key.endsWith("_seconds") && v.isNumber()) {
        key = key.substring(0, key.length() - "_seconds".length());
        value = value + "s";
      }
      pairs.add(Map.entry(line(key.replace('_', ' ')), value));
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

  /**
   * Rows padded to their columns' widths, separated by two spaces; the last column is not padded.
   */
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

  /**
   * A line the server wrote (a message, a change, a reason) made safe for a terminal: control,
   * format and separator characters become {@code \\uXXXX}, as {@link Names#printable} writes them;
   * the rest, backslashes included (the server has already escaped the names in it), stays as it
   * is, however long.
   */
  static String line(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int n = Character.charCount(cp);
      if (cp == '\\' || cp >= 0x20 && cp < 0x7f) {
        out.appendCodePoint(cp);
      } else {
        out.append(Names.printable(text.substring(i, i + n)));
      }
      i += n;
    }
    return out.toString();
  }

  /**
   * A refusal as the CLI prints it: safe for a terminal, and where the admin API tells how to force
   * the request ({@code "force": true (CLI: --force)}), telling the operator the flag instead.
   */
  static String refusal(String message) {
    String text = FORCE_HINT.matcher(line(message)).replaceAll("pass --force");
    Matcher hint = CLI_HINT.matcher(text);
    StringBuilder out = new StringBuilder();
    while (hint.find()) {
      String flag = hint.group(1);
      hint.appendReplacement(
          out,
          Matcher.quoteReplacement(text.contains("pass " + flag) ? "" : " (pass " + flag + ")"));
    }
    hint.appendTail(out);
    return out.toString();
  }

  /** {@code node} as one line of JSON, with the characters {@link #line} escapes escaped. */
  static String json(JsonNode node) {
    try {
      return SAFE_JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code node} as indented JSON, escaped as {@link #json} does. */
  static String prettyJson(JsonNode node) {
    DefaultIndenter indent = new DefaultIndenter("  ", "\n");
    DefaultPrettyPrinter pretty =
        new DefaultPrettyPrinter(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(indent)
            .withArrayIndenter(indent);
    try {
      return SAFE_JSON.writer(pretty).writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** True when {@link #line} leaves {@code text} as it is. */
  static boolean isPlain(String text) {
    return line(text).equals(text);
  }

  /** A name or stored entry, as {@link Names#printable} shows it; {@code -} when absent. */
  private static String name(JsonNode v) {
    return v == null || v.isNull() || v.isMissingNode() || v.asText().isEmpty()
        ? NONE
        : Names.printable(v.isValueNode() ? v.asText() : v.toString());
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() || v.asText().isEmpty() ? NONE : line(v.asText());
  }

  private static String millis(JsonNode v) {
    return v == null || !v.isNumber() ? NONE : v.asText() + " ms";
  }

  /**
   * Jackson's escapes, plus {@code \\uXXXX} for DEL and every character beyond ASCII that {@link
   * Names#printable} would escape (C1 controls, bidirectional overrides, line separators).
   */
  private static final class TerminalSafeEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii;

    TerminalSafeEscapes() {
      ascii = standardAsciiEscapesForJSON();
      ascii[0x7f] = ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      String one = String.valueOf((char) ch);
      return Names.printable(one).equals(one)
          ? null
          : new SerializedString(String.format("\\u%04X", ch));
    }
  }

  /** The backend's health, or why it is unusable when it is: that is what an operator must fix. */
  private static String health(JsonNode p) {
    JsonNode usable = p.get("usable");
    if (usable != null && usable.isBoolean() && !usable.booleanValue()) {
      return "unusable: " + text(p, "problem");
    }
    return text(p, "health");
  }
}
