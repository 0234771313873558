package dev.tempura.proxy.routing;

import dev.tempura.proxy.wire.FieldScan;
import java.util.List;

/**
 * The fields of one request the proxy needs to route it (namespace, routing key, task token, the
 * children a completed workflow task starts), read in a single pass over its bytes by {@link
 * MethodRoute#read}. Malformed bytes at the top level fail that read; inside a nested message they
 * fail the accessor of a field that goes through it.
 */
public final class RequestFields {
  private final Plan plan;
  private final FieldScan.Values values;

  private RequestFields(Plan plan, FieldScan.Values values) {
    this.plan = plan;
    this.values = values;
  }

  /** The namespace the body names, or null when absent (or the method has none). */
  public String namespace() {
    return plan.namespace < 0 ? null : values.string(plan.namespace);
  }

  /** The first non-empty id among the route's keys, or null. */
  public RoutingKey key() {
    for (int k = 0; k < plan.keys.length; k++) {
      String id = values.string(plan.keys[k]);
      if (id != null && !id.isEmpty()) {
        return new RoutingKey(plan.keyspaces.get(k), id);
      }
    }
    return null;
  }

  /** The request's task token, or null when absent (or the method carries none). */
  public byte[] taskToken() {
    return plan.token < 0 ? null : values.bytes(plan.token);
  }

  /** The workflow ids of the children the request starts; empty for other methods. */
  public List<String> childIds() {
    return plan.childIds < 0 ? List.of() : values.strings(plan.childIds);
  }

  /** The namespaces the request's children are started in, as written (may be empty strings). */
  public List<String> childNamespaces() {
    return plan.childNamespaces < 0 ? List.of() : values.strings(plan.childNamespaces);
  }

  /**
   * The workflows a completed workflow task signals (SignalExternalWorkflowExecution commands) or
   * asks to cancel (RequestCancelExternalWorkflowExecution), with the namespaces the commands name
   * (each list in command order; a command without a namespace adds none); empty for other methods.
   */
  public ExternalTargets externalTargets() {
    if (plan.signalIds < 0) {
      return ExternalTargets.NONE;
    }
    return new ExternalTargets(
        values.strings(plan.signalIds),
        values.strings(plan.signalNamespaces),
        values.strings(plan.cancelIds),
        values.strings(plan.cancelNamespaces));
  }

  /** See {@link #externalTargets()}. */
  public record ExternalTargets(
      List<String> signalIds,
      List<String> signalNamespaces,
      List<String> cancelIds,
      List<String> cancelNamespaces) {
    static final ExternalTargets NONE =
        new ExternalTargets(List.of(), List.of(), List.of(), List.of());

    public boolean isEmpty() {
      return signalIds.isEmpty() && cancelIds.isEmpty();
    }
  }

  /**
   * What a start names about the Nexus operation it handles: the URLs of its Nexus completion
   * callbacks and the workflows its links point at (the caller), with their namespaces; empty for
   * other methods and for starts that handle no Nexus operation.
   */
  public NexusOrigin nexusOrigin() {
    if (plan.callbackUrls < 0) {
      return NexusOrigin.NONE;
    }
    List<String> urls = values.strings(plan.callbackUrls);
    if (urls.isEmpty()) {
      return NexusOrigin.NONE;
    }
    return new NexusOrigin(
        urls, values.strings(plan.linkWorkflowIds), values.strings(plan.linkNamespaces));
  }

  /** See {@link #nexusOrigin()}. */
  public record NexusOrigin(
      List<String> callbackUrls, List<String> linkWorkflowIds, List<String> linkNamespaces) {
    static final NexusOrigin NONE = new NexusOrigin(List.of(), List.of(), List.of());

    public boolean isEmpty() {
      return callbackUrls.isEmpty();
    }
  }

  /** Which paths one method's requests are read at; built once per method. */
  public static final class Plan {
    private final FieldScan scan;
    private final int namespace;
    private final int[] keys;
    private final List<Keyspace> keyspaces;
    private final int token;
    private final int childIds;
    private final int childNamespaces;
    private final int signalIds;
    private final int signalNamespaces;
    private final int cancelIds;
    private final int cancelNamespaces;
    private final int callbackUrls;
    private final int linkWorkflowIds;
    private final int linkNamespaces;

    /**
     * @param external the paths of the external commands' workflow ids and namespaces (signal ids,
     *     signal namespaces, cancel ids, cancel namespaces), or null when the method has none
     * @param nexusOrigin the paths of a start's Nexus callback URLs and of its links' workflow ids
     *     and namespaces, or null when the method starts no Nexus handler
     */
    Plan(
        int[] namespacePath,
        List<KeyPath> keyPaths,
        int[] tokenPath,
        int[] childIdPath,
        int[] childNamespacePath,
        int[][] external,
        int[][] nexusOrigin) {
      FieldScan.Builder b = FieldScan.builder();
      this.namespace = namespacePath == null ? -1 : b.last(namespacePath);
      this.keys = new int[keyPaths.size()];
      for (int k = 0; k < keys.length; k++) {
        keys[k] = b.last(keyPaths.get(k).path());
      }
      this.keyspaces = keyPaths.stream().map(KeyPath::keyspace).toList();
      this.token = tokenPath == null ? -1 : b.last(tokenPath);
      this.childIds = childIdPath == null ? -1 : b.every(childIdPath);
      this.childNamespaces = childNamespacePath == null ? -1 : b.every(childNamespacePath);
      this.signalIds = external == null ? -1 : b.every(external[0]);
      this.signalNamespaces = external == null ? -1 : b.every(external[1]);
      this.cancelIds = external == null ? -1 : b.every(external[2]);
      this.cancelNamespaces = external == null ? -1 : b.every(external[3]);
      this.callbackUrls = nexusOrigin == null ? -1 : b.every(nexusOrigin[0]);
      this.linkWorkflowIds = nexusOrigin == null ? -1 : b.every(nexusOrigin[1]);
      this.linkNamespaces = nexusOrigin == null ? -1 : b.every(nexusOrigin[2]);
      this.scan = b.build();
    }

    RequestFields read(byte[] request) {
      return new RequestFields(this, scan.read(request));
    }

    boolean readsChildren() {
      return childIds >= 0;
    }
  }
}
