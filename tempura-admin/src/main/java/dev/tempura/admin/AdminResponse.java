package dev.tempura.admin;

import static java.util.Objects.requireNonNull;

/**
 * What an {@link AdminRoute} answers. The body is sent as UTF-8, so {@code contentType} should say
 * {@code charset=utf-8} for text.
 */
public record AdminResponse(int status, String contentType, String body) {

  static final String TEXT_PLAIN = "text/plain; charset=utf-8";
  static final String APPLICATION_JSON = "application/json";

  public AdminResponse {
    // 1xx are not final answers and 204/304 cannot carry the body this record always has
    if (status < 200 || status > 599 || status == 204 || status == 304) {
      throw new IllegalArgumentException(
          "status: " + status + " (expected: 200-599, not 204 or 304)");
    }
    requireNonNull(contentType, "contentType");
    requireNonNull(body, "body");
  }

  /** A {@code text/plain; charset=utf-8} response; {@code body} is sent as given. */
  public static AdminResponse text(int status, String body) {
    return new AdminResponse(status, TEXT_PLAIN, body);
  }

  /** An {@code application/json} response; {@code body} must already be JSON. */
  public static AdminResponse json(int status, String body) {
    return new AdminResponse(status, APPLICATION_JSON, body);
  }

  /** One line of plain text, newline-terminated as a shell prints it. */
  public static AdminResponse line(int status, String message) {
    return text(status, oneLine(message) + "\n");
  }

  /** Keeps an error message on one line, whatever an exception put in it. */
  static String oneLine(String message) {
    return message == null ? "" : message.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
