package dev.tempura.topology;

import java.nio.charset.StandardCharsets;

/**
 * The one rule for namespace names, virtual and physical, wherever they enter: the admin API, the
 * CLI, a topology file and a stored topology.
 *
 * <p>Temporal itself asks only that a namespace name be non-empty and at most {@code
 * limit.maxIDLength} bytes (1,000 by default; the frontend's {@code ValidateName} in {@code
 * common/rpc/interceptor/namespace_validator.go}). Tempura asks the same, and also refuses what
 * would only ever be a mistake or an attack on an operator's terminal or logs: control and format
 * characters (escape sequences, newlines, NUL, bidirectional overrides), line separators, lone
 * surrogates, and white space at either end.
 */
public final class Names {
  /** Temporal's default {@code limit.maxIDLength}, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 1000;

  private Names() {}

  /**
   * Checks a namespace name.
   *
   * @param field how the caller names the value, e.g. {@code physical_namespace}
   * @throws IllegalArgumentException one readable line naming the field and what is wrong
   */
  public static String requireNamespaceName(String field, String name) {
    String problem = namespaceNameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(field + ": " + problem);
    }
    return name;
  }

  /** Null when {@code name} is a valid namespace name; else why not, in words. */
  public static String namespaceNameProblem(String name) {
    if (name == null || name.isEmpty()) {
      return "empty (expected: a namespace name)";
    }
    if (name.length() > MAX_NAME_BYTES
        || name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
      return "longer than " + MAX_NAME_BYTES + " bytes (Temporal's limit for a namespace name)";
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (forbidden(cp)) {
        return "'"
            + printable(name)
            + "' contains the character U+"
            + String.format("%04X", cp)
            + " (control and format characters are not allowed)";
      }
      i += Character.charCount(cp);
    }
    if (Character.isWhitespace(name.codePointAt(0))
        || Character.isSpaceChar(name.codePointAt(0))
        || Character.isWhitespace(name.codePointBefore(name.length()))
        || Character.isSpaceChar(name.codePointBefore(name.length()))) {
      return "'" + printable(name) + "' starts or ends with white space";
    }
    return null;
  }

  private static boolean forbidden(int cp) {
    int type = Character.getType(cp);
    return type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.SURROGATE // a lone one: a pair is one code point
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.UNASSIGNED && (cp >= 0xFFFE || (cp & 0xFFFE) == 0xFFFE);
  }

  /**
   * {@code text} safe to print on a terminal or in a log line: control, format and separator
   * characters become {@code \\uXXXX}, and anything past 120 characters is cut with its length.
   */
  public static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), 130));
    int shown = 0;
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      int n = Character.charCount(cp);
      if (shown >= 120) {
        out.append("... (").append(text.length()).append(" characters)");
        break;
      }
      if (forbidden(cp) || cp == '\\') {
        out.append(cp == '\\' ? "\\\\" : String.format("\\u%04X", cp));
      } else {
        out.appendCodePoint(cp);
      }
      shown++;
      i += n;
    }
    return out.toString();
  }
}
