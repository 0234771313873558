package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteAheadLogTest {
  @TempDir Path dir;

  private record Change(byte map, String key, String value) {}

  private List<Change> replay(Path file) throws Exception {
    List<Change> out = new ArrayList<>();
    try (WriteAheadLog ignored =
        WriteAheadLog.open(
            file,
            (m, k, v) -> out.add(new Change(m, k, v == null ? null : new String(v, UTF_8))))) {
      return out;
    }
  }

  @Test
  void flushedFrames_replayInOrder_unflushedChangesDoNot() throws Exception {
    Path file = dir.resolve("log");
    try (WriteAheadLog log = WriteAheadLog.open(file, (m, k, v) -> {})) {
      log.record(WriteAheadLog.MAPPINGS, "6:ordersw1", "a".getBytes(UTF_8));
      log.record(WriteAheadLog.EXPIRIES, "x", new byte[0]);
      log.flush();
      log.record(WriteAheadLog.MAPPINGS, "6:ordersw1", null);
      log.record(WriteAheadLog.META, "topology", "{}".getBytes(UTF_8));
      log.flush();
      log.record(WriteAheadLog.MAPPINGS, "never", "flushed".getBytes(UTF_8));
    }

    assertThat(replay(file))
        .containsExactly(
            new Change(WriteAheadLog.MAPPINGS, "6:ordersw1", "a"),
            new Change(WriteAheadLog.EXPIRIES, "x", ""),
            new Change(WriteAheadLog.MAPPINGS, "6:ordersw1", null),
            new Change(WriteAheadLog.META, "topology", "{}"));
  }

  @Test
  void tornOrDamagedLastFrame_endsTheLog_andIsCutOff() throws Exception {
    Path file = dir.resolve("log");
    try (WriteAheadLog log = WriteAheadLog.open(file, (m, k, v) -> {})) {
      log.record(WriteAheadLog.MAPPINGS, "k1", "v1".getBytes(UTF_8));
      log.flush();
      log.record(WriteAheadLog.MAPPINGS, "k2", "v2".getBytes(UTF_8));
      log.flush();
    }
    long size = Files.size(file);
    // a crash during the second frame's write: only part of it reached the file
    try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size - 3);
    }
    assertThat(replay(file)).containsExactly(new Change(WriteAheadLog.MAPPINGS, "k1", "v1"));

    // appending after the cut-off frame works, and a damaged payload is not replayed
    try (WriteAheadLog log = WriteAheadLog.open(file, (m, k, v) -> {})) {
      log.record(WriteAheadLog.MAPPINGS, "k3", "v3".getBytes(UTF_8));
      log.flush();
    }
    assertThat(replay(file))
        .containsExactly(
            new Change(WriteAheadLog.MAPPINGS, "k1", "v1"),
            new Change(WriteAheadLog.MAPPINGS, "k3", "v3"));
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 1;
    Files.write(file, bytes);
    assertThat(replay(file)).containsExactly(new Change(WriteAheadLog.MAPPINGS, "k1", "v1"));
  }

  @Test
  void reset_emptiesTheLog() throws Exception {
    Path file = dir.resolve("log");
    try (WriteAheadLog log = WriteAheadLog.open(file, (m, k, v) -> {})) {
      log.record(WriteAheadLog.MAPPINGS, "k1", "v1".getBytes(UTF_8));
      log.flush();
      assertThat(log.size()).isPositive();
      log.reset();
      assertThat(log.size()).isZero();
      log.record(WriteAheadLog.MAPPINGS, "k2", "v2".getBytes(UTF_8));
      log.flush();
    }
    assertThat(replay(file)).containsExactly(new Change(WriteAheadLog.MAPPINGS, "k2", "v2"));
  }
}
