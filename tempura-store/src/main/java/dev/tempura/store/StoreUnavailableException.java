package dev.tempura.store;

/**
 * A shared store could not be reached, or could not answer in time. The call may be retried once
 * the store is back; whether it took effect is unknown when the failure came after sending it.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
