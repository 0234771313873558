package dev.tempura.proxy.wire;

/**
 * Multiplies the float and double fields at given paths of a message, straight on its wire bytes.
 * Both are fixed-width on the wire (fixed32, fixed64), so no length changes and the rest of the
 * message is copied as it is; nothing is decoded into objects. Paths go through nested messages,
 * repeated ones included, as {@link WireFields} reads them.
 */
public final class WireScale {
  private WireScale() {}

  /**
   * Returns {@code message} with every float or double at one of {@code paths} multiplied by {@code
   * factor}, or {@code message} itself when none is present.
   *
   * @throws MalformedMessageException if the bytes on a path are not valid protobuf
   */
  public static byte[] scale(byte[] message, int[][] paths, double factor) {
    byte[][] out = {null};
    for (int[] path : paths) {
      scale(message, 0, message.length, path, 0, factor, out);
    }
    return out[0] == null ? message : out[0];
  }

  private static void scale(
      byte[] buf, int from, int to, int[] path, int depth, double factor, byte[][] out) {
    if (depth > WireRewriter.MAX_DEPTH) {
      throw new MalformedMessageException("nested deeper than " + WireRewriter.MAX_DEPTH);
    }
    WireReader in = new WireReader(buf, from, to);
    int want = path[depth];
    boolean leaf = depth == path.length - 1;
    while (in.hasMore()) {
      int tag = in.readTag();
      int wireType = tag & 7;
      if ((tag >>> 3) != want) {
        in.skipValue(wireType);
        continue;
      }
      if (!leaf && wireType == WireReader.LENGTH_DELIMITED) {
        int len = in.readLength();
        int start = in.pos;
        in.pos += len;
        scale(buf, start, start + len, path, depth + 1, factor, out);
      } else if (leaf && wireType == WireReader.FIXED32) {
        int at = in.pos;
        in.skipValue(wireType);
        float v = Float.intBitsToFloat((int) readLittleEndian(buf, at, 4));
        writeLittleEndian(target(buf, out), at, Float.floatToIntBits((float) (v * factor)), 4);
      } else if (leaf && wireType == WireReader.FIXED64) {
        int at = in.pos;
        in.skipValue(wireType);
        double v = Double.longBitsToDouble(readLittleEndian(buf, at, 8));
        writeLittleEndian(target(buf, out), at, Double.doubleToLongBits(v * factor), 8);
      } else {
        in.skipValue(wireType);
      }
    }
  }

  /** The copy edits go to, made on the first edit; offsets are the same as in the input. */
  private static byte[] target(byte[] buf, byte[][] out) {
    if (out[0] == null) {
      out[0] = buf.clone();
    }
    return out[0];
  }

  private static long readLittleEndian(byte[] buf, int at, int bytes) {
    long v = 0;
    for (int i = bytes - 1; i >= 0; i--) {
      v = (v << 8) | (buf[at + i] & 0xFFL);
    }
    return v;
  }

  private static void writeLittleEndian(byte[] buf, int at, long v, int bytes) {
    for (int i = 0; i < bytes; i++) {
      buf[at + i] = (byte) (v >>> (8 * i));
    }
  }
}
