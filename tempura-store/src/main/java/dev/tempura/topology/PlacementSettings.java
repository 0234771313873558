package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a virtual namespace places new workflows: the policy, and an optional affinity rule that
 * derives a group key from the workflow id so related workflows land on the same backend.
 *
 * @param policy {@code rendezvous} (weighted rendezvous hashing, the default), {@code round-robin},
 *     or {@code adaptive} (rendezvous weights scaled down for slow or failing backends)
 * @param affinity the group rule, or null for none
 */
public record PlacementSettings(String policy, Affinity affinity) {
  public static final String RENDEZVOUS = "rendezvous";
  public static final String ROUND_ROBIN = "round-robin";
  public static final String ADAPTIVE = "adaptive";
  public static final Set<String> POLICIES = Set.of(RENDEZVOUS, ROUND_ROBIN, ADAPTIVE);
  public static final PlacementSettings DEFAULT = new PlacementSettings(RENDEZVOUS, null);

  public PlacementSettings {
    requireNonNull(policy, "policy");
    if (!POLICIES.contains(policy)) {
      throw new IllegalArgumentException(
          "policy: " + policy + " (expected: one of rendezvous, round-robin, adaptive)");
    }
  }

  public PlacementSettings withPolicy(String newPolicy) {
    return new PlacementSettings(newPolicy, affinity);
  }

  public PlacementSettings withAffinity(Affinity newAffinity) {
    return new PlacementSettings(policy, newAffinity);
  }

  /**
   * Which part of a workflow id names its group.
   *
   * @param kind {@code prefix}: the id up to the first {@code value}; {@code regex}: the first
   *     capture group of {@code value} (or the whole match when it has none)
   */
  public record Affinity(String kind, String value) {
    public static final String PREFIX = "prefix";
    public static final String REGEX = "regex";

    public Affinity {
      requireNonNull(kind, "kind");
      requireNonNull(value, "value");
      if (value.isEmpty()) {
        throw new IllegalArgumentException(
            "affinity value: empty (expected: a separator or a pattern)");
      }
      if (kind.equals(REGEX)) {
        try {
          Pattern.compile(value);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException("affinity pattern: " + e.getDescription(), e);
        }
      } else if (!kind.equals(PREFIX)) {
        throw new IllegalArgumentException(
            "affinity kind: " + kind + " (expected: prefix or regex)");
      }
    }
  }
}
