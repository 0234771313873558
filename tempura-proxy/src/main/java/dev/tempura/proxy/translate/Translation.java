package dev.tempura.proxy.translate;

import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.wire.FieldEditor;
import dev.tempura.proxy.wire.FieldRole;
import dev.tempura.topology.PhysicalNamespace;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The two directions of rewriting between one virtual namespace and one of its physical namespaces.
 * Toward the backend, the virtual name becomes the physical one and task tokens lose their
 * envelope; back toward the client, the physical name becomes the virtual one and every task token
 * is wrapped with the id of the backend that issued it.
 *
 * <p>Other namespace names are left alone: a backend's answer about another namespace is not ours
 * to rename.
 */
public final class Translation {
  private final String virtualName;
  private final PhysicalNamespace physical;
  private final byte[] virtualBytes;
  private final NamespaceIds ids;
  private final byte[] virtualIdBytes;
  private final byte[] physicalBytes;
  private final byte[] virtualLinkPrefix;
  private final byte[] physicalLinkPrefix;
  private final java.util.regex.Pattern physicalWord;
  private final FieldEditor toBackend = this::editToBackend;
  private final FieldEditor toClient = this::editToClient;

  public Translation(String virtualName, PhysicalNamespace physical) {
    this(virtualName, physical, new NamespaceIds());
  }

  public Translation(String virtualName, PhysicalNamespace physical, NamespaceIds ids) {
    this.virtualName = virtualName;
    this.physical = physical;
    this.ids = ids;
    this.virtualIdBytes = NamespaceIds.virtualId(virtualName).getBytes(StandardCharsets.UTF_8);
    this.virtualBytes = virtualName.getBytes(StandardCharsets.UTF_8);
    this.physicalBytes = physical.name().getBytes(StandardCharsets.UTF_8);
    // namespace names need no URL escaping (letters, digits, '.', '-', '_')
    this.virtualLinkPrefix = linkPrefix(virtualName);
    this.physicalLinkPrefix = linkPrefix(physical.name());
    // namespace names are letters, digits, '.', '-' and '_': a word boundary must exclude those
    // too, except a '.' that ends a sentence
    this.physicalWord =
        java.util.regex.Pattern.compile(
            "(?<![\\w.-])"
                + java.util.regex.Pattern.quote(physical.name())
                + "(?![\\w-]|\\.[\\w-])");
  }

  public String virtualName() {
    return virtualName;
  }

  public PhysicalNamespace physical() {
    return physical;
  }

  /** {@code text} with the physical name, where it stands as a whole word, made virtual. */
  String replaceNameIn(String text) {
    return physicalWord
        .matcher(text)
        .replaceAll(java.util.regex.Matcher.quoteReplacement(virtualName));
  }

  public FieldEditor toBackend() {
    return toBackend;
  }

  public FieldEditor toClient() {
    return toClient;
  }

  /** Toward the client, wrapping tokens with the workflow they belong to. */
  public FieldEditor toClient(String workflowId) {
    if (workflowId == null || workflowId.isEmpty()) {
      return toClient;
    }
    return (role, buf, offset, length) ->
        role == FieldRole.TASK_TOKEN && length > 0
            ? TaskTokens.wrap(physical.id(), workflowId, buf, offset, length)
            : editToClient(role, buf, offset, length);
  }

  private byte[] editToBackend(FieldRole role, byte[] buf, int offset, int length) {
    return switch (role) {
      case NAMESPACE -> equal(buf, offset, length, virtualBytes) ? physicalBytes : null;
      case NAMESPACE_ID -> {
        String physicalNamespaceId = ids.of(physical.id());
        yield physicalNamespaceId != null && equal(buf, offset, length, virtualIdBytes)
            ? physicalNamespaceId.getBytes(StandardCharsets.UTF_8)
            : null;
      }
      case TASK_TOKEN -> {
        if (length == 0) {
          yield null;
        }
        // already validated when the call was routed; the backend only ever sees its own bytes
        yield TaskTokens.unwrap(Arrays.copyOfRange(buf, offset, offset + length)).innerToken();
      }
      case NEXUS_LINK_URL ->
          replacePrefix(buf, offset, length, virtualLinkPrefix, physicalLinkPrefix);
    };
  }

  private byte[] editToClient(FieldRole role, byte[] buf, int offset, int length) {
    return switch (role) {
      case NAMESPACE -> equal(buf, offset, length, physicalBytes) ? virtualBytes : null;
      case NAMESPACE_ID -> {
        String physicalNamespaceId = ids.of(physical.id());
        yield physicalNamespaceId != null
                && equal(buf, offset, length, physicalNamespaceId.getBytes(StandardCharsets.UTF_8))
            ? virtualIdBytes
            : null;
      }
      case TASK_TOKEN ->
          length == 0 ? null : TaskTokens.wrap(physical.id(), "", buf, offset, length);
      case NEXUS_LINK_URL ->
          replacePrefix(buf, offset, length, physicalLinkPrefix, virtualLinkPrefix);
    };
  }

  private static byte[] linkPrefix(String namespace) {
    return ("temporal:///namespaces/" + namespace + "/").getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The field with {@code from} at its start replaced by {@code to}; null when it does not start
   * so.
   */
  private static byte[] replacePrefix(byte[] buf, int offset, int length, byte[] from, byte[] to) {
    if (length < from.length
        || !Arrays.equals(buf, offset, offset + from.length, from, 0, from.length)) {
      return null;
    }
    byte[] out = new byte[length - from.length + to.length];
    System.arraycopy(to, 0, out, 0, to.length);
    System.arraycopy(buf, offset + from.length, out, to.length, length - from.length);
    return out;
  }

  private static boolean equal(byte[] buf, int offset, int length, byte[] expected) {
    return length == expected.length
        && Arrays.equals(buf, offset, offset + length, expected, 0, expected.length);
  }
}
