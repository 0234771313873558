package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tempura.store.MappingKey;
import java.util.Base64;

/**
 * The names the Redis store uses in Redis, and its scan cursors; see {@link RedisStore} and {@link
 * RedisTopology} for the layout. Changing a name here orphans every mapping stored under the old
 * one.
 */
final class RedisKeys {
  private static final String MAPPINGS = "wf:";
  private static final String TOPOLOGY = "topology";
  private static final String PROGRESS = "progress:";
  private static final String HANDOFF = "handoff:";
  private static final String REPLICAS = "replicas";
  // a namespace name is far shorter; the bound keeps a foreign key from parsing as a huge length
  private static final int MAX_LENGTH_DIGITS = 9;

  private final String mappingPrefix;
  private final String topologyKey;
  private final String mappingPattern;
  private final String progressPrefix;
  private final String handoffPrefix;
  private final String replicasKey;

  RedisKeys(String keyPrefix) {
    this.handoffPrefix = keyPrefix + HANDOFF;
    this.replicasKey = keyPrefix + REPLICAS;
    this.mappingPrefix = keyPrefix + MAPPINGS;
    this.topologyKey = keyPrefix + TOPOLOGY;
    this.mappingPattern = escapeGlob(keyPrefix) + MAPPINGS + "*";
    this.progressPrefix = keyPrefix + PROGRESS;
  }

  /**
   * {@code <prefix>handoff:{<queue>}}: the list of tasks held for {@code queue} ({@link
   * RedisHandoff}). The queue id in braces is the hash tag, so that the list and its markers share
   * one slot in a cluster.
   */
  String handoffList(String queue) {
    return handoffPrefix + "{" + queue + "}";
  }

  /**
   * {@code <prefix>handoff:{<queue>}:<kind>:<id>}: the marker of one offer ({@code o}) or take
   * ({@code t}), in the slot of the queue's list.
   */
  String handoffMarker(String queue, char kind, String id) {
    return handoffPrefix + "{" + queue + "}:" + kind + ":" + id;
  }

  /** The pub/sub channel on which every offer is announced with its queue id. */
  String handoffChannel() {
    return handoffPrefix + "offered";
  }

  /** {@code <prefix>replicas}: the sorted set of live replicas, scored by when each expires. */
  String replicasKey() {
    return replicasKey;
  }

  /** {@code <prefix>progress:<name>}: a progress record ({@link RedisProgress}). */
  String progressKey(String name) {
    return progressPrefix + name;
  }

  /**
   * {@code <prefix>wf:<length of the virtual namespace in UTF-8 bytes>:<virtual
   * namespace>:<workflow id>}. Names may contain any character, so no separator alone is
   * unambiguous; the length is.
   */
  String mappingKey(MappingKey key) {
    String vns = key.virtualNamespace();
    return new StringBuilder(mappingPrefix.length() + vns.length() + key.workflowId().length() + 8)
        .append(mappingPrefix)
        .append(utf8Length(vns))
        .append(':')
        .append(vns)
        .append(':')
        .append(key.workflowId())
        .toString();
  }

  /**
   * The inverse of {@link #mappingKey}, or {@code null} for a key that is not one, such as a key
   * another program put under the prefix.
   */
  MappingKey decodeMappingKey(String key) {
    if (!key.startsWith(mappingPrefix)) {
      return null;
    }
    int start = mappingPrefix.length();
    int colon = key.indexOf(':', start);
    if (colon <= start || colon - start > MAX_LENGTH_DIGITS) {
      return null;
    }
    int length = 0;
    for (int i = start; i < colon; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return null;
      }
      length = length * 10 + (c - '0');
    }
    byte[] rest = key.substring(colon + 1).getBytes(UTF_8);
    if (rest.length <= length || rest[length] != ':') {
      return null;
    }
    MappingKey decoded =
        new MappingKey(
            new String(rest, 0, length, UTF_8),
            new String(rest, length + 1, rest.length - length - 1, UTF_8));
    // a length that cuts a character in two decodes to something else; such a key is not ours
    return mappingKey(decoded).equals(key) ? decoded : null;
  }

  /**
   * The SCAN MATCH pattern of every mapping key: the prefix, glob characters escaped, then wf:*.
   */
  String mappingPattern() {
    return mappingPattern;
  }

  /** The hash with fields {@code version} and {@code json}. */
  String topologyKey() {
    return topologyKey;
  }

  /** The pub/sub channel announcing each stored topology version; named like the hash. */
  String topologyChannel() {
    return topologyKey;
  }

  private static int utf8Length(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        // a lone surrogate is encoded as '?' by the UTF-8 codec, one byte
        bytes += Character.isSurrogate(c) ? 1 : 3;
      }
    }
    return bytes;
  }

  private static String escapeGlob(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  // ---- scan cursors

  /**
   * Where a walk stands: the SCAN cursor on one Redis server, and in a cluster the lowest hash slot
   * of the master being walked ({@link #STANDALONE} otherwise). Slots stay with their data when a
   * replica takes over, so the walk finds its place again after a failover, which a node id would
   * not survive.
   */
  record ScanPosition(int slot, String redisCursor) {
    static final int STANDALONE = -1;
  }

  static String encodeCursor(ScanPosition position) {
    String plain =
        position.slot() == ScanPosition.STANDALONE
            ? "s" + position.redisCursor()
            : "c" + position.slot() + ":" + position.redisCursor();
    return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(UTF_8));
  }

  /** Throws {@link IllegalArgumentException} for a cursor that no store of this mode made. */
  static ScanPosition decodeCursor(String cursor, boolean cluster) {
    String plain;
    try {
      plain = new String(Base64.getUrlDecoder().decode(cursor), UTF_8);
    } catch (IllegalArgumentException e) {
      throw notACursor(e);
    }
    if (!cluster && plain.startsWith("s") && isRedisCursor(plain.substring(1))) {
      return new ScanPosition(ScanPosition.STANDALONE, plain.substring(1));
    }
    int colon = plain.indexOf(':');
    if (cluster
        && plain.startsWith("c")
        && colon > 1
        && isRedisCursor(plain.substring(colon + 1))) {
      try {
        int slot = Integer.parseInt(plain, 1, colon, 10);
        if (slot >= 0 && slot < 16_384) {
          return new ScanPosition(slot, plain.substring(colon + 1));
        }
      } catch (NumberFormatException e) {
        throw notACursor(e);
      }
    }
    throw notACursor(null);
  }

  // Redis answers cursors as unsigned 64-bit decimals
  private static boolean isRedisCursor(String s) {
    return !s.isEmpty() && s.length() <= 20 && s.chars().allMatch(c -> c >= '0' && c <= '9');
  }

  private static IllegalArgumentException notACursor(Throwable cause) {
    return new IllegalArgumentException("cursor: not a scan cursor of this store", cause);
  }
}
