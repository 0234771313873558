package dev.tempura.proxy.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tempura.proxy.fuzz.FuzzHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the composite page token's decoder, which reads whatever {@code next_page_token} a client
 * sends back: {@link CompositePageToken#decode} answers or throws {@link IllegalArgumentException}
 * (INVALID_ARGUMENT), within a bound, and what it answers encodes to a token that decodes to the
 * same.
 *
 * <p>Half of the mutated inputs get a correct checksum, so the parser behind the checksum is fuzzed
 * too. {@link #decode(byte[])} is Jazzer's; {@link #decode_seededRandomAndMutatedInputs()} fuzzes
 * without Jazzer on every build.
 */
class CompositePageTokenFuzzTest {
  static final int BINDING = 0x5EED;
  static final Predicate<Throwable> ALLOWED = t -> t instanceof IllegalArgumentException;

  @FuzzTest(maxDuration = "60s")
  void decode(byte[] data) {
    FuzzHarness.one(data, ALLOWED, CompositePageTokenFuzzTest::check);
    FuzzHarness.one(FuzzHarness.withCrc32c(data), ALLOWED, CompositePageTokenFuzzTest::check);
  }

  @Test
  void decode_seededRandomAndMutatedInputs() {
    FuzzHarness.Report report =
        FuzzHarness.run(
            "CompositePageToken.decode",
            FuzzHarness.runs(),
            FuzzHarness.budget(),
            FuzzHarness.mixWithChecksum(seeds(), 300),
            ALLOWED,
            CompositePageTokenFuzzTest::check);
    System.out.println(report);
    assertThat(report.accepted()).isPositive();
    assertThat(report.rejected()).isPositive();
  }

  static void check(byte[] bytes) {
    CompositePageToken t = CompositePageToken.decode(bytes, BINDING);
    assertThat(t.binding).isEqualTo(BINDING);
    assertThat(t.cursors).allSatisfy(c -> assertThat(c.skip()).isNotNegative());
    CompositePageToken again = CompositePageToken.decode(t.encode(), BINDING);
    assertThat(again.mode).isEqualTo(t.mode);
    assertThat(again.cursors).hasSameSizeAs(t.cursors);
    for (int i = 0; i < t.cursors.size(); i++) {
      CompositePageToken.Cursor a = t.cursors.get(i);
      CompositePageToken.Cursor b = again.cursors.get(i);
      assertThat(b.physicalId()).isEqualTo(a.physicalId());
      assertThat(b.token()).isEqualTo(a.token());
      assertThat(b.skip()).isEqualTo(a.skip());
      assertThat(b.done()).isEqualTo(a.done());
    }
  }

  /** The seed corpus of {@link #decode(byte[])}, written by {@code SeedCorpusWriter}. */
  static java.util.Map<String, byte[]> corpus() {
    java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
    List<byte[]> seeds = seeds();
    for (int i = 0; i < seeds.size(); i++) {
      out.put("seed-" + i, seeds.get(i));
    }
    return out;
  }

  static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(new CompositePageToken(CompositePageToken.Mode.ORDERED, BINDING, List.of()).encode());
    seeds.add(
        new CompositePageToken(
                CompositePageToken.Mode.ORDERED,
                BINDING,
                List.of(
                    new CompositePageToken.Cursor(
                        "namespace-a@127.0.0.1:7233",
                        "next".getBytes(StandardCharsets.UTF_8),
                        3,
                        false),
                    new CompositePageToken.Cursor(
                        "namespace-b@127.0.0.1:7234", new byte[0], 0, true)))
            .encode());
    seeds.add(
        new CompositePageToken(
                CompositePageToken.Mode.CONCAT,
                BINDING,
                List.of(
                    new CompositePageToken.Cursor("名前@[::1]:1", new byte[200], 1_000_000, false)))
            .encode());
    return seeds;
  }
}
