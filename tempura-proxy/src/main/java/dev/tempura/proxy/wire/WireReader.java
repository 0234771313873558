package dev.tempura.proxy.wire;

/**
 * A cursor over protobuf wire-format bytes. Reads only what the proxy needs (tags, varints,
 * lengths) and skips the rest, so a message is never decoded into objects on the hot path.
 */
final class WireReader {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  final byte[] buf;
  int pos;
  final int limit;

  WireReader(byte[] buf, int offset, int limit) {
    this.buf = buf;
    this.pos = offset;
    this.limit = limit;
  }

  boolean hasMore() {
    return pos < limit;
  }

  /** Reads a tag; field number is {@code tag >>> 3}, wire type {@code tag & 7}. */
  int readTag() {
    long tag = readVarint();
    if (tag >>> 3 == 0 || Long.compareUnsigned(tag, 0xFFFFFFFFL) > 0) {
      throw new MalformedMessageException("invalid tag " + tag + " at offset " + pos);
    }
    return (int) tag;
  }

  long readVarint() {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= limit) {
        throw new MalformedMessageException("truncated varint");
      }
      byte b = buf[pos++];
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        return result;
      }
    }
    throw new MalformedMessageException("varint longer than 10 bytes");
  }

  /** Reads a length prefix and checks that the payload fits in the message. */
  int readLength() {
    long len = readVarint();
    if (len < 0 || len > limit - pos) {
      throw new MalformedMessageException(
          "length " + len + " overruns the message (" + (limit - pos) + " bytes left)");
    }
    return (int) len;
  }

  /** Skips the value of a field whose tag was just read. */
  void skipValue(int wireType) {
    switch (wireType) {
      case VARINT -> readVarint();
      case FIXED64 -> advance(8);
      case LENGTH_DELIMITED -> advance(readLength());
      case FIXED32 -> advance(4);
      default ->
          // proto3 has no groups; Temporal's API never uses them
          throw new MalformedMessageException("unsupported wire type " + wireType);
    }
  }

  private void advance(int n) {
    if (n > limit - pos) {
      throw new MalformedMessageException("field overruns the message");
    }
    pos += n;
  }
}
