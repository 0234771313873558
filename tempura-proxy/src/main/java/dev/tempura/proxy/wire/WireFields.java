package dev.tempura.proxy.wire;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads values at a field path (field numbers from the outer message inward) straight from wire
 * bytes. For a singular field the last occurrence wins, as protobuf parsing does; repeated message
 * fields along the path are all visited by {@link #forEach}.
 */
public final class WireFields {
  private WireFields() {}

  /** Resolves dotted field names ({@code "execution.workflow_id"}) to a path of numbers. */
  public static int[] path(Descriptor type, String dottedNames) {
    String[] names = dottedNames.split("\\.");
    int[] path = new int[names.length];
    Descriptor current = type;
    for (int i = 0; i < names.length; i++) {
      if (current == null) {
        throw new IllegalArgumentException(dottedNames + ": " + names[i - 1] + " is not a message");
      }
      FieldDescriptor f = current.findFieldByName(names[i]);
      if (f == null) {
        throw new IllegalArgumentException(
            dottedNames + ": no field " + names[i] + " in " + current.getFullName());
      }
      path[i] = f.getNumber();
      current = f.getJavaType() == FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
    }
    return path;
  }

  /** The last string at {@code path}, or null when absent. */
  public static String string(byte[] message, int[] path) {
    Span s = last(message, 0, message.length, path, 0);
    return s == null ? null : new String(message, s.offset, s.length, StandardCharsets.UTF_8);
  }

  /** The last bytes value at {@code path}, or null when absent. */
  public static byte[] bytes(byte[] message, int[] path) {
    Span s = last(message, 0, message.length, path, 0);
    return s == null ? null : Arrays.copyOfRange(message, s.offset, s.offset + s.length);
  }

  /** True when a length-delimited value at {@code path} is present and non-empty. */
  public static boolean nonEmpty(byte[] message, int[] path) {
    Span s = last(message, 0, message.length, path, 0);
    return s != null && s.length > 0;
  }

  /** The last varint at {@code path} (enums, ints), or {@code absent}. */
  public static long varint(byte[] message, int[] path, long absent) {
    long[] found = {absent};
    forEachVarint(message, 0, message.length, path, 0, v -> found[0] = v);
    return found[0];
  }

  /** Calls {@code visitor} with every varint at {@code path}, through repeated fields. */
  public static void forEachVarint(
      byte[] message, int[] path, java.util.function.LongConsumer visitor) {
    forEachVarint(message, 0, message.length, path, 0, visitor);
  }

  /** Every string at {@code path}, through repeated fields; for example all commands' ids. */
  public static List<String> strings(byte[] message, int[] path) {
    List<String> out = new ArrayList<>();
    forEach(
        message,
        path,
        (buf, off, len) -> out.add(new String(buf, off, len, StandardCharsets.UTF_8)));
    return out;
  }

  /** Calls {@code visitor} with every length-delimited value at {@code path}. */
  public static void forEach(byte[] message, int[] path, SpanVisitor visitor) {
    forEach(message, 0, message.length, path, 0, visitor);
  }

  /** Receives a value as a span of the message's bytes. */
  @FunctionalInterface
  public interface SpanVisitor {
    void visit(byte[] buf, int offset, int length);
  }

  private record Span(int offset, int length) {}

  private static Span last(byte[] buf, int from, int to, int[] path, int depth) {
    Span[] found = {null};
    forEach(buf, from, to, path, depth, (b, off, len) -> found[0] = new Span(off, len));
    return found[0];
  }

  private static void forEach(
      byte[] buf, int from, int to, int[] path, int depth, SpanVisitor visitor) {
    WireReader in = new WireReader(buf, from, to);
    int want = path[depth];
    boolean leaf = depth == path.length - 1;
    while (in.hasMore()) {
      int tag = in.readTag();
      if ((tag >>> 3) != want || (tag & 7) != WireReader.LENGTH_DELIMITED) {
        in.skipValue(tag & 7);
        continue;
      }
      int len = in.readLength();
      int start = in.pos;
      in.pos += len;
      if (leaf) {
        visitor.visit(buf, start, len);
      } else {
        forEach(buf, start, start + len, path, depth + 1, visitor);
      }
    }
  }

  private static void forEachVarint(
      byte[] buf,
      int from,
      int to,
      int[] path,
      int depth,
      java.util.function.LongConsumer visitor) {
    WireReader in = new WireReader(buf, from, to);
    int want = path[depth];
    boolean leaf = depth == path.length - 1;
    while (in.hasMore()) {
      int tag = in.readTag();
      if ((tag >>> 3) == want && leaf && (tag & 7) == WireReader.VARINT) {
        visitor.accept(in.readVarint());
      } else if ((tag >>> 3) == want && !leaf && (tag & 7) == WireReader.LENGTH_DELIMITED) {
        int len = in.readLength();
        int start = in.pos;
        in.pos += len;
        forEachVarint(buf, start, start + len, path, depth + 1, visitor);
      } else {
        in.skipValue(tag & 7);
      }
    }
  }

  /** Checks that the whole top level of {@code message} is well-formed wire format. */
  public static void validateTopLevel(byte[] message) {
    WireReader in = new WireReader(message, 0, message.length);
    while (in.hasMore()) {
      in.skipValue(in.readTag() & 7);
    }
  }
}
