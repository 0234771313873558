package dev.tempura.app.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;

/**
 * The topology document ({@link dev.tempura.topology.TopologyDocument}) as a file: YAML when its
 * name ends in {@code .yaml} or {@code .yml}, else JSON; the same tree either way.
 */
final class TopologyFiles {
  /** A string written without quotes: it cannot read back as a number, boolean or null. */
  private static final Pattern PLAIN =
      Pattern.compile("[A-Za-z](?:[A-Za-z0-9_.:/@-]*[A-Za-z0-9])?");

  private static final Pattern YAML_PLACE =
      Pattern.compile("\\s*in '[^']*', line (\\d+), column (\\d+):?\\s*");

  private static final ObjectMapper JSON_READER =
      new ObjectMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final ObjectMapper YAML_READER =
      new YAMLMapper()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  /** Non-ASCII written as it is: what the document normally holds. */
  private static final YAMLMapper YAML_WRITER = yamlWriter(true);

  /**
   * Everything beyond ASCII escaped, for a document holding text that a terminal would act on (an
   * affinity value, a stored entry): exact, and safe to print.
   */
  private static final YAMLMapper YAML_ASCII_WRITER = yamlWriter(false);

  private TopologyFiles() {}

  static boolean isYaml(Path file) {
    String name =
        file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }

  /**
   * Reads {@code file} as a tree.
   *
   * @throws IllegalArgumentException one line naming the file and what is wrong with it
   */
  static JsonNode read(Path file) {
    String where = Tables.line(file.toString());
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(where + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot be read: " + e.getMessage());
    }
    boolean yaml = isYaml(file);
    JsonNode tree;
    try {
      tree = (yaml ? YAML_READER : JSON_READER).readTree(bytes);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          where
              + ": not valid "
              + (yaml ? "YAML" : "JSON (a file named .yaml or .yml is read as YAML)")
              + ": "
              + Tables.line(problem(e)));
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ": cannot be read: " + e.getMessage());
    }
    if (tree == null || tree.isMissingNode() || !tree.isObject()) {
      throw new IllegalArgumentException(
          where + ": expected a topology document (as tempura topology export prints it)");
    }
    return tree;
  }

  /** The document as YAML, with strings quoted only where they would not read back as strings. */
  static String yaml(JsonNode document) {
    try {
      return (plain(document) ? YAML_WRITER : YAML_ASCII_WRITER).writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The document as indented JSON. */
  static String json(JsonNode document) {
    return Tables.prettyJson(document) + "\n";
  }

  /** True when no string in {@code node}, name or value, holds what {@link Tables#line} escapes. */
  private static boolean plain(JsonNode node) {
    if (node instanceof TextNode text) {
      return Tables.isPlain(text.textValue());
    }
    if (node instanceof ObjectNode object) {
      for (var field : object.properties()) {
        if (!Tables.isPlain(field.getKey()) || !plain(field.getValue())) {
          return false;
        }
      }
      return true;
    }
    for (JsonNode child : node) {
      if (!plain(child)) {
        return false;
      }
    }
    return true;
  }

  private static YAMLMapper yamlWriter(boolean unicode) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setAllowUnicode(unicode);
    options.setSplitLines(false);
    StringQuotingChecker quoting =
        new StringQuotingChecker.Default() {
          private static final long serialVersionUID = 1L;

          @Override
          public boolean needToQuoteValue(String value) {
            return super.needToQuoteValue(value) || !PLAIN.matcher(value).matches();
          }
        };
    return new YAMLMapper(
        YAMLFactory.builder()
            .dumperOptions(options)
            .stringQuotingChecker(quoting)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build());
  }

  /**
   * The parser's message in one line: SnakeYAML's is several, with excerpts of the file, each
   * problem line followed by where it is; the last place named is where it went wrong.
   */
  private static String problem(JsonProcessingException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    List<String> parts = new ArrayList<>();
    String place = null;
    for (String line : message.lines().toList()) {
      Matcher in = YAML_PLACE.matcher(line);
      if (in.matches()) {
        place = "line " + in.group(1) + ", column " + in.group(2);
      } else if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
        parts.add(line.strip());
      }
    }
    JsonLocation at = e.getLocation();
    if (place == null && at != null && at.getLineNr() > 0) {
      place = "line " + at.getLineNr() + ", column " + at.getColumnNr();
    }
    return String.join(": ", parts) + (place == null ? "" : " (" + place + ")");
  }
}
