package dev.tempura.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How (f) runs: the rates (the highest rate direct sustains is found and added unless {@code max=N}
 * fixes it), the calls, the windows, the warm-up curve's length and rate, and the JVM variants
 * whose warm-up is measured besides the default.
 */
record NullSettings(
    List<Integer> rates,
    List<NullBench.Kind> kinds,
    int rounds,
    Duration ramp,
    Duration window,
    Duration curve,
    int curveRate,
    int maxRate,
    int calibrateFrom,
    List<Variant> variants,
    List<Variant> alongside) {

  static NullSettings defaults() {
    return new NullSettings(
        List.of(100, 300, 600, 1000),
        List.of(NullBench.Kind.values()),
        3,
        Duration.ofMillis(500),
        Duration.ofSeconds(3),
        Duration.ofSeconds(60),
        600,
        0,
        1400,
        List.of(Variant.DEFAULT),
        List.of());
  }

  static NullSettings quick() {
    return new NullSettings(
        List.of(300, 600),
        List.of(NullBench.Kind.values()),
        1,
        Duration.ofMillis(300),
        Duration.ofSeconds(2),
        Duration.ofSeconds(15),
        600,
        0,
        1400,
        List.of(Variant.DEFAULT),
        List.of());
  }

  /**
   * One argument of (f), or null when it is not one: {@code rates=100,300}, {@code max=N}, {@code
   * rounds=N}, {@code window=S}, {@code curve=S}, {@code kinds=start,signal}, {@code
   * jvms=default,jdk25,...} (warm-up curves), {@code alongside=nice,...} (the same build run that
   * way as another path of the rate tables, side by side with the default).
   */
  NullSettings with(String arg) {
    int eq = arg.indexOf('=');
    if (eq < 0) {
      return null;
    }
    String k = arg.substring(0, eq);
    String v = arg.substring(eq + 1);
    Copy c = new Copy(this);
    switch (k) {
      case "rates" -> c.rates = ints(v);
      case "max" -> c.maxRate = positive(k, v);
      case "rounds" -> c.rounds = positive(k, v);
      case "window" -> c.window = Duration.ofSeconds(positive(k, v));
      case "curve" -> c.curve = Duration.ofSeconds(positive(k, v));
      case "kinds" -> {
        List<NullBench.Kind> ks = new ArrayList<>();
        for (String x : v.split(",")) {
          ks.add(NullBench.Kind.valueOf(x.trim().toUpperCase(java.util.Locale.ROOT)));
        }
        if (!ks.contains(NullBench.Kind.START)) {
          ks.add(0, NullBench.Kind.START); // the sticky calls need workflows started first
        }
        c.kinds = List.copyOf(ks);
      }
      case "jvms" -> {
        List<Variant> vs = new ArrayList<>();
        vs.add(Variant.DEFAULT);
        vs.addAll(variants(v));
        c.variants = List.copyOf(new java.util.LinkedHashSet<>(vs));
      }
      case "alongside" -> {
        List<Variant> vs = new ArrayList<>(variants(v));
        vs.remove(Variant.DEFAULT); // always a path of its own
        c.alongside = List.copyOf(new java.util.LinkedHashSet<>(vs));
      }
      default -> {
        return null;
      }
    }
    return c.settings();
  }

  private static List<Variant> variants(String v) {
    List<Variant> out = new ArrayList<>();
    for (String x : v.split(",")) {
      out.add(Variant.parse(x.trim()));
    }
    return out;
  }

  /** The settings as fields, so that an argument changes one of them. */
  private static final class Copy {
    List<Integer> rates;
    List<NullBench.Kind> kinds;
    int rounds;
    Duration ramp;
    Duration window;
    Duration curve;
    int curveRate;
    int maxRate;
    int calibrateFrom;
    List<Variant> variants;
    List<Variant> alongside;

    Copy(NullSettings s) {
      rates = s.rates;
      kinds = s.kinds;
      rounds = s.rounds;
      ramp = s.ramp;
      window = s.window;
      curve = s.curve;
      curveRate = s.curveRate;
      maxRate = s.maxRate;
      calibrateFrom = s.calibrateFrom;
      variants = s.variants;
      alongside = s.alongside;
    }

    NullSettings settings() {
      return new NullSettings(
          rates,
          kinds,
          rounds,
          ramp,
          window,
          curve,
          curveRate,
          maxRate,
          calibrateFrom,
          variants,
          alongside);
    }
  }

  private static List<Integer> ints(String v) {
    List<Integer> out = new ArrayList<>();
    for (String x : v.split(",")) {
      out.add(positive("rates", x.trim()));
    }
    return List.copyOf(out);
  }

  private static int positive(String k, String v) {
    try {
      int n = Integer.parseInt(v);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(k + "=" + v + ": expected a positive whole number");
  }
}
