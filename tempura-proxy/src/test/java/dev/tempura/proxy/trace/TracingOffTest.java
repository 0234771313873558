package dev.tempura.proxy.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tempura.proxy.ProxyOptions;
import dev.tempura.proxy.call.CallTrace;
import dev.tempura.proxy.call.Target;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Tracing is off by default and then costs the hot path nothing: every call shares one no-op trace,
 * its hooks allocate nothing and leave the client's trace headers as they are, and no class but
 * {@link OtlpTracing} (made only when an endpoint is configured) uses OpenTelemetry.
 */
class TracingOffTest {
  private static final Metadata.Key<String> TRACEPARENT =
      Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

  @Test
  void tracingIsOffByDefault() {
    assertThat(ProxyOptions.builder().build().tracing()).isNull();
  }

  @Test
  void everyCall_sharesTheOneNoOpTrace() {
    assertThat(CallTracer.OFF.start(null)).isSameAs(CallTrace.OFF);
    assertThat(CallTracer.OFF.start(null)).isSameAs(CallTracer.OFF.start(null));
  }

  @Test
  void theNoOpTrace_leavesTheClientsTraceHeadersAlone() {
    Metadata headers = new Metadata();
    String client = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    headers.put(TRACEPARENT, client);
    CallTrace.OFF.forwarding(target(), headers);
    assertThat(headers.getAll(TRACEPARENT)).containsExactly(client);
  }

  /**
   * Counts the bytes the current thread allocates over 100,000 calls' worth of hooks: less than one
   * byte a call, where the smallest object takes 16, so no call creates anything.
   */
  @Test
  void theHooksOfACall_allocateNothing_whenTracingIsOff() {
    var threads = ManagementFactory.getThreadMXBean();
    assumeTrue(
        threads instanceof com.sun.management.ThreadMXBean t
            && t.isThreadAllocatedMemorySupported()
            && t.isThreadAllocatedMemoryEnabled(),
        "this JVM does not count allocated bytes per thread");
    com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) threads;
    Target target = target();
    Metadata headers = new Metadata();
    CompletableFuture<String> answer = CompletableFuture.completedFuture("namespace-a");
    long thread = Thread.currentThread().getId();
    hooks(10_000, target, headers, answer);
    int calls = 1_000_000;
    long before = counter.getThreadAllocatedBytes(thread);
    hooks(calls, target, headers, answer);
    long allocated = counter.getThreadAllocatedBytes(thread) - before;
    assertThat(allocated).as("bytes allocated by %d calls' hooks", calls).isLessThan(calls);
  }

  /** What the pipeline, the forwarder and the call do with a call's trace, {@code calls} times. */
  private static void hooks(
      int calls, Target target, Metadata headers, CompletableFuture<String> storeAnswer) {
    CallTracer tracer = CallTracer.OFF;
    for (int i = 0; i < calls; i++) {
      CallTrace trace = tracer.start(null);
      trace.resolving();
      trace.storing("get");
      if (CallTrace.stored(trace, storeAnswer) != storeAnswer) {
        throw new AssertionError("an untraced store call got a continuation");
      }
      trace.resolved(target);
      trace.forwarding(target, headers);
      trace.forwarded(Status.OK);
      trace.ended(Status.OK);
      trace.ended(Status.CANCELLED);
    }
  }

  /** The pipeline, the forwarder and the call reach spans only through {@link CallTrace}. */
  @Test
  void onlyOtlpTracing_usesOpenTelemetry() throws IOException {
    Path root = Path.of("src/main/java/dev/tempura/proxy");
    List<String> users;
    try (Stream<Path> files = Files.walk(root)) {
      users =
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> read(f).contains("io.opentelemetry"))
              .map(f -> root.relativize(f).toString())
              .toList();
    }
    assertThat(users).containsExactly("trace/OtlpTracing.java");
  }

  private static String read(Path f) {
    try {
      return Files.readString(f);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Target target() {
    return new Target(
        new PhysicalNamespace(
            "namespace-a",
            new ClusterAddress("127.0.0.1", 7233),
            PhysicalNamespaceStatus.ACTIVE,
            1),
        null,
        "wf");
  }
}
