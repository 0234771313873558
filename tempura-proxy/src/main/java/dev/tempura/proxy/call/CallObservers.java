package dev.tempura.proxy.call;

import io.grpc.Status;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Observers in the order they were listed; one that throws never stops the others. */
public final class CallObservers implements CallObserver {
  private static final Logger log = LoggerFactory.getLogger(CallObservers.class);

  /** No observers; for tests that build calls by hand. */
  public static final CallObservers NONE = new CallObservers(List.of());

  private final CallObserver[] observers;

  private CallObservers(List<CallObserver> observers) {
    this.observers = observers.toArray(new CallObserver[0]);
  }

  public static CallObservers of(List<CallObserver> observers) {
    return new CallObservers(List.copyOf(observers));
  }

  @Override
  public void forwarded(Forwarded call) {
    for (CallObserver o : observers) {
      try {
        o.forwarded(call);
      } catch (RuntimeException e) {
        log.warn("call observer {} failed for {}", o, call.route().bareMethodName(), e);
      }
    }
  }

  @Override
  public void failed(ProxyCall call, Status status) {
    for (CallObserver o : observers) {
      try {
        o.failed(call, status);
      } catch (RuntimeException e) {
        log.warn("call observer {} failed for {}", o, call.route().bareMethodName(), e);
      }
    }
  }
}
