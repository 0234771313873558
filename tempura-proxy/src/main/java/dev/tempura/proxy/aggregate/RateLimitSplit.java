package dev.tempura.proxy.aggregate;

import io.temporal.api.taskqueue.v1.RateLimitConfig;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import java.util.List;
import java.util.function.Function;

/**
 * The read side of split rate limits. A task queue rate limit is applied by every backend on its
 * own, so Tempura gives each backend its share (limit / backends; {@code MethodRoute.splitRates}).
 * Read back, the shares add up to the limit the client set.
 */
final class RateLimitSplit {
  private RateLimitSplit() {}

  /**
   * The queue and fairness-key rate limits in {@code config}, and the effective rate limit, as the
   * sums of every backend's (only where some backend reports one).
   */
  static void sumConfiguredLimits(
      DescribeTaskQueueResponse.Builder out, List<DescribeTaskQueueResponse> answers) {
    if (out.hasConfig()) {
      TaskQueueConfig.Builder config = out.getConfigBuilder();
      Float queue = sum(answers, r -> limitOf(r.getConfig().hasQueueRateLimit(), r, true));
      if (queue != null) {
        RateLimitConfig.Builder q = config.getQueueRateLimitBuilder();
        q.setRateLimit(q.getRateLimit().toBuilder().setRequestsPerSecond(queue));
      }
      Float fairness =
          sum(answers, r -> limitOf(r.getConfig().hasFairnessKeysRateLimitDefault(), r, false));
      if (fairness != null) {
        RateLimitConfig.Builder f = config.getFairnessKeysRateLimitDefaultBuilder();
        f.setRateLimit(f.getRateLimit().toBuilder().setRequestsPerSecond(fairness));
      }
    }
    if (out.hasEffectiveRateLimit()) {
      Float effective =
          sum(
              answers,
              r ->
                  r.hasEffectiveRateLimit()
                      ? r.getEffectiveRateLimit().getRequestsPerSecond()
                      : null);
      out.setEffectiveRateLimit(
          out.getEffectiveRateLimit().toBuilder().setRequestsPerSecond(effective));
    }
  }

  private static Float limitOf(boolean present, DescribeTaskQueueResponse r, boolean queue) {
    if (!present) {
      return null;
    }
    RateLimitConfig c =
        queue ? r.getConfig().getQueueRateLimit() : r.getConfig().getFairnessKeysRateLimitDefault();
    return c.hasRateLimit() ? c.getRateLimit().getRequestsPerSecond() : null;
  }

  private static Float sum(
      List<DescribeTaskQueueResponse> answers, Function<DescribeTaskQueueResponse, Float> value) {
    Float total = null;
    for (DescribeTaskQueueResponse r : answers) {
      Float v = value.apply(r);
      if (v != null) {
        total = total == null ? v : total + v;
      }
    }
    return total;
  }
}
