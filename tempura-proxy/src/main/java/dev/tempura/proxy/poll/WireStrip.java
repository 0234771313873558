package dev.tempura.proxy.poll;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Removes every occurrence of one top-level field from a message. */
final class WireStrip {
  private WireStrip() {}

  static byte[] without(byte[] message, int fieldNumber) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(message);
      ByteArrayOutputStream out = new ByteArrayOutputStream(message.length);
      int start = 0;
      boolean removed = false;
      while (!in.isAtEnd()) {
        int fieldStart = in.getTotalBytesRead();
        int tag = in.readTag();
        in.skipField(tag);
        if (WireFormat.getTagFieldNumber(tag) == fieldNumber) {
          out.write(message, start, fieldStart - start);
          start = in.getTotalBytesRead();
          removed = true;
        }
      }
      if (!removed) {
        return message;
      }
      out.write(message, start, message.length - start);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
