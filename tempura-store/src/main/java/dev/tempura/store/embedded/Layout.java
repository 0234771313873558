package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.tempura.store.MappingKey;
import java.nio.ByteBuffer;

/**
 * How mappings are laid out in the MVStore file; see {@link EmbeddedWriter} for the whole layout.
 * Changing anything here changes the file format, so it needs a new {@link #FORMAT}.
 */
final class Layout {
  /** Written into the meta map of every file, so a later layout can recognise an older file. */
  static final String FORMAT = "1";

  static final long NO_EXPIRY = 0;

  private static final int EXPIRY_BYTES = Long.BYTES;
  private static final int EXPIRY_HEX_DIGITS = 16;

  private Layout() {}

  /**
   * {@code <length of virtual namespace>:<virtual namespace><workflow id>}. Namespace names may
   * contain any character, so no separator alone is unambiguous; the length prefix is, and it keeps
   * every key of one virtual namespace under one common prefix for range scans.
   */
  static String mappingKey(MappingKey key) {
    String vns = key.virtualNamespace();
    return new StringBuilder(vns.length() + key.workflowId().length() + 4)
        .append(vns.length())
        .append(':')
        .append(vns)
        .append(key.workflowId())
        .toString();
  }

  /** The inverse of {@link #mappingKey}. */
  static MappingKey decodeMappingKey(String mappingKey) {
    int colon = mappingKey.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("not a mapping key: " + mappingKey);
    }
    int length = Integer.parseInt(mappingKey, 0, colon, 10);
    int start = colon + 1;
    if (length < 0 || length > mappingKey.length() - start) {
      throw new IllegalArgumentException("not a mapping key: " + mappingKey);
    }
    return new MappingKey(
        mappingKey.substring(start, start + length), mappingKey.substring(start + length));
  }

  /** Expiry in epoch millis (big-endian, {@link #NO_EXPIRY} for none), then the id in UTF-8. */
  static byte[] value(String physicalId, long expiresAt) {
    byte[] id = physicalId.getBytes(UTF_8);
    return ByteBuffer.allocate(EXPIRY_BYTES + id.length).putLong(expiresAt).put(id).array();
  }

  static long expiresAt(byte[] value) {
    return ByteBuffer.wrap(value).getLong(0);
  }

  static String physicalId(byte[] value) {
    return new String(value, EXPIRY_BYTES, value.length - EXPIRY_BYTES, UTF_8);
  }

  /**
   * The expiry index key: the expiry as 16 zero-padded hex digits, then the mapping key.
   * Fixed-width hex sorts like the number, so the sweeper finds every due entry at the start of the
   * index.
   */
  static String expiryKey(long expiresAt, String mappingKey) {
    String hex = Long.toHexString(expiresAt);
    StringBuilder sb = new StringBuilder(EXPIRY_HEX_DIGITS + mappingKey.length());
    for (int i = hex.length(); i < EXPIRY_HEX_DIGITS; i++) {
      sb.append('0');
    }
    return sb.append(hex).append(mappingKey).toString();
  }

  static long expiryOf(String expiryKey) {
    return Long.parseUnsignedLong(expiryKey, 0, EXPIRY_HEX_DIGITS, 16);
  }

  static String mappingKeyOf(String expiryKey) {
    return expiryKey.substring(EXPIRY_HEX_DIGITS);
  }
}
