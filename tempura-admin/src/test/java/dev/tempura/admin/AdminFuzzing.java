package dev.tempura.admin;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.opentest4j.AssertionFailedError;

/**
 * Seeded random and mutated request bodies for the admin API fuzz tests, run without Jazzer's
 * agent: at most {@code -Dtempura.fuzz.runs} inputs (default 20,000) and at most {@code
 * -Dtempura.fuzz.seconds} (default 20) per target, each call bounded, the whole run bounded
 * preemptively so a hang fails with the input that hung. The proxy module's {@code FuzzHarness}
 * does the same for binary inputs.
 */
final class AdminFuzzing {
  static final Duration CALL_BOUND = Duration.ofSeconds(5);

  private AdminFuzzing() {}

  static int runs() {
    return Integer.getInteger("tempura.fuzz.runs", 20_000);
  }

  static Duration budget() {
    return Duration.ofSeconds(Long.getLong("tempura.fuzz.seconds", 20));
  }

  static long seed(String target) {
    return Long.getLong("tempura.fuzz.seed", 0x7E3D_0A11L) ^ target.hashCode();
  }

  /** Checks one input; throws {@link AssertionError} when the property does not hold. */
  @FunctionalInterface
  interface Target {
    void accept(int index, byte[] input) throws Exception;
  }

  @FunctionalInterface
  interface Generator {
    byte[] next(Random random);
  }

  /** Runs the target on generated inputs; answers how many ran. */
  static int run(String name, int runs, Duration budget, Generator generator, Target target) {
    long seed = seed(name);
    Random random = new Random(seed);
    String[] current = {""};
    return assertTimeoutPreemptively(
        budget.plus(CALL_BOUND).plus(CALL_BOUND),
        () -> {
          long deadline = System.nanoTime() + budget.toNanos();
          int i = 0;
          for (; i < runs && System.nanoTime() < deadline; i++) {
            byte[] input = generator.next(random);
            current[0] = "#" + i + " " + show(input);
            long t0 = System.nanoTime();
            try {
              target.accept(i, input);
            } catch (AssertionError | Exception e) {
              throw new AssertionFailedError(
                  name + " (seed " + seed + ") input " + current[0] + ": " + e, e);
            }
            long took = System.nanoTime() - t0;
            if (took > CALL_BOUND.toNanos()) {
              throw new AssertionFailedError(
                  name
                      + " (seed "
                      + seed
                      + ") input "
                      + current[0]
                      + " took "
                      + took / 1_000_000
                      + " ms");
            }
          }
          return i;
        },
        () -> name + " (seed " + seed + ") hung on input " + current[0]);
  }

  static String show(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    return text.length() > 400 ? text.substring(0, 400) + "...(" + input.length + " bytes)" : text;
  }

  /** JSON values that parsers and validators trip on. */
  private static final List<String> NASTY =
      List.of(
          "null",
          "true",
          "false",
          "0",
          "-1",
          "2147483648",
          "-2147483649",
          "1e309",
          "-0",
          "1.5",
          "99999999999999999999999999",
          "NaN",
          "\"\"",
          "\" \"",
          "\"\\u0000\"",
          "\"\\ud800\"",
          "[]",
          "{}",
          "[null]",
          "{\"a\":{}}",
          "\"" + "x".repeat(5000) + "\"",
          "\"a@b:1\"",
          "\"../..\"",
          "\"(a+)+$\"",
          "\"[\"",
          "\"prefix\"",
          "\"regex\"",
          "\"adaptive\"",
          "\"round-robin\"",
          "\"rendezvous\"",
          "\"v1\"",
          "\"p1\"",
          "\"h:1\"",
          "\"名前\"");

  /** Either random bytes, or one of {@code seeds} mutated as text or as bytes. */
  static Generator bodies(List<String> seeds) {
    return random -> {
      int kind = random.nextInt(10);
      if (kind == 0) {
        byte[] b = new byte[random.nextInt(80)];
        random.nextBytes(b);
        return b;
      }
      String seed = seeds.get(random.nextInt(seeds.size()));
      if (kind == 1) {
        return nest(random).getBytes(StandardCharsets.UTF_8);
      }
      if (kind <= 6) {
        return replaceValues(random, seed).getBytes(StandardCharsets.UTF_8);
      }
      return mutateBytes(random, seed.getBytes(StandardCharsets.UTF_8));
    };
  }

  /** Deeply nested arrays or objects, deeper than any parser limit. */
  private static String nest(Random random) {
    int depth = 1 + random.nextInt(3000);
    boolean objects = random.nextBoolean();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      b.append(objects ? "{\"a\":" : "[");
    }
    b.append("1");
    if (random.nextBoolean()) {
      for (int i = 0; i < depth; i++) {
        b.append(objects ? "}" : "]");
      }
    }
    return b.toString();
  }

  /** Replaces one to three values (what follows a colon) with nasty ones, or drops a field. */
  private static String replaceValues(Random random, String json) {
    String out = json;
    int edits = 1 + random.nextInt(3);
    for (int e = 0; e < edits; e++) {
      int colon = nthIndexOf(out, ':', random);
      if (colon < 0) {
        break;
      }
      int end = valueEnd(out, colon + 1);
      String value = NASTY.get(random.nextInt(NASTY.size()));
      out = out.substring(0, colon + 1) + value + out.substring(end);
    }
    if (random.nextInt(5) == 0) {
      // a duplicate key, or an unknown one
      out =
          out.replaceFirst(
              "\\{", random.nextBoolean() ? "{\"name\":\"dup\"," : "{\"unknown\":[1,2],");
    }
    return out;
  }

  private static int nthIndexOf(String s, char c, Random random) {
    int count = (int) s.chars().filter(x -> x == c).count();
    if (count == 0) {
      return -1;
    }
    int n = random.nextInt(count);
    int at = -1;
    for (int i = 0; i <= n; i++) {
      at = s.indexOf(c, at + 1);
    }
    return at;
  }

  /** Where the JSON value starting at {@code from} ends (good enough for flat seed bodies). */
  private static int valueEnd(String s, int from) {
    int i = from;
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
    if (i < s.length() && s.charAt(i) == '"') {
      int close = s.indexOf('"', i + 1);
      return close < 0 ? s.length() : close + 1;
    }
    int depth = 0;
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '{' || c == '[') {
        depth++;
      } else if (c == '}' || c == ']') {
        if (depth == 0) {
          return i;
        }
        depth--;
      } else if (c == ',' && depth == 0) {
        return i;
      }
    }
    return s.length();
  }

  private static final String JSON_CHARS = "{}[]\":,\\ \u0000nt0e";

  static byte[] mutateBytes(Random random, byte[] valid) {
    byte[] b = valid.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = random.nextInt(b.length);
      switch (random.nextInt(5)) {
        case 0 -> b[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> b[at] = (byte) JSON_CHARS.charAt(random.nextInt(JSON_CHARS.length()));
        case 2 -> b = Arrays.copyOf(b, at);
        case 3 -> {
          byte[] shorter = new byte[b.length - 1];
          System.arraycopy(b, 0, shorter, 0, at);
          System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
          b = shorter;
        }
        default -> b[at] = (byte) random.nextInt(256);
      }
    }
    return b;
  }
}
