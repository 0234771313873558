package dev.tempura.proxy.token;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The envelope Tempura wraps around every task token a backend hands out, so that a later call
 * carrying the token goes back to that backend with no store lookup.
 *
 * <p>Layout, version 1: {@code 0xD7 0x01 varint(len) physicalId varint(len) workflowId varint(len)
 * innerToken crc32c}, where the CRC-32C (big-endian, 4 bytes) covers every byte before it. The
 * magic byte and the checksum turn a token Tempura did not make, or a damaged one, into a clear
 * error instead of a misroute. The workflow id (empty when unknown, as for Nexus tasks) tells the
 * proxy which workflow a completion closes without looking inside the backend's own token.
 */
public final class TaskTokens {
  private static final byte MAGIC = (byte) 0xD7;
  private static final byte VERSION = 1;
  private static final int CRC_BYTES = 4;

  /**
   * Backends' tokens are a few hundred bytes; this bounds what a hostile client can make us copy.
   */
  static final int MAX_PART = 1024 * 1024;

  private TaskTokens() {}

  /** An unwrapped token: the backend it came from, its workflow, and the backend's own bytes. */
  public record Unwrapped(String physicalId, String workflowId, byte[] innerToken) {}

  public static byte[] wrap(
      String physicalId, String workflowId, byte[] buf, int offset, int length) {
    byte[] id = physicalId.getBytes(StandardCharsets.UTF_8);
    byte[] wf = workflowId.getBytes(StandardCharsets.UTF_8);
    if (length > MAX_PART || wf.length > MAX_PART || id.length > MAX_PART) {
      // what cannot be unwrapped must not be handed out
      throw new IllegalArgumentException("task token part over " + MAX_PART + " bytes");
    }
    int size =
        2
            + varintSize(id.length)
            + id.length
            + varintSize(wf.length)
            + wf.length
            + varintSize(length)
            + length
            + CRC_BYTES;
    byte[] out = new byte[size];
    int p = 0;
    out[p++] = MAGIC;
    out[p++] = VERSION;
    p = putVarint(out, p, id.length);
    System.arraycopy(id, 0, out, p, id.length);
    p += id.length;
    p = putVarint(out, p, wf.length);
    System.arraycopy(wf, 0, out, p, wf.length);
    p += wf.length;
    p = putVarint(out, p, length);
    System.arraycopy(buf, offset, out, p, length);
    p += length;
    putCrc(out, p);
    return out;
  }

  public static byte[] wrap(String physicalId, byte[] token) {
    return wrap(physicalId, "", token, 0, token.length);
  }

  public static byte[] wrap(String physicalId, String workflowId, byte[] token) {
    return wrap(physicalId, workflowId, token, 0, token.length);
  }

  /**
   * @throws InvalidTaskTokenException if the bytes are not a token this proxy issued, or were
   *     damaged
   */
  public static Unwrapped unwrap(byte[] token) {
    if (token == null || token.length < 2 + 1 + 1 + 1 + CRC_BYTES) {
      throw new InvalidTaskTokenException("too short to be a Tempura task token");
    }
    if (token[0] != MAGIC) {
      throw new InvalidTaskTokenException("not a Tempura task token");
    }
    if (token[1] != VERSION) {
      throw new InvalidTaskTokenException("unsupported task token version " + token[1]);
    }
    int end = token.length - CRC_BYTES;
    CRC32C crc = new CRC32C();
    crc.update(token, 0, end);
    if ((int) crc.getValue() != readInt(token, end)) {
      throw new InvalidTaskTokenException("task token checksum mismatch (corrupted token)");
    }
    int[] pos = {2};
    int idLen = readLength(token, pos, end);
    String id = new String(token, pos[0], idLen, StandardCharsets.UTF_8);
    pos[0] += idLen;
    int wfLen = readLength(token, pos, end);
    String workflowId = new String(token, pos[0], wfLen, StandardCharsets.UTF_8);
    pos[0] += wfLen;
    int innerLen = readLength(token, pos, end);
    if (pos[0] + innerLen != end) {
      throw new InvalidTaskTokenException("task token has trailing bytes");
    }
    byte[] inner = new byte[innerLen];
    System.arraycopy(token, pos[0], inner, 0, innerLen);
    return new Unwrapped(id, workflowId, inner);
  }

  private static int readLength(byte[] b, int[] pos, int end) {
    int value = 0;
    for (int shift = 0; shift < 28; shift += 7) {
      if (pos[0] >= end) {
        throw new InvalidTaskTokenException("truncated task token");
      }
      byte x = b[pos[0]++];
      value |= (x & 0x7F) << shift;
      if (x >= 0) {
        if (value > MAX_PART || value > end - pos[0]) {
          throw new InvalidTaskTokenException("task token length out of range");
        }
        return value;
      }
    }
    throw new InvalidTaskTokenException("task token length out of range");
  }

  private static int varintSize(int v) {
    int n = 1;
    while ((v & ~0x7F) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  private static int putVarint(byte[] out, int p, int v) {
    while ((v & ~0x7F) != 0) {
      out[p++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[p++] = (byte) v;
    return p;
  }

  private static void putCrc(byte[] out, int end) {
    CRC32C crc = new CRC32C();
    crc.update(out, 0, end);
    int v = (int) crc.getValue();
    out[end] = (byte) (v >>> 24);
    out[end + 1] = (byte) (v >>> 16);
    out[end + 2] = (byte) (v >>> 8);
    out[end + 3] = (byte) v;
  }

  private static int readInt(byte[] b, int p) {
    return ((b[p] & 0xFF) << 24)
        | ((b[p + 1] & 0xFF) << 16)
        | ((b[p + 2] & 0xFF) << 8)
        | (b[p + 3] & 0xFF);
  }
}
