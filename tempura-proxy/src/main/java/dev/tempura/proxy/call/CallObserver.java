package dev.tempura.proxy.call;

import io.grpc.Status;

/**
 * Told how each call ended, once. The side effects of a call's outcome (metrics, backend health,
 * the adaptive policy's statistics, late mappings, the mapping lifecycle) are observers in one list
 * ({@link CallObservers}), not code inside the relay, in the spirit of OkHttp's interceptors.
 *
 * <p>Observers run on the thread that ends the call (often an event loop): they must not block. One
 * that throws is logged and the others still run.
 */
public interface CallObserver {
  /** A backend answered a call Tempura forwarded to it, before the client gets the answer. */
  void forwarded(Forwarded call);

  /** Tempura ended a call itself with {@code status} (refused, not found, its own failure). */
  default void failed(ProxyCall call, Status status) {}
}
