package dev.tempura.proxy.trace;

import dev.tempura.proxy.call.CallTrace;
import dev.tempura.proxy.call.ProxyCall;

/** Starts the trace of each call the pipeline handles. */
public interface CallTracer {
  /** Tracing off: every call gets the one shared {@link CallTrace#OFF}; nothing is allocated. */
  CallTracer OFF = call -> CallTrace.OFF;

  /**
   * The trace of {@code call}, begun now; continues the client's W3C trace context if it sent one.
   */
  CallTrace start(ProxyCall call);
}
