package dev.tempura.proxy.consistency;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.enums.v1.NamespaceState;
import io.temporal.api.enums.v1.ReplicationState;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.GetSystemInfoResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How one physical namespace compares with the others of its virtual namespace.
 *
 * <p>Two mismatches break the virtual namespace and refuse an add (unless forced): a capability the
 * others have and it lacks (clients told of it would use it, and fail there; the proxy's
 * GetSystemInfo only advertises what every backend has, so the whole namespace would lose it), and
 * a custom search attribute the others have that it lacks or types differently (a visibility query
 * naming it would fail on that backend only, so every list of the virtual namespace would fail).
 * Differences in settings (retention, archival, global or not, state) are drift: shown, not
 * refused. What could not be read is unknown and never refuses.
 */
public record ConsistencyReport(
    String physicalId,
    Instant checkedAt,
    List<String> missingCapabilities,
    List<String> missingSearchAttributes,
    List<String> drift,
    List<String> unknown) {

  public ConsistencyReport {
    missingCapabilities = List.copyOf(missingCapabilities);
    missingSearchAttributes = List.copyOf(missingSearchAttributes);
    drift = List.copyOf(drift);
    unknown = List.copyOf(unknown);
  }

  /** Null when nothing refuses the add; else one line naming every mismatch. */
  public String refusal() {
    if (missingCapabilities.isEmpty() && missingSearchAttributes.isEmpty()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    if (!missingSearchAttributes.isEmpty()) {
      parts.add(
          "custom search attributes missing or typed differently: "
              + String.join(", ", missingSearchAttributes)
              + " (visibility queries naming them would fail on this backend only)");
    }
    if (!missingCapabilities.isEmpty()) {
      parts.add(
          "server capabilities missing: "
              + String.join(", ", missingCapabilities)
              + " (the virtual namespace would stop advertising them)");
    }
    return "Physical namespace "
        + physicalId
        + " does not match the others of its virtual namespace: "
        + String.join("; ", parts);
  }

  /** {@code consistent}, {@code inconsistent}, {@code drift} or {@code unknown}, worst first. */
  public String verdict() {
    if (refusal() != null) {
      return "inconsistent";
    }
    if (!drift.isEmpty()) {
      return "drift";
    }
    return unknown.isEmpty() ? "consistent" : "unknown";
  }

  /** For the admin API's {@code get}: the verdict, and each list that is not empty. */
  public Map<String, Object> toDetails() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("verdict", verdict());
    out.put("checked_at", checkedAt.toString());
    if (!missingCapabilities.isEmpty()) {
      out.put("missing_capabilities", missingCapabilities);
    }
    if (!missingSearchAttributes.isEmpty()) {
      out.put("missing_search_attributes", missingSearchAttributes);
    }
    if (!drift.isEmpty()) {
      out.put("drift", drift);
    }
    if (!unknown.isEmpty()) {
      out.put("unknown", unknown);
    }
    return out;
  }

  /**
   * Compares {@code candidate} with each of {@code peers} (the others of its virtual namespace).
   */
  static ConsistencyReport compare(BackendFacts candidate, List<BackendFacts> peers) {
    String here = candidate.physical().name();
    List<String> capabilities = new ArrayList<>();
    List<String> attributes = new ArrayList<>();
    List<String> drift = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    candidate.unknown().forEach((what, why) -> unknown.add(here + ": " + what + " (" + why + ")"));
    states(candidate.namespace(), drift);
    for (BackendFacts peer : peers) {
      String there = peer.physical().name();
      peer.unknown().forEach((what, why) -> unknown.add(there + ": " + what + " (" + why + ")"));
      if (candidate.systemInfo() != null && peer.systemInfo() != null) {
        capabilities(candidate.systemInfo(), peer.systemInfo(), there, capabilities);
      }
      if (candidate.customSearchAttributes() != null && peer.customSearchAttributes() != null) {
        attributes(
            candidate.customSearchAttributes(),
            peer.customSearchAttributes(),
            here,
            there,
            attributes,
            drift);
      }
      if (candidate.namespace() != null && peer.namespace() != null) {
        settings(candidate.namespace(), peer.namespace(), there, drift);
      }
    }
    return new ConsistencyReport(
        candidate.physical().id(), Instant.now(), capabilities, attributes, drift, unknown);
  }

  private static void capabilities(
      GetSystemInfoResponse mine, GetSystemInfoResponse theirs, String there, List<String> out) {
    GetSystemInfoResponse.Capabilities a = mine.getCapabilities();
    GetSystemInfoResponse.Capabilities b = theirs.getCapabilities();
    for (FieldDescriptor f : GetSystemInfoResponse.Capabilities.getDescriptor().getFields()) {
      if (f.getJavaType() == FieldDescriptor.JavaType.BOOLEAN
          && !f.isRepeated()
          && (Boolean) b.getField(f)
          && !(Boolean) a.getField(f)) {
        out.add(f.getName() + " (" + there + " has it)");
      }
    }
  }

  private static void attributes(
      Map<String, IndexedValueType> mine,
      Map<String, IndexedValueType> theirs,
      String here,
      String there,
      List<String> missing,
      List<String> drift) {
    theirs.forEach(
        (name, type) -> {
          IndexedValueType own = mine.get(name);
          if (own == null) {
            missing.add(name + " (" + label(type) + " on " + there + ")");
          } else if (own != type) {
            missing.add(name + " (" + label(own) + " here, " + label(type) + " on " + there + ")");
          }
        });
    mine.forEach(
        (name, type) -> {
          if (!theirs.containsKey(name)) {
            drift.add(
                "search attribute "
                    + name
                    + " ("
                    + label(type)
                    + ") exists on "
                    + here
                    + " but not on "
                    + there);
          }
        });
  }

  private static String label(IndexedValueType t) {
    return t.name().replace("INDEXED_VALUE_TYPE_", "");
  }

  private static void settings(
      DescribeNamespaceResponse mine,
      DescribeNamespaceResponse theirs,
      String there,
      List<String> drift) {
    String a = retention(mine);
    String b = retention(theirs);
    if (!a.equals(b)) {
      drift.add("retention " + a + " here, " + b + " on " + there);
    }
    differ(
        "history archival",
        mine.getConfig().getHistoryArchivalState().name(),
        theirs.getConfig().getHistoryArchivalState().name(),
        there,
        drift);
    differ(
        "visibility archival",
        mine.getConfig().getVisibilityArchivalState().name(),
        theirs.getConfig().getVisibilityArchivalState().name(),
        there,
        drift);
    differ(
        "global namespace",
        String.valueOf(mine.getIsGlobalNamespace()),
        String.valueOf(theirs.getIsGlobalNamespace()),
        there,
        drift);
  }

  private static void differ(
      String what, String mine, String theirs, String there, List<String> drift) {
    if (!mine.equals(theirs)) {
      drift.add(what + " " + mine + " here, " + theirs + " on " + there);
    }
  }

  /** A state other than registered: deprecated, deleted, or in a failover's handover. */
  private static void states(DescribeNamespaceResponse mine, List<String> drift) {
    if (mine == null) {
      return;
    }
    NamespaceState state = mine.getNamespaceInfo().getState();
    if (state != NamespaceState.NAMESPACE_STATE_REGISTERED
        && state != NamespaceState.NAMESPACE_STATE_UNSPECIFIED) {
      drift.add(
          "namespace state "
              + state.name()
              + (state == NamespaceState.NAMESPACE_STATE_DELETED
                  ? " (the backend refuses its calls with NamespaceInvalidState)"
                  : " (still served, but marked for removal)"));
    }
    if (mine.getReplicationConfig().getState() == ReplicationState.REPLICATION_STATE_HANDOVER) {
      drift.add("replication state HANDOVER (the backend answers UNAVAILABLE until it ends)");
    }
  }

  private static String retention(DescribeNamespaceResponse r) {
    if (!r.getConfig().hasWorkflowExecutionRetentionTtl()) {
      return "unset";
    }
    java.time.Duration d =
        java.time.Duration.ofSeconds(r.getConfig().getWorkflowExecutionRetentionTtl().getSeconds());
    return d.toHours() * 3600 == d.getSeconds() ? d.toHours() + "h" : d.toString();
  }
}
