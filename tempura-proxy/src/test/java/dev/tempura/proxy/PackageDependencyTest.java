package dev.tempura.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the proxy's packages layered: read from the sources (imports and fully qualified names),
 * the package graph has no cycle, and the three peers the pipeline dispatches to never use each
 * other or the pipeline.
 */
class PackageDependencyTest {
  private static final Path ROOT = Path.of("src/main/java/dev/tempura/proxy");
  private static final Pattern REFERENCE = Pattern.compile("dev\\.tempura\\.proxy\\.([a-z]+)\\.");
  private static final Map<String, Set<String>> uses = new TreeMap<>();

  @BeforeAll
  static void readSources() throws IOException {
    try (Stream<Path> dirs = Files.list(ROOT)) {
      for (Path dir : dirs.filter(Files::isDirectory).toList()) {
        String pkg = dir.getFileName().toString();
        Set<String> out = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
            Matcher m = REFERENCE.matcher(Files.readString(f));
            while (m.find()) {
              if (!m.group(1).equals(pkg)) {
                out.add(m.group(1));
              }
            }
          }
        }
        uses.put(pkg, out);
      }
    }
  }

  @Test
  void sourcesWereRead() {
    assertThat(uses).containsKeys("pipeline", "forward", "poll", "aggregate", "call", "routing");
    assertThat(uses.get("pipeline")).contains("forward", "poll", "aggregate", "call");
  }

  @Test
  void packageGraphHasNoCycle() {
    List<String> cycles = new ArrayList<>();
    for (String start : uses.keySet()) {
      List<String> path = new ArrayList<>();
      path.add(start);
      findCycle(start, start, path, new TreeSet<>(), cycles);
    }
    assertThat(cycles).as("package cycles").isEmpty();
  }

  @Test
  void peersDoNotUseEachOtherOrThePipeline() {
    List<String> peers = List.of("aggregate", "poll", "forward");
    for (String peer : peers) {
      assertThat(uses.get(peer))
          .as(peer + " uses")
          .doesNotContainAnyElementsOf(
              Stream.concat(peers.stream().filter(p -> !p.equals(peer)), Stream.of("pipeline"))
                  .toList());
    }
  }

  @Test
  void sharedCallTypesSitBelowTheHandlers() {
    assertThat(uses.get("call"))
        .doesNotContain("pipeline", "forward", "poll", "aggregate", "lifecycle", "health");
  }

  private static void findCycle(
      String start, String at, List<String> path, Set<String> seen, List<String> cycles) {
    for (String next : uses.getOrDefault(at, Set.of())) {
      if (next.equals(start)) {
        cycles.add(String.join(" -> ", path) + " -> " + start);
      } else if (seen.add(next)) {
        path.add(next);
        findCycle(start, next, path, seen, cycles);
        path.remove(path.size() - 1);
      }
    }
  }
}
