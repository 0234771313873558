package dev.tempura.bench;

import dev.tempura.bench.jmh.HotPathBenchmarks;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/** (c) The JMH microbenchmarks of {@link HotPathBenchmarks}, in a forked JVM each. */
final class MicroBench {
  /** One benchmark: average time per call with its 99.9% error, and bytes allocated per call. */
  record Row(String benchmark, double nsPerOp, double error, double bytesPerOp) {}

  static final String[] JVM_ARGS = {"-Xms1g", "-Xmx1g"};

  private MicroBench() {}

  static ChainedOptionsBuilder options(
      int forks, int warmups, TimeValue warmupTime, int iterations, TimeValue time) {
    return new OptionsBuilder()
        .include(HotPathBenchmarks.class.getName() + "\\.")
        .forks(forks)
        .jvmArgs(JVM_ARGS)
        .warmupIterations(warmups)
        .warmupTime(warmupTime)
        .measurementIterations(iterations)
        .measurementTime(time)
        .threads(1)
        .shouldFailOnError(true);
  }

  static List<Row> run(int warmups, TimeValue warmupTime, int iterations, TimeValue time)
      throws RunnerException {
    Collection<RunResult> results =
        new Runner(
                options(1, warmups, warmupTime, iterations, time)
                    .addProfiler(GCProfiler.class)
                    .build())
            .run();
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      Result<?> primary = r.getPrimaryResult();
      double alloc = Double.NaN;
      for (String key : r.getSecondaryResults().keySet()) {
        if (key.endsWith("gc.alloc.rate.norm")) {
          Result<?> norm = r.getSecondaryResults().get(key);
          alloc = norm.getScore();
        }
      }
      String name = r.getParams().getBenchmark();
      rows.add(
          new Row(
              name.substring(name.lastIndexOf('.') + 1),
              primary.getScore(),
              primary.getScoreError(),
              alloc));
    }
    return rows;
  }
}
