package dev.tempura.admin;

/**
 * Ends a request with {@code status} and a one-line message; not logged, the caller erred. Routes
 * of other modules throw it too.
 */
public final class AdminHttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public AdminHttpException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static AdminHttpException badRequest(String message) {
    return new AdminHttpException(400, message);
  }
}
