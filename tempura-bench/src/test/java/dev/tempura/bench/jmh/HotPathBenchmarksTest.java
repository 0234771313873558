package dev.tempura.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.proxy.token.TaskTokens;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Keeps the microbenchmarks honest in every build: they measure what they claim (the rewrites
 * happen, the history has 100 events), and each runs once, briefly, in this JVM, so a broken
 * benchmark fails {@code mvn verify}. The real runs are the bench suite's.
 */
class HotPathBenchmarksTest {

  @Test
  void benchmarksWorkOnWhatTheyClaim() throws Exception {
    HotPathBenchmarks b = new HotPathBenchmarks();
    b.setUp();
    assertThat(b.historyEvents()).isEqualTo(100);

    StartWorkflowExecutionRequest translated =
        StartWorkflowExecutionRequest.parseFrom(b.translateStartRequest());
    assertThat(translated.getNamespace()).isEqualTo("orders-a");

    PollWorkflowTaskQueueResponse answer =
        PollWorkflowTaskQueueResponse.parseFrom(b.translatePollResponse100Events());
    assertThat(answer.getHistory().getEventsCount()).isEqualTo(100);
    assertThat(answer.getHistory().getEventsList())
        .filteredOn(e -> e.hasStartChildWorkflowExecutionInitiatedEventAttributes())
        .isNotEmpty()
        .allSatisfy(
            e ->
                assertThat(
                        e.getStartChildWorkflowExecutionInitiatedEventAttributes().getNamespace())
                    .isEqualTo(HotPathBenchmarks.VIRTUAL));
    assertThat(answer.getHistory().getEventsList())
        .filteredOn(e -> e.hasSignalExternalWorkflowExecutionInitiatedEventAttributes())
        .isNotEmpty();
    TaskTokens.Unwrapped token = TaskTokens.unwrap(answer.getTaskToken().toByteArray());
    assertThat(token.physicalId()).isEqualTo("orders-a@" + HotPathBenchmarks.CLUSTER);

    assertThat(b.tokenUnwrap().innerToken()).hasSize(160);
    assertThat(TaskTokens.unwrap(b.tokenWrap()).workflowId()).startsWith("order-");
    assertThat(b.placementRendezvous3().name()).startsWith("orders-");
  }

  @Test
  void everyBenchmarkRunsOnce() throws Exception {
    Collection<RunResult> results =
        new Runner(
                new OptionsBuilder()
                    .include(HotPathBenchmarks.class.getName() + "\\.")
                    .forks(0)
                    .warmupIterations(0)
                    .measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(20))
                    .shouldFailOnError(true)
                    .build())
            .run();
    long benchmarks =
        java.util.Arrays.stream(HotPathBenchmarks.class.getMethods())
            .filter(m -> m.isAnnotationPresent(org.openjdk.jmh.annotations.Benchmark.class))
            .count();
    assertThat(results).hasSize((int) benchmarks).hasSizeGreaterThanOrEqualTo(9);
    assertThat(results).allSatisfy(r -> assertThat(r.getPrimaryResult().getScore()).isPositive());
  }
}
