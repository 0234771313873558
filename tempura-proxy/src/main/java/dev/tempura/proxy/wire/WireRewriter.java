package dev.tempura.proxy.wire;

import java.nio.charset.StandardCharsets;

/**
 * Rewrites the fields a {@link MessagePlan} marks, copying every other byte as it is. Nothing is
 * decoded into objects and, when no field changes, the input array itself is returned.
 */
public final class WireRewriter {
  private static final int ANY_TYPE_URL = 1;
  private static final int ANY_VALUE = 2;

  /** As protobuf's own parser: deeper nesting is an attack, not a Temporal message. */
  static final int MAX_DEPTH = 100;

  private final WireSchema schema;

  public WireRewriter(WireSchema schema) {
    this.schema = schema;
  }

  /**
   * Returns {@code message} with the marked fields edited, or {@code message} itself when nothing
   * changed.
   *
   * @throws MalformedMessageException if the bytes on the plan's paths are not valid protobuf
   */
  public byte[] rewrite(byte[] message, MessagePlan plan, FieldEditor editor) {
    if (plan == null) {
      return message;
    }
    byte[] out = rewrite(message, 0, message.length, plan, editor, 0);
    return out == null ? message : out;
  }

  /** Returns the rewritten bytes of {@code buf[from, to)}, or null when nothing changed. */
  private byte[] rewrite(
      byte[] buf, int from, int to, MessagePlan plan, FieldEditor editor, int depth) {
    if (depth > MAX_DEPTH) {
      throw new MalformedMessageException("nested deeper than " + MAX_DEPTH + " levels");
    }
    if (plan.isAny()) {
      return rewriteAny(buf, from, to, editor, depth);
    }
    WireReader in = new WireReader(buf, from, to);
    ByteSink out = null;
    int copiedTo = from;
    while (in.hasMore()) {
      int fieldStart = in.pos;
      int tag = in.readTag();
      int wireType = tag & 7;
      Object action = plan.action(tag >>> 3);
      if (action == null || wireType != WireReader.LENGTH_DELIMITED) {
        in.skipValue(wireType);
        continue;
      }
      int len = in.readLength();
      int valueStart = in.pos;
      in.pos += len;
      byte[] replaced =
          action instanceof FieldRole role
              ? editor.edit(role, buf, valueStart, len)
              : rewrite(buf, valueStart, valueStart + len, (MessagePlan) action, editor, depth + 1);
      if (replaced == null) {
        continue;
      }
      if (out == null) {
        out = new ByteSink(to - from + 64);
      }
      out.write(buf, copiedTo, fieldStart - copiedTo);
      out.writeLengthDelimited(tag >>> 3, replaced);
      copiedTo = in.pos;
    }
    if (out == null) {
      return null;
    }
    out.write(buf, copiedTo, to - copiedTo);
    return out.toByteArray();
  }

  /** An Any's value is rewritten with the plan of the type its URL names, if the schema has one. */
  private byte[] rewriteAny(byte[] buf, int from, int to, FieldEditor editor, int depth) {
    WireReader in = new WireReader(buf, from, to);
    String typeUrl = null;
    int valueStart = -1;
    int valueLen = 0;
    while (in.hasMore()) {
      int tag = in.readTag();
      int field = tag >>> 3;
      if ((tag & 7) == WireReader.LENGTH_DELIMITED
          && (field == ANY_TYPE_URL || field == ANY_VALUE)) {
        int len = in.readLength();
        if (field == ANY_TYPE_URL) {
          typeUrl = new String(buf, in.pos, len, StandardCharsets.UTF_8);
        } else {
          valueStart = in.pos;
          valueLen = len;
        }
        in.pos += len;
      } else {
        in.skipValue(tag & 7);
      }
    }
    if (typeUrl == null || valueStart < 0) {
      return null;
    }
    MessagePlan valuePlan = schema.plan(typeUrl.substring(typeUrl.lastIndexOf('/') + 1));
    if (valuePlan == null) {
      return null;
    }
    byte[] value = rewrite(buf, valueStart, valueStart + valueLen, valuePlan, editor, depth + 1);
    if (value == null) {
      return null;
    }
    ByteSink out = new ByteSink(to - from + 64);
    out.writeLengthDelimited(ANY_TYPE_URL, typeUrl.getBytes(StandardCharsets.UTF_8));
    out.writeLengthDelimited(ANY_VALUE, value);
    return out.toByteArray();
  }
}
