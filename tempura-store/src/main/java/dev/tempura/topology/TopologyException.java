package dev.tempura.topology;

/**
 * A topology change that cannot be applied; {@link #reason()} says why, for HTTP and CLI mapping.
 */
public final class TopologyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Reason {
    /** A named virtual or physical namespace does not exist. */
    NOT_FOUND,
    /** The thing to create exists already. */
    ALREADY_EXISTS,
    /** The change is malformed or not allowed in the current state. */
    INVALID,
    /** Concurrent writers kept winning; the change was not applied. */
    CONFLICT,
    /** The change was made against a topology version that is no longer the current one. */
    STALE_VERSION,
    /** The physical namespace already serves another virtual namespace. */
    OWNED_ELSEWHERE
  }

  private final Reason reason;

  public TopologyException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
