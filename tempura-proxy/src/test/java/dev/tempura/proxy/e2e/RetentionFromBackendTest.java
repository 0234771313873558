package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.tempura.store.MappingKey;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.TerminateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real frontend reports its namespace's retention in DescribeNamespace (the in-memory server
 * reports none, so every other test runs on the fallback): a workflow that closes through Tempura
 * keeps its mapping for exactly its own backend's retention, so the mapping goes when that backend
 * deletes the run's history (docs/real-server.md, retention).
 */
class RetentionFromBackendTest {
  @TempDir Path dir;
  private final RecordingBackend a = new RecordingBackend();
  private final RecordingBackend b = new RecordingBackend();
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @AfterEach
  void tearDown() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (tempura != null) {
      tempura.close();
    }
    a.close();
    b.close();
  }

  @Test
  void closedWorkflowsMappingLivesForItsOwnBackendsRetention() {
    reportRetention(a, "pa", Duration.ofDays(2));
    reportRetention(b, "pb", Duration.ofDays(5));
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("pa", a.address());
    tempura.addPhysical("pb", b.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
    var stub = WorkflowServiceGrpc.newBlockingStub(channel);

    // starts until one workflow is placed on each backend
    Map<String, String> idOn = new HashMap<>();
    for (int i = 0; i < 200 && idOn.size() < 2; i++) {
      String id = "retention-" + i;
      stub.startWorkflowExecution(
          StartWorkflowExecutionRequest.newBuilder()
              .setNamespace(ProxyFixture.VIRTUAL)
              .setWorkflowId(id)
              .setWorkflowType(WorkflowType.newBuilder().setName("W"))
              .setTaskQueue(TaskQueue.newBuilder().setName("q"))
              .setRequestId(UUID.randomUUID().toString())
              .build());
      String physical = tempura.rawMappings().get(new MappingKey(ProxyFixture.VIRTUAL, id)).join();
      idOn.putIfAbsent(physical.startsWith("pa@") ? "pa" : "pb", id);
    }
    assertThat(idOn).containsKeys("pa", "pb");

    for (String id : idOn.values()) {
      stub.terminateWorkflowExecution(
          TerminateWorkflowExecutionRequest.newBuilder()
              .setNamespace(ProxyFixture.VIRTUAL)
              .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
              .setReason("done")
              .build());
    }

    assertTtl(idOn.get("pa"), Duration.ofDays(2));
    assertTtl(idOn.get("pb"), Duration.ofDays(5));
  }

  private void assertTtl(String id, Duration retention) {
    MappingKey key = new MappingKey(ProxyFixture.VIRTUAL, id);
    Awaitility.await(id + " gets its backend's retention as TTL")
        .atMost(Duration.ofSeconds(20))
        .until(() -> tempura.rawMappings().ttlMillis(key).join() > 0);
    long ttl = tempura.rawMappings().ttlMillis(key).join();
    assertThat(ttl)
        .as("TTL of %s, not the 3-day fallback", id)
        .isBetween(retention.minusMinutes(1).toMillis(), retention.toMillis());
  }

  private static void reportRetention(RecordingBackend backend, String name, Duration retention) {
    backend.reply(
        WorkflowServiceGrpc.getDescribeNamespaceMethod(),
        request ->
            RecordingBackend.Reply.of(
                DescribeNamespaceResponse.newBuilder()
                    .setNamespaceInfo(NamespaceInfo.newBuilder().setName(name).setId(name + "-id"))
                    .setConfig(
                        NamespaceConfig.newBuilder()
                            .setWorkflowExecutionRetentionTtl(
                                Durations.fromMillis(retention.toMillis())))
                    .build()
                    .toByteArray()));
  }
}
