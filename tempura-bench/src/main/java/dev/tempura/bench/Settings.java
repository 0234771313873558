package dev.tempura.bench;

import java.time.Duration;
import java.util.Set;

/**
 * How long and how hard each part of the suite runs. The defaults fit the whole suite in about
 * twenty-two minutes ((f) about eleven of them) on a 2-core machine; {@code quick} is for trying
 * the suite out, not for numbers.
 */
record Settings(
    Set<Character> sections,
    int startThreads,
    Duration startWarmup,
    Duration startSettle,
    Duration startWindow,
    int startRounds,
    Duration profileWindow,
    int e2eConcurrency,
    Duration e2eWarmup,
    Duration e2eWindow,
    int e2eRounds,
    int storeInFlight,
    Duration storeWarmup,
    Duration storeWindow,
    Duration storeLookups,
    int polls,
    int pollChannels,
    int pollQueues,
    int jmhWarmups,
    int jmhIterations,
    Duration jmhTime,
    NullSettings nul) {

  static final Set<Character> ALL = Set.of('a', 'b', 'c', 'd', 'e', 'f');

  static Settings defaults() {
    return new Settings(
        ALL,
        16,
        Duration.ofSeconds(10),
        Duration.ofSeconds(3),
        Duration.ofSeconds(2),
        8,
        Duration.ofSeconds(15),
        16,
        // 30 s: two fresh replica JVMs sharing 2 cores with the backends were still compiling
        // (half their CPU in the JIT) after 6 s, which read as the replicas' cost.
        Duration.ofSeconds(30),
        Duration.ofSeconds(10),
        3,
        64,
        Duration.ofSeconds(3),
        Duration.ofSeconds(5),
        Duration.ofSeconds(3),
        10_000,
        20,
        100,
        2,
        8,
        Duration.ofMillis(500),
        NullSettings.defaults());
  }

  static Settings quick() {
    return new Settings(
        ALL,
        16,
        Duration.ofSeconds(3),
        Duration.ofSeconds(1),
        Duration.ofSeconds(2),
        2,
        Duration.ofSeconds(3),
        16,
        Duration.ofSeconds(3),
        Duration.ofSeconds(3),
        1,
        64,
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        2_000,
        4,
        100,
        1,
        2,
        Duration.ofMillis(200),
        NullSettings.quick());
  }

  /** {@code quick} and {@code sections=abe} (the parts to run) as arguments. */
  static Settings fromArgs(String[] args) {
    Settings s = defaults();
    for (String a : args) {
      if (a.isBlank()) {
        continue;
      }
      if (a.equals("quick")) {
        Set<Character> keep = s.sections;
        NullSettings n = s.nul.equals(NullSettings.defaults()) ? NullSettings.quick() : s.nul;
        s = quick().withSections(keep).withNull(n);
      } else if (a.startsWith("sections=")) {
        Set<Character> only = new java.util.TreeSet<>();
        for (char c : a.substring("sections=".length()).toCharArray()) {
          if (!ALL.contains(c)) {
            throw new IllegalArgumentException("unknown section " + c + " (expected some of a-f)");
          }
          only.add(c);
        }
        s = s.withSections(only);
      } else if (s.nul.with(a) != null) {
        s = s.withNull(s.nul.with(a));
      } else {
        throw new IllegalArgumentException(
            "unknown argument "
                + a
                + " (expected: quick, sections=abcdef, or for (f) rates=, max=, rounds=, window=,"
                + " curve=, kinds=, jvms=)");
      }
    }
    return s;
  }

  boolean runs(char section) {
    return sections.contains(section);
  }

  boolean isDefault() {
    return this.equals(defaults());
  }

  Settings withNull(NullSettings n) {
    return new Settings(
        sections,
        startThreads,
        startWarmup,
        startSettle,
        startWindow,
        startRounds,
        profileWindow,
        e2eConcurrency,
        e2eWarmup,
        e2eWindow,
        e2eRounds,
        storeInFlight,
        storeWarmup,
        storeWindow,
        storeLookups,
        polls,
        pollChannels,
        pollQueues,
        jmhWarmups,
        jmhIterations,
        jmhTime,
        n);
  }

  Settings withSections(Set<Character> only) {
    return new Settings(
        Set.copyOf(only),
        startThreads,
        startWarmup,
        startSettle,
        startWindow,
        startRounds,
        profileWindow,
        e2eConcurrency,
        e2eWarmup,
        e2eWindow,
        e2eRounds,
        storeInFlight,
        storeWarmup,
        storeWindow,
        storeLookups,
        polls,
        pollChannels,
        pollQueues,
        jmhWarmups,
        jmhIterations,
        jmhTime,
        nul);
  }
}
