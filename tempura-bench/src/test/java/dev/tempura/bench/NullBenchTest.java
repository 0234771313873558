package dev.tempura.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** (f)'s parts: the null backend, the open-loop client, its arguments, per-thread CPU. */
class NullBenchTest {
  /** 200 starts a second for a second, after a 200 ms ramp, over {@code ch}. */
  private static OpenLoop.Result startsFor1s(ManagedChannel ch, Runnable first, Runnable last) {
    return OpenLoop.run(
        ch,
        WorkflowServiceGrpc.getStartWorkflowExecutionMethod(),
        seq ->
            StartWorkflowExecutionRequest.newBuilder()
                .setNamespace("n")
                .setWorkflowId("w-" + seq)
                .build(),
        200,
        Duration.ofMillis(200),
        Duration.ofSeconds(1),
        first,
        last);
  }

  @Test
  void openLoopSendsItsScheduleToTheNullBackendAndEveryCallIsAnswered() throws Exception {
    Server server = NullBackend.start(0);
    ManagedChannel ch =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    try {
      int[] edges = new int[2];
      OpenLoop.Result r = startsFor1s(ch, () -> edges[0]++, () -> edges[1]++);
      // 200/s for 1 s: the schedule's calls are the window's, and all of them answered
      assertThat(r.due).isEqualTo(200);
      assertThat(r.ok).isEqualTo(200);
      assertThat(r.errors).isZero();
      assertThat(r.latencies.getTotalCount()).isEqualTo(200);
      assertThat(edges).containsExactly(1, 1);
      // what Tempura asks of a backend when a namespace is added is answered too
      var ns =
          WorkflowServiceGrpc.newBlockingStub(ch)
              .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace("n").build());
      assertThat(ns.getNamespaceInfo().getName()).isEqualTo("n");
      assertThat(ns.getNamespaceInfo().getId()).isNotEmpty();
    } finally {
      ch.shutdownNow();
      server.shutdownNow();
    }
  }

  @Test
  void sectionFTakesItsOwnArgumentsAndRejectsUnknownOnes() {
    Settings s =
        Settings.fromArgs(
            new String[] {
              "sections=f",
              "rates=100,200",
              "max=900",
              "rounds=2",
              "jvms=jdk25,c1",
              "alongside=nice,default,parallel",
              "kinds=describe",
              "window=2",
              "curve=30"
            });
    assertThat(s.runs('f')).isTrue();
    assertThat(s.runs('a')).isFalse();
    assertThat(s.nul().rates()).containsExactly(100, 200);
    assertThat(s.nul().maxRate()).isEqualTo(900);
    assertThat(s.nul().rounds()).isEqualTo(2);
    // describes go to workflows started first, so starts are always measured too
    assertThat(s.nul().kinds()).containsExactly(NullBench.Kind.START, NullBench.Kind.DESCRIBE);
    assertThat(s.nul().window()).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.nul().curve()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.nul().ramp()).isEqualTo(NullSettings.defaults().ramp());
    assertThat(s.nul().variants()).containsExactly(Variant.DEFAULT, Variant.JDK25, Variant.C1);
    // the default is always a path of its own, so it is not added again
    assertThat(s.nul().alongside()).containsExactly(Variant.NICE, Variant.PARALLEL);
    assertThat(Variant.NICE.pathLabel()).isEqualTo("Tempura (nice)");
    assertThatThrownBy(() -> Settings.fromArgs(new String[] {"rates=100,x"}))
        .hasMessageContaining("rates=x");
    assertThatThrownBy(() -> Settings.fromArgs(new String[] {"jvms=jdk8"}))
        .hasMessageContaining("unknown JVM variant jdk8");
    assertThatThrownBy(() -> Settings.fromArgs(new String[] {"bogus=1"}))
        .hasMessageContaining("unknown argument bogus=1");
  }

  /** The floors measure only if they forward faithfully: every call, and the backend's status. */
  @Test
  void bothPassThroughsForwardEveryCallAndTheBackendsStatus() throws Exception {
    assumeTrue(Epoll.isAvailable(), "the pass-throughs run on epoll, as Tempura does on Linux");
    Server backend = NullBackend.start(0);
    String address = "127.0.0.1:" + backend.getPort();
    try (GrpcPassThrough.Running grpc = GrpcPassThrough.start(0, address);
        FramePassThrough.Running frame = FramePassThrough.start(0, address)) {
      for (int port : new int[] {grpc.port(), frame.port()}) {
        ManagedChannel ch =
            NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        try {
          OpenLoop.Result r = startsFor1s(ch, () -> {}, () -> {});
          assertThat(r.ok).as("answered through port %d", port).isEqualTo(200);
          assertThat(r.errors).isZero();
          var ns =
              WorkflowServiceGrpc.newBlockingStub(ch)
                  .withDeadlineAfter(10, TimeUnit.SECONDS)
                  .describeNamespace(
                      DescribeNamespaceRequest.newBuilder().setNamespace("n").build());
          assertThat(ns.getNamespaceInfo().getName()).isEqualTo("n");
          // a status with no message (trailers only), from a method the null backend lacks
          assertThatThrownBy(
                  () ->
                      WorkflowServiceGrpc.newBlockingStub(ch)
                          .withDeadlineAfter(10, TimeUnit.SECONDS)
                          .getWorkflowExecutionHistory(
                              GetWorkflowExecutionHistoryRequest.newBuilder()
                                  .setNamespace("n")
                                  .build()))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        } finally {
          ch.shutdownNow();
        }
      }
    } finally {
      backend.shutdownNow();
    }
  }

  @Test
  void threadCpuSeesThisProcessesThreadsAndGroupsThem() {
    long self = ProcessHandle.current().pid();
    Map<String, ThreadCpu.Thread> before = ThreadCpu.sample(List.of(self));
    long spin = System.nanoTime() + 50_000_000;
    long x = 0;
    while (System.nanoTime() < spin) {
      x++;
    }
    Map<String, Long> d = ThreadCpu.delta(before, ThreadCpu.sample(List.of(self)));
    assertThat(x).isPositive();
    assertThat(ThreadCpu.total(d)).isPositive();
    assertThat(ThreadCpu.group("tempura-io-N-N")).isEqualTo("event loops");
    assertThat(ThreadCpu.group("pass-io-N-N")).isEqualTo("event loops");
    assertThat(ThreadCpu.group("frame-io-N-N")).isEqualTo("event loops");
    assertThat(ThreadCpu.group("tempura-store-w")).isEqualTo("store");
    assertThat(ThreadCpu.group("CN CompilerThre")).isEqualTo("JIT");
    assertThat(ThreadCpu.group("GC Thread#N")).isEqualTo("GC");
  }
}
