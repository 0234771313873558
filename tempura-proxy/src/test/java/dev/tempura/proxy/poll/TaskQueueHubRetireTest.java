package dev.tempura.proxy.poll;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.MethodTable;
import dev.tempura.proxy.call.CallObservers;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.routing.MethodRoute;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The idle sweep against a poll that found the hub in the dispatcher's map a moment before the
 * sweep removed it: the hub is retired under its own lock, and a retired hub refuses the poll, so
 * the dispatcher parks it in the hub that replaces it instead of in one no task will reach.
 */
class TaskQueueHubRetireTest {
  private static final MethodRoute POLL =
      MethodTable.build().route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod());
  private static final Duration IDLE = Duration.ofMinutes(2);

  private static TaskQueueHub hub() {
    // no dispatcher: nothing here may reach one (a retired hub starts no backend poll)
    return new TaskQueueHub("v/queue", "queue-id", "v", "queue", POLL, null);
  }

  private static Waiter poll() {
    ProxyCall call =
        new ProxyCall(POLL, null, new Metadata(), new byte[0], Context.ROOT, CallObservers.NONE);
    return new Waiter(call, Deadline.after(60, TimeUnit.SECONDS));
  }

  @Test
  void aHubIsRetiredOnlyOnceItHasBeenIdleForTheTimeout() {
    TaskQueueHub hub = hub();
    long now = System.nanoTime();
    assertThat(hub.retireIfIdle(now, IDLE)).isFalse();
    assertThat(hub.retireIfIdle(now + IDLE.toNanos() + 1, IDLE)).isTrue();
    assertThat(hub.retireIfIdle(now, IDLE)).as("retired for good").isTrue();
  }

  @Test
  void aPollReachingARetiredHub_isRefused_andNotParkedThere() {
    TaskQueueHub hub = hub();
    assertThat(hub.retireIfIdle(System.nanoTime() + IDLE.toNanos() * 2, IDLE)).isTrue();

    assertThat(hub.add(poll())).isFalse();
    assertThat(hub.waiterCount()).isZero();
  }
}
