package dev.tempura.proxy.placement;

import dev.tempura.topology.PlacementSettings.Affinity;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The group a workflow id belongs to under an affinity rule. */
public final class AffinityKey {
  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  private AffinityKey() {}

  /** The group key of {@code workflowId}; the id itself when the rule does not apply to it. */
  public static String of(Affinity rule, String workflowId) {
    if (rule.kind().equals(Affinity.PREFIX)) {
      int at = workflowId.indexOf(rule.value());
      return at <= 0 ? workflowId : workflowId.substring(0, at);
    }
    Matcher m = PATTERNS.computeIfAbsent(rule.value(), Pattern::compile).matcher(workflowId);
    if (!m.find()) {
      return workflowId;
    }
    return m.groupCount() >= 1 && m.group(1) != null ? m.group(1) : m.group();
  }
}
