package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The embedded store's redo log, {@code tempura.mv.log} next to the MVStore file: the changes of
 * every batch since the last checkpoint (the last MVStore commit), so that a batch needs one small
 * append instead of a commit to be durable. Used under the writer's file lock only.
 *
 * <p>The file is a sequence of frames, one per batch: payload length (int), CRC32C of the payload
 * (int), payload. A payload is a sequence of changes: map (byte: {@link #MAPPINGS}, {@link
 * #EXPIRIES}, {@link #META}), key (int length, UTF-8), value (int length, bytes; -1 for a removal).
 * Every change sets or removes one key absolutely, so replaying the log onto the file as it was at
 * the checkpoint, or at any later commit, gives the same maps. A frame cut short or damaged (a
 * crash during its write) ends the log: its batch was never acknowledged.
 */
final class WriteAheadLog implements AutoCloseable {
  static final byte MAPPINGS = 0;
  static final byte EXPIRIES = 1;
  static final byte META = 2;

  private static final int HEADER = 8;

  /** One change read back from the log. {@code value} is null for a removal. */
  interface Replay {
    void apply(byte map, String key, byte[] value);
  }

  private final Path file;
  private final FileChannel channel;
  private ByteBuffer frame = ByteBuffer.allocateDirect(64 * 1024);
  private final CRC32C crc = new CRC32C();
  private long size;

  private WriteAheadLog(Path file, FileChannel channel, long size) {
    this.file = file;
    this.channel = channel;
    this.size = size;
    frame.position(HEADER);
  }

  /**
   * Opens (creating it if needed) the log and hands every complete change in it to {@code replay}.
   */
  static WriteAheadLog open(Path file, Replay replay) throws IOException {
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      long valid = replay(channel, replay);
      // a torn last frame is dropped, so that the next frame is appended right after the good ones
      channel.truncate(valid);
      channel.position(valid);
      return new WriteAheadLog(file, channel, valid);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static long replay(FileChannel channel, Replay replay) throws IOException {
    long length = channel.size();
    if (length == 0) {
      return 0;
    }
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("log too large to replay: " + length + " bytes");
    }
    ByteBuffer all = ByteBuffer.allocate((int) length);
    while (all.hasRemaining() && channel.read(all, all.position()) >= 0) {
      // read on
    }
    all.flip();
    CRC32C crc = new CRC32C();
    long valid = 0;
    while (all.remaining() >= HEADER) {
      int payload = all.getInt();
      int sum = all.getInt();
      if (payload < 0 || payload > all.remaining()) {
        break;
      }
      ByteBuffer body = all.slice(all.position(), payload);
      crc.reset();
      crc.update(body.duplicate());
      if ((int) crc.getValue() != sum) {
        break;
      }
      while (body.hasRemaining()) {
        byte map = body.get();
        byte[] key = new byte[body.getInt()];
        body.get(key);
        int valueLength = body.getInt();
        byte[] value = null;
        if (valueLength >= 0) {
          value = new byte[valueLength];
          body.get(value);
        }
        replay.apply(map, new String(key, UTF_8), value);
      }
      all.position(all.position() + payload);
      valid = all.position();
    }
    return valid;
  }

  /** Adds a change to the frame being built; {@code value} null for a removal. */
  void record(byte map, String key, byte[] value) {
    byte[] k = key.getBytes(UTF_8);
    ensure(1 + 4 + k.length + 4 + (value == null ? 0 : value.length));
    frame.put(map).putInt(k.length).put(k);
    if (value == null) {
      frame.putInt(-1);
    } else {
      frame.putInt(value.length).put(value);
    }
  }

  private void ensure(int more) {
    if (frame.remaining() >= more) {
      return;
    }
    ByteBuffer bigger =
        ByteBuffer.allocateDirect(Math.max(frame.capacity() * 2, frame.position() + more));
    frame.flip();
    bigger.put(frame);
    frame = bigger;
  }

  /** Whether changes were recorded since the last {@link #flush}. */
  boolean hasPending() {
    return frame.position() > HEADER;
  }

  /** Appends the changes recorded since the last flush as one frame. */
  void flush() throws IOException {
    if (!hasPending()) {
      return;
    }
    int payload = frame.position() - HEADER;
    frame.flip();
    ByteBuffer body = frame.duplicate().position(HEADER);
    crc.reset();
    crc.update(body);
    frame.putInt(0, payload).putInt(4, (int) crc.getValue());
    try {
      while (frame.hasRemaining()) {
        size += channel.write(frame);
      }
    } finally {
      frame.clear().position(HEADER);
    }
  }

  /** Drops changes recorded but not flushed (they are in a commit instead). */
  void discardPending() {
    frame.clear().position(HEADER);
  }

  /** Bytes in the log file. */
  long size() {
    return size;
  }

  /** Empties the log, once a commit holds everything in it. */
  void reset() throws IOException {
    discardPending();
    channel.truncate(0);
    channel.position(0);
    size = 0;
  }

  Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
