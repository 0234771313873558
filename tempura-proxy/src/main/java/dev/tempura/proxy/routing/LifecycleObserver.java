package dev.tempura.proxy.routing;

/**
 * What a successful answer to one method tells about the life of the object it routes by (the
 * mapping lifecycle keeps a mapping as long as its workflow needs it). Implemented in {@code
 * lifecycle}; {@link #NONE} for the methods that tell nothing.
 */
@FunctionalInterface
public interface LifecycleObserver {
  LifecycleObserver NONE = (request, response) -> Event.NOTHING;

  /** What was seen. */
  enum Event {
    NOTHING,
    /** The workflow closed. */
    CLOSED,
    /** A new run started. */
    STARTED,
    /** The object (a schedule) was deleted. */
    DELETED
  }

  /** Looks at the request as the backend saw it and the response as the backend sent it. */
  Event observe(byte[] request, byte[] response);
}
