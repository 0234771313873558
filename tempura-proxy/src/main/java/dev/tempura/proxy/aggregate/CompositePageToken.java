package dev.tempura.proxy.aggregate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The page token of a list answered across backends: each backend's own token and how far into its
 * page the merge got. Opaque to clients, versioned, and checksummed, so a token that was tampered
 * with, or made for another method or query, is refused instead of misread.
 *
 * <p>Layout, version 1: {@code 0x54 0x01 mode:u8 bindingHash:i32 count:u16 (physicalId:utf token:
 * len+bytes skip:i32 done:bool)* crc32c:i32}.
 */
final class CompositePageToken {
  private static final int MAGIC = 0x54;
  private static final int VERSION = 1;
  private static final int MAX_BACKENDS = 1024;
  private static final int MAX_TOKEN = 1 << 20;

  /** How the pages of the backends are combined. */
  enum Mode {
    ORDERED,
    CONCAT
  }

  /** Where one backend's part of the list stands. */
  record Cursor(String physicalId, byte[] token, int skip, boolean done) {}

  final Mode mode;

  /** A hash of the method and the query, so the token cannot be replayed on another listing. */
  final int binding;

  final List<Cursor> cursors;

  CompositePageToken(Mode mode, int binding, List<Cursor> cursors) {
    this.mode = mode;
    this.binding = binding;
    this.cursors = List.copyOf(cursors);
  }

  boolean allDone() {
    return cursors.stream().allMatch(Cursor::done);
  }

  byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(MAGIC);
      out.writeByte(VERSION);
      out.writeByte(mode.ordinal());
      out.writeInt(binding);
      out.writeShort(cursors.size());
      for (Cursor c : cursors) {
        out.writeUTF(c.physicalId());
        out.writeInt(c.token().length);
        out.write(c.token());
        out.writeInt(c.skip());
        out.writeBoolean(c.done());
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @throws IllegalArgumentException for anything that is not an intact token of ours
   */
  static CompositePageToken decode(byte[] token, int expectedBinding) {
    if (token.length < 11) {
      throw new IllegalArgumentException("page token too short");
    }
    CRC32C crc = new CRC32C();
    crc.update(token, 0, token.length - 4);
    int stored =
        ((token[token.length - 4] & 0xFF) << 24)
            | ((token[token.length - 3] & 0xFF) << 16)
            | ((token[token.length - 2] & 0xFF) << 8)
            | (token[token.length - 1] & 0xFF);
    if ((int) crc.getValue() != stored) {
      throw new IllegalArgumentException("page token checksum mismatch");
    }
    try {
      DataInputStream in =
          new DataInputStream(new ByteArrayInputStream(token, 0, token.length - 4));
      if (in.readUnsignedByte() != MAGIC || in.readUnsignedByte() != VERSION) {
        throw new IllegalArgumentException("not a Tempura page token of a supported version");
      }
      int modeIndex = in.readUnsignedByte();
      if (modeIndex >= Mode.values().length) {
        throw new IllegalArgumentException("unknown page token mode");
      }
      int binding = in.readInt();
      if (binding != expectedBinding) {
        throw new IllegalArgumentException("page token belongs to another listing or query");
      }
      int n = in.readUnsignedShort();
      if (n > MAX_BACKENDS) {
        throw new IllegalArgumentException("page token names too many backends");
      }
      List<Cursor> cursors = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String id = in.readUTF();
        int len = in.readInt();
        if (len < 0 || len > MAX_TOKEN || len > in.available()) {
          throw new IllegalArgumentException("page token length out of range");
        }
        byte[] t = in.readNBytes(len);
        int skip = in.readInt();
        if (skip < 0) {
          throw new IllegalArgumentException("page token position out of range");
        }
        cursors.add(new Cursor(id, t, skip, in.readBoolean()));
      }
      if (in.available() != 0) {
        throw new IllegalArgumentException("page token has trailing bytes");
      }
      return new CompositePageToken(Mode.values()[modeIndex], binding, cursors);
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated page token", e);
    }
  }
}
