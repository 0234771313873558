package dev.tempura.proxy.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

class TaskTokensTest {
  private static final String ID = "phys@127.0.0.1:7233";
  private static final List<String> IDS =
      List.of(
          ID,
          "",
          "a",
          "naïve-ñamespace@[::1]:7233",
          "x".repeat(200) + "@host:7233",
          "名前空間@10.0.0.1:7233");
  private static final int[] SIZES = {0, 1, 127, 128, 300, 10_000};

  @Test
  void wrapThenUnwrap_roundTripsIdAndInnerBytes_forSeveralIdsAndSizes() {
    Random random = new Random(1);
    for (String id : IDS) {
      for (int size : SIZES) {
        byte[] inner = randomBytes(random, size);
        byte[] wrapped = TaskTokens.wrap(id, inner);
        TaskTokens.Unwrapped u = TaskTokens.unwrap(wrapped);
        assertThat(u.physicalId()).as("id %s size %d", id, size).isEqualTo(id);
        assertThat(u.workflowId()).as("id %s size %d", id, size).isEmpty();
        assertThat(u.innerToken()).as("id %s size %d", id, size).isEqualTo(inner);
      }
    }
  }

  @Test
  void wrapThenUnwrap_roundTripsTheWorkflowId() {
    Random random = new Random(11);
    for (String workflowId : List.of("", "wf-1", "注文-42/ü", "w".repeat(1_000))) {
      for (int size : SIZES) {
        byte[] inner = randomBytes(random, size);
        TaskTokens.Unwrapped u = TaskTokens.unwrap(TaskTokens.wrap(ID, workflowId, inner));
        assertThat(u.physicalId()).isEqualTo(ID);
        assertThat(u.workflowId()).as("workflow id, size %d", size).isEqualTo(workflowId);
        assertThat(u.innerToken()).as("workflow id %s, size %d", workflowId, size).isEqualTo(inner);
      }
    }
  }

  @Test
  void wrap_withoutWorkflowId_isTheSameAsAnEmptyWorkflowId() {
    byte[] inner = {1, 2, 3};
    assertThat(TaskTokens.wrap(ID, inner)).isEqualTo(TaskTokens.wrap(ID, "", inner));
  }

  @Test
  void wrap_slice_wrapsOnlyTheGivenRange() {
    byte[] buf = "0123456789".getBytes(StandardCharsets.US_ASCII);
    byte[] wrapped = TaskTokens.wrap(ID, "wf", buf, 3, 4);
    assertThat(TaskTokens.unwrap(wrapped).innerToken())
        .isEqualTo("3456".getBytes(StandardCharsets.US_ASCII));
    assertThat(wrapped)
        .isEqualTo(TaskTokens.wrap(ID, "wf", "3456".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void wrap_doesNotAliasTheInput() {
    byte[] inner = {1, 2, 3};
    byte[] wrapped = TaskTokens.wrap(ID, inner);
    inner[0] = 9;
    assertThat(TaskTokens.unwrap(wrapped).innerToken()).containsExactly(1, 2, 3);
  }

  @Test
  void wrap_startsWithMagicAndVersion_andIsDeterministic() {
    byte[] a = TaskTokens.wrap(ID, new byte[] {5, 6});
    byte[] b = TaskTokens.wrap(ID, new byte[] {5, 6});
    assertThat(a[0]).isEqualTo((byte) 0xD7);
    assertThat(a[1]).isEqualTo((byte) 1);
    assertThat(a).isEqualTo(b);
  }

  @Test
  void unwrap_anySingleBitFlipped_isRejected() {
    Random random = new Random(2);
    for (int size : new int[] {0, 1, 300}) {
      byte[] wrapped = TaskTokens.wrap(ID, "wf-1", randomBytes(random, size));
      for (int bit = 0; bit < wrapped.length * 8; bit++) {
        byte[] damaged = wrapped.clone();
        damaged[bit / 8] ^= (byte) (1 << (bit % 8));
        assertInvalid(damaged, "size " + size + ", bit " + bit);
      }
    }
  }

  @Test
  void unwrap_truncatedAtEveryLength_isRejected() {
    Random random = new Random(3);
    for (int size : new int[] {0, 1, 300}) {
      byte[] wrapped = TaskTokens.wrap(ID, "wf-1", randomBytes(random, size));
      for (int len = 0; len < wrapped.length; len++) {
        assertInvalid(Arrays.copyOf(wrapped, len), "size " + size + ", truncated to " + len);
      }
    }
  }

  @Test
  void unwrap_null_isRejected() {
    assertInvalid(null, "null");
  }

  @Test
  void unwrap_wrongMagic_isRejectedEvenWithAValidChecksum() {
    byte[] unsigned = unsigned(TaskTokens.wrap(ID, new byte[] {1, 2, 3}));
    unsigned[0] = (byte) 0xD8;
    byte[] forged = signed(unsigned);
    assertThatThrownBy(() -> TaskTokens.unwrap(forged))
        .isInstanceOf(InvalidTaskTokenException.class)
        .hasMessageContaining("not a Tempura task token");
  }

  @Test
  void unwrap_wrongVersion_isRejectedEvenWithAValidChecksum() {
    byte[] unsigned = unsigned(TaskTokens.wrap(ID, new byte[] {1, 2, 3}));
    unsigned[1] = 2;
    byte[] forged = signed(unsigned);
    assertThatThrownBy(() -> TaskTokens.unwrap(forged))
        .isInstanceOf(InvalidTaskTokenException.class)
        .hasMessageContaining("version");
  }

  @Test
  void unwrap_trailingBytesAfterInnerToken_areRejectedEvenWithAValidChecksum() {
    byte[] unsigned = unsigned(TaskTokens.wrap(ID, new byte[] {1, 2, 3}));
    byte[] withTrailing = Arrays.copyOf(unsigned, unsigned.length + 2);
    withTrailing[unsigned.length] = 1;
    withTrailing[unsigned.length + 1] = 2;
    byte[] forged = signed(withTrailing);
    assertThatThrownBy(() -> TaskTokens.unwrap(forged))
        .isInstanceOf(InvalidTaskTokenException.class)
        .hasMessageContaining("trailing");
  }

  @Test
  void unwrap_checksumOverTokenWithTrailingGarbage_isRejected() {
    byte[] wrapped = TaskTokens.wrap(ID, new byte[] {1, 2, 3});
    byte[] longer = Arrays.copyOf(wrapped, wrapped.length + 1);
    assertInvalid(longer, "one byte appended");
  }

  @Test
  void unwrap_lengthThatOverrunsTheToken_isRejectedEvenWithAValidChecksum() {
    // magic, version, id length 100 but only 3 id bytes follow
    byte[] forged = signed(new byte[] {(byte) 0xD7, 1, 100, 'a', 'b', 'c', 0});
    assertThatThrownBy(() -> TaskTokens.unwrap(forged))
        .isInstanceOf(InvalidTaskTokenException.class)
        .hasMessageContaining("out of range");
  }

  @Test
  void unwrap_fiveByteLengthVarint_isRejectedEvenWithAValidChecksum() {
    byte[] forged =
        signed(
            new byte[] {
              (byte) 0xD7, 1, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0, 0, 0, 0
            });
    assertInvalid(forged, "five-byte varint");
  }

  @Test
  void unwrap_partLargerThanTheLimit_isRejectedEvenWithAValidChecksum() {
    // id length 1 MiB + 1 (varint 0x81 0x80 0x40), with that many bytes present
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xD7);
    out.write(1);
    out.write(0x81);
    out.write(0x80);
    out.write(0x40);
    out.writeBytes(new byte[TaskTokens.MAX_PART + 1]);
    out.write(0);
    byte[] forged = signed(out.toByteArray());
    assertThatThrownBy(() -> TaskTokens.unwrap(forged))
        .isInstanceOf(InvalidTaskTokenException.class)
        .hasMessageContaining("out of range");
  }

  @Test
  void unwrap_innerTokenOfABackendThatIsNotTempura_isRejected() {
    // Temporal's own task tokens are protobuf (field 1 namespace_id...), never starting 0xD7 0x01
    byte[] backendToken = {0x0A, 0x24, 'n', 's', 0x12, 0x03, 'w', 'f', '1', 0, 0, 0};
    assertInvalid(backendToken, "raw backend token");
  }

  @Test
  void unwrap_randomGarbage_isOnlyEverRejectedWithInvalidTaskToken() {
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      byte[] garbage = randomBytes(random, random.nextInt(80));
      if (i % 4 == 0 && garbage.length >= 2) {
        // get past the cheap header checks so the checksum is what rejects it
        garbage[0] = (byte) 0xD7;
        garbage[1] = 1;
      }
      assertInvalid(garbage, "garbage #" + i + " " + Arrays.toString(garbage));
    }
  }

  @Test
  void unwrap_randomBodiesWithValidHeaderAndChecksum_neverThrowAnythingElse() {
    Random random = new Random(43);
    int accepted = 0;
    for (int i = 0; i < 10_000; i++) {
      byte[] body = randomBytes(random, 2 + random.nextInt(40));
      body[0] = (byte) 0xD7;
      body[1] = 1;
      if (random.nextBoolean() && body.length > 2) {
        body[2] = (byte) random.nextInt(8); // plausible short id length
      }
      byte[] token = signed(body);
      try {
        TaskTokens.Unwrapped u = TaskTokens.unwrap(token);
        assertThat(u.physicalId()).isNotNull();
        assertThat(u.innerToken()).isNotNull();
        accepted++;
      } catch (InvalidTaskTokenException expected) {
        // fine
      } catch (RuntimeException e) {
        fail("body #" + i + " " + Arrays.toString(token) + " threw " + e, e);
      }
    }
    assertThat(accepted).isLessThan(10_000);
  }

  @Test
  void wrap_innerTokenOverTheLimit_eitherFailsAtOnceOrRoundTrips() {
    byte[] inner = new byte[TaskTokens.MAX_PART + 1];
    byte[] wrapped;
    try {
      wrapped = TaskTokens.wrap(ID, inner);
    } catch (IllegalArgumentException rejectedAtWrapTime) {
      return; // acceptable: the proxy refuses to hand out a token it cannot take back
    }
    assertThat(TaskTokens.unwrap(wrapped).innerToken()).isEqualTo(inner);
  }

  private static void assertInvalid(byte[] token, String what) {
    try {
      TaskTokens.Unwrapped u = TaskTokens.unwrap(token);
      fail(what + ": accepted as " + u);
    } catch (InvalidTaskTokenException expected) {
      // the only acceptable failure
    } catch (RuntimeException e) {
      fail(what + ": threw " + e, e);
    }
  }

  /** A token without its checksum. */
  private static byte[] unsigned(byte[] token) {
    return Arrays.copyOf(token, token.length - 4);
  }

  /** {@code body} followed by a valid big-endian CRC-32C over it. */
  private static byte[] signed(byte[] body) {
    byte[] out = Arrays.copyOf(body, body.length + 4);
    int end = body.length;
    CRC32C crc = new CRC32C();
    crc.update(out, 0, end);
    int v = (int) crc.getValue();
    out[end] = (byte) (v >>> 24);
    out[end + 1] = (byte) (v >>> 16);
    out[end + 2] = (byte) (v >>> 8);
    out[end + 3] = (byte) v;
    return out;
  }

  private static byte[] randomBytes(Random random, int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  @Test
  void wrap_innerTokenOf64KiB_roundTrips() {
    byte[] inner = new byte[64 * 1024 + 1];
    inner[inner.length - 1] = 7;
    assertThat(TaskTokens.unwrap(TaskTokens.wrap(ID, inner)).innerToken()).isEqualTo(inner);
  }
}
