package dev.tempura.admin;

/** Ends a request with {@code status} and a one-line message; not logged, the caller erred. */
final class AdminHttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;

  AdminHttpException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  int status() {
    return status;
  }

  static AdminHttpException badRequest(String message) {
    return new AdminHttpException(400, message);
  }
}
