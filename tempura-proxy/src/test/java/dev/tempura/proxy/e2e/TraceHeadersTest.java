package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed tracing works through Tempura without Tempura taking part: the W3C trace context
 * ({@code traceparent}, {@code tracestate}, {@code baggage}) and Temporal's own headers reach the
 * backend exactly as the client sent them.
 */
class TraceHeadersTest {
  private static final Map<String, String> PASSED_THROUGH =
      Map.of(
          "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
          "tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
          "baggage", "userId=alice,serverNode=DF%2028",
          "client-name", "temporal-java",
          "client-version", "1.38.0",
          "supported-server-versions", ">=1.20.0 <2.0.0");

  @TempDir Path dir;
  private RecordingBackend backend;
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    backend = new RecordingBackend();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("namespace-a", backend.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    backend.close();
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  @Test
  void traceContextAndTemporalHeaders_reachTheBackendUntouched() {
    Metadata headers = new Metadata();
    PASSED_THROUGH.forEach((name, value) -> headers.put(key(name), value));
    headers.put(key("temporal-namespace"), ProxyFixture.VIRTUAL);

    WorkflowServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .startWorkflowExecution(
            StartWorkflowExecutionRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .setWorkflowId("traced")
                .setRequestId("r-1")
                .setWorkflowType(WorkflowType.newBuilder().setName("T"))
                .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                .build());

    var starts = backend.received(WorkflowServiceGrpc.getStartWorkflowExecutionMethod());
    assertThat(starts).hasSize(1);
    Metadata seen = starts.get(0).headers();
    PASSED_THROUGH.forEach(
        (name, value) -> assertThat(seen.getAll(key(name))).as(name).containsExactly(value));
    // the one Temporal header Tempura owns: the namespace, as the backend knows it
    assertThat(seen.getAll(key("temporal-namespace"))).containsExactly("namespace-a");
  }
}
