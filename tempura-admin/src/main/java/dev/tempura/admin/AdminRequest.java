package dev.tempura.admin;

import static dev.tempura.admin.AdminHttpException.badRequest;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.Names;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.TopologyService;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One admin request's input, checked where it enters: the body must be one JSON object with only
 * the fields the route knows, the query only the parameters it knows, and every value is turned
 * into its typed form (a checked name, a {@link ClusterAddress}) here, or refused with a 400 whose
 * one-line message names the field and what is wrong. Nothing past a route parses raw input again.
 */
public final class AdminRequest {
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  /** The field every change may carry: the topology version it was made against. */
  public static final String TOPOLOGY_VERSION = "topology_version";

  private final JsonNode body;

  private AdminRequest(JsonNode body) {
    this.body = body;
  }

  /**
   * The body as a JSON object with no fields but {@code fields}.
   *
   * @throws AdminHttpException 400 for malformed JSON, anything but an object, or an unknown field
   */
  public static AdminRequest body(byte[] body, Set<String> fields) {
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JsonParseException e) {
      JsonLocation at = e.getLocation();
      throw badRequest(
          "malformed JSON"
              + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
              + "; expected one JSON object");
    } catch (JacksonException e) {
      String message = e.getOriginalMessage();
      throw badRequest(
          message != null && message.startsWith("Duplicate field")
              ? "a field is given twice: "
                  + Names.printable(message.replaceFirst("^Duplicate field ", ""))
              : "malformed JSON; expected one JSON object");
    } catch (IOException e) {
      throw badRequest("unreadable request body");
    }
    if (node == null || !node.isObject()) {
      throw badRequest("request body must be a JSON object");
    }
    List<String> unknown = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!fields.contains(field)) {
        unknown.add("'" + Names.printable(field) + "'");
      }
    }
    if (!unknown.isEmpty()) {
      throw badRequest(
          "unknown field"
              + (unknown.size() > 1 ? "s " : " ")
              + String.join(", ", unknown)
              + " (expected: "
              + String.join(", ", fields.stream().sorted().toList())
              + ")");
    }
    return new AdminRequest(node);
  }

  /** Refuses any query parameter but {@code allowed}, naming the first unknown one. */
  public static void query(Map<String, String> query, Set<String> allowed) {
    for (String name : query.keySet()) {
      if (!allowed.contains(name)) {
        throw badRequest(
            "unknown query parameter '"
                + Names.printable(name)
                + "'"
                + (allowed.isEmpty()
                    ? " (this endpoint takes none)"
                    : " (expected: "
                        + String.join(", ", allowed.stream().sorted().toList())
                        + ")"));
      }
    }
  }

  /** The parsed JSON object, for what the helpers here do not cover. */
  public JsonNode json() {
    return body;
  }

  /** A required namespace name, checked against {@link Names}. */
  public String name(String field) {
    String value = text(field);
    if (value == null || value.isEmpty()) {
      throw badRequest("missing field: " + field);
    }
    return checkedName(field, value);
  }

  /** A namespace name from a query parameter, checked against {@link Names}. */
  public static String queryName(Map<String, String> query, String parameter) {
    String value = query.get(parameter);
    if (value == null || value.isEmpty()) {
      throw badRequest("missing query parameter: " + parameter);
    }
    return checkedName(parameter, value);
  }

  private static String checkedName(String field, String value) {
    String problem = Names.namespaceNameProblem(value);
    if (problem != null) {
      throw badRequest(field + ": " + problem);
    }
    return value;
  }

  /** A required cluster address. */
  public ClusterAddress address(String field) {
    String value = text(field);
    if (value == null || value.isEmpty()) {
      throw badRequest("missing field: " + field);
    }
    return address(field, value);
  }

  /** An optional cluster address: null when absent. */
  public ClusterAddress optionalAddress(String field) {
    String value = text(field);
    return value == null ? null : address(field, value);
  }

  /** A cluster address from a query parameter, or null when absent. */
  public static ClusterAddress queryAddress(Map<String, String> query, String parameter) {
    String value = query.get(parameter);
    return value == null ? null : address(parameter, value);
  }

  private static ClusterAddress address(String field, String value) {
    try {
      return ClusterAddress.parse(value);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      throw badRequest(
          message.startsWith("cluster_address")
              ? message.replaceFirst("^cluster_address", field)
              : field + ": " + message);
    }
  }

  /** An optional weight (an integer >= 0), or null when absent. */
  public Integer weight(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 0) {
      throw badRequest("field " + field + ": expected an integer >= 0");
    }
    return value.intValue();
  }

  /** An optional boolean, {@code false} when absent. */
  public boolean flag(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return false;
    }
    if (!value.isBoolean()) {
      throw badRequest("field " + field + ": expected true or false");
    }
    return value.booleanValue();
  }

  /** {@value #TOPOLOGY_VERSION}, or {@link TopologyService#ANY_VERSION} when absent. */
  public long expectedVersion() {
    JsonNode value = body.get(TOPOLOGY_VERSION);
    if (value == null || value.isNull()) {
      return TopologyService.ANY_VERSION;
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.longValue() < 0) {
      throw badRequest("field " + TOPOLOGY_VERSION + ": expected an integer >= 0");
    }
    return value.longValue();
  }

  /** A boolean query parameter ({@code true} or {@code false}), {@code false} when absent. */
  public static boolean queryFlag(Map<String, String> query, String parameter) {
    String value = query.get(parameter);
    if (value == null) {
      return false;
    }
    return switch (value) {
      case "true", "" -> true;
      case "false" -> false;
      default -> throw badRequest("query parameter " + parameter + ": expected true or false");
    };
  }

  /** The string value of {@code field}, or null when absent or JSON null. */
  public String text(String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw badRequest("field " + field + ": expected a string");
    }
    return value.textValue();
  }

  /** Fields of a change to one physical namespace. */
  public static final Set<String> PHYSICAL_FIELDS =
      Set.of("virtual_namespace", "physical_namespace", "cluster_address", TOPOLOGY_VERSION);

  /** The default weight of an added physical namespace. */
  static final int DEFAULT_WEIGHT = PhysicalNamespace.DEFAULT_WEIGHT;
}
