package dev.tempura.proxy.wire;

/** The bytes are not a well-formed protobuf message. */
public final class MalformedMessageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  MalformedMessageException(String message) {
    super(message, null, false, false);
  }
}
