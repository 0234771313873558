package dev.tempura.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.KnownLength;
import io.grpc.internal.ReadableBuffers;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteMarshallerTest {
  private static final ByteMarshaller M = ByteMarshaller.INSTANCE;

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void parse_theStreamGrpcHandsOver_givesTheMessageExactly() {
    byte[] message = bytes(300);
    InputStream s = ReadableBuffers.openStream(ReadableBuffers.wrap(message), true);
    assertThat(s).isInstanceOf(KnownLength.class);

    assertThat(M.parse(s)).isEqualTo(message);
  }

  @Test
  void parse_anEmptyMessage_givesAnEmptyArray() {
    InputStream s = ReadableBuffers.openStream(ReadableBuffers.wrap(new byte[0]), true);

    assertThat(M.parse(s)).isEmpty();
  }

  @Test
  void parse_aMessageLargerThanAnyReadBuffer_givesEveryByte() {
    byte[] message = bytes(1 << 20);

    assertThat(M.parse(ReadableBuffers.openStream(ReadableBuffers.wrap(message), true)))
        .isEqualTo(message);
  }

  @Test
  void parse_whatItStreamed_givesTheSameBytes() {
    byte[] message = bytes(5000);

    assertThat(M.parse(M.stream(message))).isEqualTo(message);
  }

  @Test
  void parse_aStreamThatAnnouncesTooFewBytes_stillGivesEveryByte() {
    byte[] message = bytes(20_000);

    assertThat(M.parse(new Announcing(message, 100))).isEqualTo(message);
  }

  @Test
  void parse_aStreamThatAnnouncesTooManyBytes_givesOnlyTheBytesItHad() {
    byte[] message = bytes(100);

    assertThat(M.parse(new Announcing(message, 4096))).isEqualTo(message);
  }

  @Test
  void parse_aStreamOfUnknownLength_givesEveryByte() {
    byte[] message = bytes(70_000);
    InputStream unknown = new FilterInputStream(new ByteArrayInputStream(message)) {};

    assertThat(M.parse(unknown)).isEqualTo(message);
  }

  /**
   * Counted in bytes, not timed: a read buffer per message (what {@code readAllBytes} allocates, 8
   * KiB) would be more than twenty times the message.
   */
  @Test
  void parse_aSmallMessage_allocatesAboutItsOwnSize() {
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    assumeTrue(
        mx instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported());
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    threads.setThreadAllocatedMemoryEnabled(true);
    byte[] message = bytes(300);
    ReadableBuffers.openStream(ReadableBuffers.wrap(message), true); // classes loaded
    for (int i = 0; i < 1000; i++) {
      M.parse(ReadableBuffers.openStream(ReadableBuffers.wrap(message), true));
    }
    long id = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(id);
    for (int i = 0; i < 1000; i++) {
      M.parse(ReadableBuffers.openStream(ReadableBuffers.wrap(message), true));
    }
    long perParse = (threads.getThreadAllocatedBytes(id) - before) / 1000;

    // the message's array (316 bytes with its header) and the test's own stream and buffer
    assertThat(perParse).isLessThan(1024);
  }

  /** A stream that claims a length it does not have. */
  private static final class Announcing extends ByteArrayInputStream implements KnownLength {
    private final int announced;

    Announcing(byte[] data, int announced) {
      super(data);
      this.announced = announced;
    }

    @Override
    public synchronized int available() {
      return pos == 0 ? announced : count - pos;
    }
  }
}
