package dev.tempura.proxy.token;

/** A task token Tempura did not issue, or one that was damaged on the way. */
public final class InvalidTaskTokenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  InvalidTaskTokenException(String message) {
    super(message, null, false, false);
  }
}
