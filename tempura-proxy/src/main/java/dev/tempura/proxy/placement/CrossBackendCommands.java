package dev.tempura.proxy.placement;

import dev.tempura.proxy.routing.Keyspace;
import dev.tempura.proxy.routing.RequestFields;
import dev.tempura.store.MappingStore;
import dev.tempura.topology.PhysicalNamespace;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spots the one thing a virtual namespace cannot do as a single cluster does: Temporal delivers a
 * workflow's SignalExternalWorkflowExecution and RequestCancelExternalWorkflowExecution commands
 * only inside its own cluster, so one aimed at a workflow placed on another backend fails inside
 * the workflow (as "workflow not found"). Tempura cannot deliver it, but it sees the command pass
 * in RespondWorkflowTaskCompleted, so it says so where operators look: a counter ({@code
 * tempura_cross_backend_commands_total{kind}}) and a WARN line naming both workflows and the fix,
 * an affinity group (docs/placement.md).
 *
 * <p>Off the call's path and best effort: the target's mapping is read asynchronously (usually from
 * the cache) and the task goes on at once; a store error or an unmapped target (one Tempura has not
 * seen yet) is not reported.
 */
public final class CrossBackendCommands {
  private static final Logger log = LoggerFactory.getLogger(CrossBackendCommands.class);

  /** Pairs already logged; past this many the set starts over, so memory stays bounded. */
  private static final int MAX_LOGGED_PAIRS = 10_000;

  private final MappingStore mappings;
  private final Counter signals;
  private final Counter cancels;
  private final Set<String> logged = ConcurrentHashMap.newKeySet();

  public CrossBackendCommands(MappingStore mappings, MeterRegistry registry) {
    this.mappings = mappings;
    this.signals = counter(registry, "signal_external");
    this.cancels = counter(registry, "request_cancel_external");
  }

  private static Counter counter(MeterRegistry registry, String kind) {
    return Counter.builder("tempura_cross_backend_commands")
        .description(
            "SignalExternal / RequestCancelExternal commands aimed at a workflow on another"
                + " backend, which Temporal cannot deliver")
        .tag("kind", kind)
        .register(registry);
  }

  /**
   * Checks the external commands of a completed workflow task of {@code fromWorkflowId} (null when
   * the token did not say), which runs on {@code from}. Returns at once; never throws.
   */
  public void check(
      RequestFields fields, String virtualName, PhysicalNamespace from, String fromWorkflowId) {
    try {
      RequestFields.ExternalTargets targets = fields.externalTargets();
      if (targets.isEmpty()) {
        return;
      }
      check(
          targets.signalIds(),
          targets.signalNamespaces(),
          virtualName,
          from,
          fromWorkflowId,
          signals,
          "signal");
      check(
          targets.cancelIds(),
          targets.cancelNamespaces(),
          virtualName,
          from,
          fromWorkflowId,
          cancels,
          "cancellation request");
    } catch (RuntimeException e) {
      // a malformed command is the backend's to reject; this check only ever watches
      log.debug("could not read the external commands of a workflow task", e);
    }
  }

  private void check(
      List<String> ids,
      List<String> namespaces,
      String virtualName,
      PhysicalNamespace from,
      String fromWorkflowId,
      Counter counter,
      String what) {
    for (int i = 0; i < ids.size(); i++) {
      String target = ids.get(i);
      if (target.isEmpty()
          || target.equals(fromWorkflowId)
          || !inNamespace(namespaces, ids.size(), i, virtualName)) {
        continue;
      }
      mappings
          .get(Keyspace.WORKFLOW.key(virtualName, target))
          .whenComplete(
              (mapped, error) -> {
                if (error != null || mapped == null || mapped.equals(from.id())) {
                  return;
                }
                counter.increment();
                warnOnce(virtualName, from, fromWorkflowId, target, mapped, what);
              });
    }
  }

  /**
   * Whether command {@code i} targets the virtual namespace itself. The namespaces are read as a
   * separate list, which lines up with the ids only when every command names one; when some do not,
   * the commands count as ours only if every namespace named is ours (SDKs name the workflow's own
   * namespace, or leave it empty for it).
   */
  private static boolean inNamespace(
      List<String> namespaces, int commands, int i, String virtualName) {
    if (namespaces.size() == commands) {
      String ns = namespaces.get(i);
      return ns.isEmpty() || ns.equals(virtualName);
    }
    for (String ns : namespaces) {
      if (!ns.isEmpty() && !ns.equals(virtualName)) {
        return false;
      }
    }
    return true;
  }

  private void warnOnce(
      String virtualName,
      PhysicalNamespace from,
      String fromWorkflowId,
      String target,
      String targetPhysicalId,
      String what) {
    String source = fromWorkflowId == null ? "(unknown)" : fromWorkflowId;
    if (logged.size() >= MAX_LOGGED_PAIRS) {
      logged.clear();
    }
    if (!logged.add(source + "\u0000" + target + "\u0000" + what)) {
      return;
    }
    log.warn(
        "workflow {} (namespace {}, on {}) sent a {} to workflow {}, which is on {}: Temporal"
            + " delivers these only within one cluster, so it fails inside the workflow. Put"
            + " workflows that signal or cancel each other in one affinity group"
            + " (POST /namespace/virtual/placement with an affinity rule, docs/placement.md)",
        source,
        virtualName,
        from.id(),
        what,
        target,
        targetPhysicalId);
  }
}
