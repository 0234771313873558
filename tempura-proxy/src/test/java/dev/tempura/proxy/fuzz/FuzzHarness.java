package dev.tempura.proxy.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.zip.CRC32C;
import org.opentest4j.AssertionFailedError;

/**
 * Feeds a fuzz target seeded random and mutated inputs without Jazzer's agent, so that every {@code
 * mvn verify} fuzzes each target for a bounded while: at most {@link #runs()} inputs and at most
 * {@link #budget()} of time per target, whichever comes first.
 *
 * <p>The property checked for every input: the target returns, or throws an exception the caller
 * allows (the INVALID_ARGUMENT kind), and it does so within {@link #CALL_BOUND}. A call that never
 * returns is caught by {@code assertTimeoutPreemptively} around the whole run, whose message names
 * the input that was running. Failures name the seed and the input in hex, so they replay.
 *
 * <p>Settings: {@code -Dtempura.fuzz.runs=N} (default 20,000), {@code -Dtempura.fuzz.seconds=S}
 * (default 20), {@code -Dtempura.fuzz.seed=X} (default fixed, so CI runs are repeatable).
 */
public final class FuzzHarness {
  /**
   * The longest one call may take. Generous, for a loaded CI machine (GC pauses, a starved CPU); a
   * loop never returns.
   */
  public static final Duration CALL_BOUND = Duration.ofSeconds(5);

  private static final HexFormat HEX = HexFormat.of();

  private FuzzHarness() {}

  /** Inputs per target. */
  public static int runs() {
    return Integer.getInteger("tempura.fuzz.runs", 20_000);
  }

  /** Time per target. */
  public static Duration budget() {
    return Duration.ofSeconds(Long.getLong("tempura.fuzz.seconds", 20));
  }

  /** The base seed; each target mixes in its own name. */
  public static long seed(String target) {
    return Long.getLong("tempura.fuzz.seed", 0x7E3D_0A11L) ^ target.hashCode();
  }

  /** The code under test, given one input; throws to report an outcome. */
  @FunctionalInterface
  public interface Target {
    void accept(byte[] input) throws Throwable;
  }

  /** Makes the next input. */
  @FunctionalInterface
  public interface Generator {
    byte[] next(Random random);
  }

  /** What a run did. */
  public record Report(String target, int inputs, int accepted, int rejected, long maxCallNanos) {
    @Override
    public String toString() {
      return String.format(
          "%s: %d inputs, %d accepted, %d rejected, slowest call %.1f ms",
          target, inputs, accepted, rejected, maxCallNanos / 1e6);
    }
  }

  /**
   * Runs {@code target} on inputs from {@code generator} until {@code runs} inputs or {@code
   * budget} time have gone.
   *
   * @param allowed the exceptions that count as a clean rejection; anything else fails the run
   */
  public static Report run(
      String name,
      int runs,
      Duration budget,
      Generator generator,
      Predicate<Throwable> allowed,
      Target target) {
    return run(name, runs, budget, CALL_BOUND, generator, allowed, target);
  }

  /** As the other, with a bound of its own for each call. */
  public static Report run(
      String name,
      int runs,
      Duration budget,
      Duration callBound,
      Generator generator,
      Predicate<Throwable> allowed,
      Target target) {
    long seed = seed(name);
    Random random = new Random(seed);
    Running state = new Running();
    Duration hangBound = budget.plus(callBound).plus(callBound);
    return assertTimeoutPreemptively(
        hangBound,
        () -> {
          long deadline = System.nanoTime() + budget.toNanos();
          int accepted = 0;
          int rejected = 0;
          int i = 0;
          for (; i < runs && System.nanoTime() < deadline; i++) {
            byte[] input = generator.next(random);
            byte[] copy = input.clone();
            state.input = input;
            state.index = i;
            long t0 = System.nanoTime();
            Throwable thrown = null;
            try {
              target.accept(input);
            } catch (Throwable t) {
              thrown = t;
            }
            long took = System.nanoTime() - t0;
            state.maxNanos = Math.max(state.maxNanos, took);
            String where = name + " (seed " + seed + ") input #" + i + " " + HEX.formatHex(copy);
            if (thrown != null && !allowed.test(thrown)) {
              throw new AssertionFailedError(where + " threw " + thrown, thrown);
            }
            if (took > callBound.toNanos()) {
              throw new AssertionFailedError(
                  where
                      + " took "
                      + took / 1_000_000
                      + " ms (bound "
                      + callBound.toMillis()
                      + " ms)");
            }
            if (!java.util.Arrays.equals(input, copy)) {
              throw new AssertionFailedError(where + " was modified by the target");
            }
            if (thrown == null) {
              accepted++;
            } else {
              rejected++;
            }
          }
          return new Report(name, i, accepted, rejected, state.maxNanos);
        },
        () ->
            name
                + " (seed "
                + seed
                + ") hung on input #"
                + state.index
                + " "
                + (state.input == null ? "" : HEX.formatHex(state.input)));
  }

  private static final class Running {
    volatile byte[] input;
    volatile int index;
    volatile long maxNanos;
  }

  // ---- generators ----

  /** Random bytes, up to {@code maxLength} long; short ones are the likelier. */
  public static byte[] randomBytes(Random random, int maxLength) {
    int length =
        random.nextInt(4) == 0
            ? random.nextInt(maxLength + 1)
            : random.nextInt(Math.min(64, maxLength) + 1);
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /** A mix: a quarter random bytes, the rest one of {@code seeds} mutated (or two spliced). */
  public static Generator mix(List<byte[]> seeds, int maxRandomLength) {
    List<byte[]> pool = new ArrayList<>(seeds);
    return random -> {
      if (pool.isEmpty() || random.nextInt(4) == 0) {
        return randomBytes(random, maxRandomLength);
      }
      byte[] base = pool.get(random.nextInt(pool.size()));
      if (random.nextInt(10) == 0) {
        byte[] other = pool.get(random.nextInt(pool.size()));
        base = splice(random, base, other);
      }
      return mutate(random, base);
    };
  }

  /** As {@link #mix}, with the last four bytes set to the CRC-32C of the rest half of the time. */
  public static Generator mixWithChecksum(List<byte[]> seeds, int maxRandomLength) {
    Generator plain = mix(seeds, maxRandomLength);
    return random -> {
      byte[] b = plain.next(random);
      return random.nextBoolean() ? withCrc32c(b) : b;
    };
  }

  /** {@code b} with its last four bytes replaced by the big-endian CRC-32C of the bytes before. */
  public static byte[] withCrc32c(byte[] b) {
    if (b.length < 4) {
      return b;
    }
    byte[] out = b.clone();
    int end = out.length - 4;
    CRC32C crc = new CRC32C();
    crc.update(out, 0, end);
    int v = (int) crc.getValue();
    out[end] = (byte) (v >>> 24);
    out[end + 1] = (byte) (v >>> 16);
    out[end + 2] = (byte) (v >>> 8);
    out[end + 3] = (byte) v;
    return out;
  }

  private static final byte[] INTERESTING = {
    0,
    1,
    2,
    0x7F,
    (byte) 0x80,
    (byte) 0x81,
    (byte) 0xFF,
    (byte) 0xFE,
    0x0A,
    0x12,
    0x1A,
    0x08,
    0x0B,
    0x0C,
    0x0F,
    (byte) 0xC0,
    (byte) 0xE0,
    (byte) 0xF0
  };

  /** One to eight edits of {@code valid}: bit flips, overwrites, inserts, deletes, cuts, copies. */
  public static byte[] mutate(Random random, byte[] valid) {
    byte[] b = valid.clone();
    int edits = 1 + random.nextInt(random.nextInt(4) == 0 ? 8 : 3);
    for (int e = 0; e < edits; e++) {
      if (b.length == 0) {
        b = new byte[] {(byte) random.nextInt(256)};
        continue;
      }
      int at = random.nextInt(b.length);
      switch (random.nextInt(9)) {
        case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> b[at] = (byte) random.nextInt(256);
        case 2 -> b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        case 3 -> b = insert(b, at, new byte[] {(byte) random.nextInt(256)});
        case 4 -> b = remove(b, at, 1 + random.nextInt(Math.min(8, b.length - at)));
        case 5 -> b = java.util.Arrays.copyOf(b, at);
        case 6 -> {
          // copy a chunk elsewhere: repeated fields, nested copies
          int len = 1 + random.nextInt(Math.min(32, b.length - at));
          byte[] chunk = java.util.Arrays.copyOfRange(b, at, at + len);
          b = insert(b, random.nextInt(b.length + 1), chunk);
        }
        case 7 -> {
          // a big varint where a length or tag stood
          byte[] big = {
            (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) random.nextInt(0x10)
          };
          b = insert(remove(b, at, 1), at, java.util.Arrays.copyOf(big, 1 + random.nextInt(5)));
        }
        default -> b[at] = (byte) (b[at] + random.nextInt(7) - 3);
      }
    }
    return b;
  }

  private static byte[] splice(Random random, byte[] a, byte[] b) {
    int cutA = a.length == 0 ? 0 : random.nextInt(a.length + 1);
    int cutB = b.length == 0 ? 0 : random.nextInt(b.length + 1);
    byte[] out = new byte[cutA + b.length - cutB];
    System.arraycopy(a, 0, out, 0, cutA);
    System.arraycopy(b, cutB, out, cutA, b.length - cutB);
    return out;
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] remove(byte[] b, int at, int count) {
    count = Math.min(count, b.length - at);
    byte[] out = new byte[b.length - count];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(b, at + count, out, at, b.length - at - count);
    return out;
  }

  /**
   * For Jazzer's {@code @FuzzTest} methods: runs one input under the same rules, with the call
   * bounded preemptively.
   */
  public static void one(byte[] input, Predicate<Throwable> allowed, Target target) {
    byte[] copy = input.clone();
    assertTimeoutPreemptively(
        CALL_BOUND,
        () -> {
          try {
            target.accept(input);
          } catch (Throwable t) {
            if (!allowed.test(t)) {
              throw new AssertionFailedError("input " + HEX.formatHex(copy) + " threw " + t, t);
            }
          }
        },
        () -> "hung on input " + HEX.formatHex(copy));
  }
}
