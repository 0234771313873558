package dev.tempura.store.embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
import dev.tempura.store.TopologyStore;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class EmbeddedStoreFileTest {
  private static final Duration NO_PERIODIC_SWEEP = Duration.ofHours(1);
  // enough acknowledged writes, for long enough, that the kill lands among many checkpoints (one
  // a second), not at the first
  private static final int ACKS_BEFORE_KILL = 500;
  private static final Duration WRITING_BEFORE_KILL = Duration.ofMillis(3_500);
  // 128 + SIGKILL: the child was killed, not stopped by its own bounds
  private static final int KILLED_EXIT_CODE = 137;

  @TempDir Path dir;

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void reopen_sameDirectory_keepsMappingsTtlsAndTopology() throws Exception {
    MutableClock clock = new MutableClock(1_700_000_000_000L);
    MappingKey kept = new MappingKey("orders", "kept");
    MappingKey expiring = new MappingKey("orders", "expiring");
    Topology topology =
        Topology.EMPTY.with(
            new VirtualNamespace(
                "orders",
                List.of(
                    new PhysicalNamespace(
                        "orders-1",
                        ClusterAddress.parse("a:7233"),
                        PhysicalNamespaceStatus.ACTIVE,
                        3),
                    new PhysicalNamespace(
                        "orders-1",
                        ClusterAddress.parse("b:7233"),
                        PhysicalNamespaceStatus.CORDONED,
                        0))));
    try (Stores stores = EmbeddedWriter.open(dir, clock, NO_PERIODIC_SWEEP)) {
      MappingStore store = stores.mappings();
      answer(store.putIfAbsent(kept, "orders-1@a:7233"));
      answer(store.putIfAbsent(expiring, "orders-1@b:7233"));
      answer(store.expire(expiring, Duration.ofHours(1)));
      answer(stores.topology().compareAndSet(topology));
    }

    try (Stores stores = EmbeddedWriter.open(dir, clock, NO_PERIODIC_SWEEP)) {
      EmbeddedStore store = (EmbeddedStore) stores.mappings();
      assertThat(answer(store.get(kept))).isEqualTo("orders-1@a:7233");
      assertThat(answer(store.ttlMillis(kept))).isEqualTo(-1L);
      assertThat(answer(store.get(expiring))).isEqualTo("orders-1@b:7233");
      assertThat(answer(store.ttlMillis(expiring))).isEqualTo(Duration.ofHours(1).toMillis());
      assertThat(answer(stores.topology().load())).isEqualTo(topology);

      clock.advance(Duration.ofHours(2));
      assertThat(answer(store.sweep(100))).as("the expiry index was reopened too").isEqualTo(1);
      assertThat(answer(store.storedMappingCount())).isEqualTo(1L);
    }
  }

  @Test
  void close_thenReopen_keepsWritesThatWereStillQueued() throws Exception {
    List<CompletableFuture<String>> pending = new ArrayList<>();
    try (Stores stores = Stores.embedded(dir)) {
      MappingStore store = stores.mappings();
      for (int i = 0; i < 1_000; i++) {
        pending.add(store.putIfAbsent(new MappingKey("orders", "w" + i), "p" + i));
      }
    }

    try (Stores stores = Stores.embedded(dir)) {
      MappingStore store = stores.mappings();
      for (int i = 0; i < pending.size(); i++) {
        assertThat(answer(store.get(new MappingKey("orders", "w" + i)))).isEqualTo("p" + i);
      }
    }
  }

  @Test
  void open_missingDirectory_createsIt() throws Exception {
    Path nested = dir.resolve("a").resolve("b");

    try (Stores stores = Stores.embedded(nested)) {
      answer(stores.mappings().putIfAbsent(new MappingKey("orders", "w"), "p"));
    }

    assertThat(nested.resolve(EmbeddedFile.FILE_NAME)).isRegularFile();
  }

  @Test
  void open_fileHeldByAnotherStore_fails() {
    try (Stores stores = Stores.embedded(dir)) {
      assertThatThrownBy(() -> Stores.embedded(dir))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("opening " + dir.resolve(EmbeddedFile.FILE_NAME));
    }
  }

  /**
   * With the writer idle, a placement is made on the calling thread (no wake-up of the writer and
   * back, issue #14). That it is durable when answered is {@link
   * #killedProcess_keepsEveryAcknowledgedWrite}'s to show.
   */
  @Test
  void placement_whileTheWriterIsIdle_isAnsweredOnTheCallingThread() throws Exception {
    try (Stores stores = Stores.embedded(dir)) {
      MappingStore store = stores.mappings();
      Thread caller = Thread.currentThread();
      int inline = 0;
      // a few tries: the writer may be busy at any moment (a checkpoint, the sweep)
      for (int i = 0; i < 20 && inline == 0; i++) {
        answer(store.get(new MappingKey("orders", "settle-" + i)));
        CompletableFuture<String> placed =
            store.putIfAbsent(new MappingKey("orders", "w" + i), "p");
        if (placed.isDone()) {
          Thread[] continuedOn = new Thread[1];
          placed.thenRun(() -> continuedOn[0] = Thread.currentThread());
          assertThat(continuedOn[0]).isSameAs(caller);
          inline++;
        }
        assertThat(answer(placed)).isEqualTo("p");
      }
      assertThat(inline).as("placements answered on the calling thread").isPositive();
    }
  }

  @Test
  void killedProcess_keepsEveryAcknowledgedWrite() throws Exception {
    Path storeDir = dir.resolve("store");
    Path childErr = dir.resolve("child.err");
    Process child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                KillTarget.class.getName(),
                storeDir.toString())
            .redirectError(childErr.toFile())
            .start();
    AtomicInteger highestAck = new AtomicInteger(-1);
    AtomicInteger highestAckB = new AtomicInteger(-1);
    Thread reader =
        new Thread(() -> readAcks(child, highestAck, highestAckB), "kill-target-stdout");
    reader.setDaemon(true);
    reader.start();
    try {
      await().atMost(Duration.ofSeconds(60)).until(() -> highestAck.get() >= 0 || !child.isAlive());
      long writing = System.nanoTime();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  (highestAck.get() >= ACKS_BEFORE_KILL
                          && highestAckB.get() >= ACKS_BEFORE_KILL
                          && System.nanoTime() - writing >= WRITING_BEFORE_KILL.toNanos())
                      || !child.isAlive());
      assertThat(child.isAlive())
          .as("child died early; stderr:%n%s", Files.readString(childErr, UTF_8))
          .isTrue();
    } finally {
      child.destroyForcibly();
      assertThat(child.waitFor(30, SECONDS)).as("child exited after SIGKILL").isTrue();
    }
    reader.join(SECONDS.toMillis(10));
    assertThat(child.exitValue()).isEqualTo(KILLED_EXIT_CODE);

    int acked = highestAck.get();
    assertThat(acked).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
    try (Stores stores = Stores.embedded(storeDir)) {
      MappingStore store = stores.mappings();
      TopologyStore topology = stores.topology();
      for (int i = 0; i <= acked; i++) {
        assertThat(answer(store.get(KillTarget.key(i))))
            .as("acknowledged mapping %d of %d", i, acked)
            .isEqualTo(KillTarget.physicalId(i));
        if (KillTarget.hasTtl(i)) {
          assertThat(answer(store.ttlMillis(KillTarget.key(i)))).as("ttl of %d", i).isPositive();
        }
      }
      int ackedB = highestAckB.get();
      assertThat(ackedB).isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);
      for (int i = 0; i <= ackedB; i++) {
        assertThat(answer(store.get(KillTarget.keyB(i))))
            .as("acknowledged placement %d of %d (second thread)", i, ackedB)
            .isEqualTo(KillTarget.physicalId(i));
      }
      assertThat(answer(topology.load())).isEqualTo(KillTarget.TOPOLOGY);
      MappingKey fresh = new MappingKey("orders", "after-the-kill");
      assertThat(answer(store.putIfAbsent(fresh, "p"))).isEqualTo("p");
    }
  }

  private static void readAcks(Process child, AtomicInteger highestAck, AtomicInteger highestAckB) {
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(KillTarget.ACK)) {
          // max: the kill may cut the last line short, and "ack 12" of "ack 123" is still true
          int index = Integer.parseInt(line.substring(KillTarget.ACK.length()).trim());
          highestAck.accumulateAndGet(index, Math::max);
        } else if (line.startsWith(KillTarget.ACK_B)) {
          int index = Integer.parseInt(line.substring(KillTarget.ACK_B.length()).trim());
          highestAckB.accumulateAndGet(index, Math::max);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the stream ends abruptly when the child is killed; what was read so far stands
    }
  }
}
