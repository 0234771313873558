package dev.tempura.proxy.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
import dev.tempura.store.redis.RedisServerFixture;
import dev.tempura.store.redis.RedisStoreOptions;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The backlog of mappings a down store could not take, against a Redis that is stopped and
 * restarted.
 */
class WorkflowRecorderBacklogTest {
  private static final PhysicalNamespace A =
      new PhysicalNamespace(
          "namespace-a", ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1);

  private RedisServerFixture redis;
  private Stores stores;
  private MappingStore store;
  private WorkflowRecorder recorder;

  @BeforeEach
  void setUp() {
    redis = RedisServerFixture.start();
    stores =
        Stores.redis(
            RedisStoreOptions.builder(redis.uri()).commandTimeout(Duration.ofMillis(500)).build());
    store = stores.mappings();
    recorder = new WorkflowRecorder(store);
  }

  @AfterEach
  void tearDown() {
    stores.close();
    redis.close();
  }

  @Test
  void mappingsTheStoreRefusedAreWrittenOnceItIsBack_andAnExistingMappingIsKept() throws Exception {
    redis.stop();
    for (int i = 0; i < 600; i++) {
      recorder.recordPolled("wf-" + i, "vns", A);
    }
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> recorder.backlogSize() == 600);

    recorder.drainBacklog(); // still down: nothing written, nothing dropped
    Thread.sleep(500); // the round's writes fail fast (commands are refused while disconnected)
    assertThat(recorder.backlogSize()).isEqualTo(600);
    assertThat(recorder.recordedLate()).isZero();

    redis.restart();
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                store
                    .putIfAbsent(new MappingKey("vns", "wf-0"), "elsewhere@127.0.0.1:1")
                    .handle((v, e) -> e == null)
                    .join());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              recorder.drainBacklog();
              return recorder.backlogSize() == 0;
            });

    // more than two batches went in; the mapping made meanwhile was not overwritten
    assertThat(recorder.recordedLate()).isEqualTo(600);
    assertThat(store.get(new MappingKey("vns", "wf-0")).join()).isEqualTo("elsewhere@127.0.0.1:1");
    assertThat(store.get(new MappingKey("vns", "wf-599")).join()).isEqualTo(A.id());
    assertThat(store.ttlMillis(new MappingKey("vns", "wf-599")).join()).isEqualTo(-1L);
  }

  @Test
  void aFullBacklogCountsWhatItCouldNotKeep() {
    for (int i = 0; i < WorkflowRecorder.MAX_BACKLOG + 5; i++) {
      recorder.recordLater(new MappingKey("vns", "wf-" + i), A.id());
    }
    recorder.recordLater(new MappingKey("vns", "wf-0"), A.id()); // already kept: not an overflow
    assertThat(recorder.backlogSize()).isEqualTo(WorkflowRecorder.MAX_BACKLOG);
    assertThat(recorder.backlogOverflowed()).isEqualTo(5);
  }
}
