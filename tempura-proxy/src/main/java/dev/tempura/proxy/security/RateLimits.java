package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import io.temporal.api.enums.v1.ResourceExhaustedCause;
import io.temporal.api.enums.v1.ResourceExhaustedScope;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per virtual namespace: {@code rps} tokens a second, holding at most one second's
 * worth (at least 1), so short bursts pass and a steady excess is refused. A refusal is
 * RESOURCE_EXHAUSTED with Temporal's {@code ResourceExhaustedFailure} (cause RPS_LIMIT, scope
 * NAMESPACE), which SDKs back off from as they do from Temporal's own namespace limit.
 */
public final class RateLimits {
  private final double defaultRps;
  private final Map<String, Double> perNamespace;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * @param defaultRps requests per second for namespaces not in {@code perNamespace}; 0: unlimited
   * @param perNamespace virtual namespace → requests per second; 0: unlimited
   */
  public RateLimits(double defaultRps, Map<String, Double> perNamespace) {
    if (defaultRps < 0 || Double.isNaN(defaultRps)) {
      throw new IllegalArgumentException("defaultRps: " + defaultRps + " (expected: >= 0)");
    }
    this.defaultRps = defaultRps;
    this.perNamespace = Map.copyOf(requireNonNull(perNamespace, "perNamespace"));
  }

  /** True when no namespace is limited. */
  public boolean off() {
    return defaultRps == 0 && perNamespace.values().stream().allMatch(r -> r == 0);
  }

  /** Takes a token for {@code namespace} or throws RESOURCE_EXHAUSTED. */
  public void acquire(String namespace) {
    double rps = perNamespace.getOrDefault(namespace, defaultRps);
    if (rps <= 0) {
      return;
    }
    Bucket b = buckets.computeIfAbsent(namespace, k -> new Bucket(rps));
    if (!b.take(System.nanoTime())) {
      throw Limits.resourceExhausted(
          "namespace rate limit exceeded: "
              + namespace
              + " allows "
              + format(rps)
              + " requests per second",
          ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT,
          ResourceExhaustedScope.RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
    }
  }

  private static String format(double rps) {
    return rps == Math.rint(rps) ? Long.toString((long) rps) : Double.toString(rps);
  }

  private static final class Bucket {
    private final double perNano;
    private final double capacity;
    private double tokens;
    private long last;

    Bucket(double rps) {
      this.perNano = rps / 1e9;
      this.capacity = Math.max(1, rps);
      this.tokens = capacity;
      this.last = System.nanoTime();
    }

    synchronized boolean take(long now) {
      tokens = Math.min(capacity, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
