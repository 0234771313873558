package dev.tempura.proxy.token;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tempura.proxy.fuzz.FuzzHarness;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the task-token envelope's decoder: whatever bytes a client sends as a task token, {@link
 * TaskTokens#unwrap} answers or throws {@link InvalidTaskTokenException} (which the proxy turns
 * into INVALID_ARGUMENT), within a bound; what it answers wraps back to a token that unwraps to the
 * same.
 *
 * <p>{@link #unwrap(byte[])} is Jazzer's: in a normal build it replays the seed corpus in {@code
 * TaskTokensFuzzTestInputs}; with {@code JAZZER_FUZZ=1} it fuzzes (see docs/RELIABILITY.md). {@link
 * #unwrap_seededRandomAndMutatedInputs()} fuzzes without Jazzer on every build.
 */
class TaskTokensFuzzTest {
  static final Predicate<Throwable> ALLOWED = t -> t instanceof InvalidTaskTokenException;

  @FuzzTest(maxDuration = "60s")
  void unwrap(byte[] data) {
    FuzzHarness.one(data, ALLOWED, TaskTokensFuzzTest::check);
    FuzzHarness.one(FuzzHarness.withCrc32c(data), ALLOWED, TaskTokensFuzzTest::check);
  }

  @Test
  void unwrap_seededRandomAndMutatedInputs() {
    FuzzHarness.Report report =
        FuzzHarness.run(
            "TaskTokens.unwrap",
            FuzzHarness.runs(),
            FuzzHarness.budget(),
            FuzzHarness.mixWithChecksum(seeds(), 300),
            ALLOWED,
            TaskTokensFuzzTest::check);
    System.out.println(report);
    // the checksum-fixed mutations get past the checksum, so both outcomes must occur
    assertThat(report.accepted()).isPositive();
    assertThat(report.rejected()).isPositive();
  }

  static void check(byte[] token) {
    TaskTokens.Unwrapped u = TaskTokens.unwrap(token);
    assertThat(u.physicalId()).isNotNull();
    assertThat(u.workflowId()).isNotNull();
    assertThat(u.innerToken()).isNotNull();
    TaskTokens.Unwrapped again =
        TaskTokens.unwrap(TaskTokens.wrap(u.physicalId(), u.workflowId(), u.innerToken()));
    assertThat(again.physicalId()).isEqualTo(u.physicalId());
    assertThat(again.workflowId()).isEqualTo(u.workflowId());
    assertThat(again.innerToken()).isEqualTo(u.innerToken());
  }

  /** The seed corpus of {@link #unwrap(byte[])}, written by {@code SeedCorpusWriter}. */
  static java.util.Map<String, byte[]> corpus() {
    java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
    List<byte[]> seeds = seeds();
    for (int i = 0; i < seeds.size(); i++) {
      out.put("seed-" + i, seeds.get(i));
    }
    return out;
  }

  /** Valid tokens of several shapes. */
  static List<byte[]> seeds() {
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(TaskTokens.wrap("namespace-a@127.0.0.1:7233", "wf-1", new byte[] {10, 20, 30}));
    seeds.add(TaskTokens.wrap("namespace-a@127.0.0.1:7233", new byte[0]));
    seeds.add(TaskTokens.wrap("", "", new byte[0]));
    seeds.add(
        TaskTokens.wrap("ns@[::1]:7233", "注文-42", "inner-token".getBytes(StandardCharsets.UTF_8)));
    byte[] inner = new byte[300];
    for (int i = 0; i < inner.length; i++) {
      inner[i] = (byte) i;
    }
    seeds.add(TaskTokens.wrap("x".repeat(130) + "@host:1", "w".repeat(129), inner));
    return seeds;
  }
}
