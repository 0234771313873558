package dev.tempura.store.embedded;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore;
import dev.tempura.store.Stores;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child process of {@link EmbeddedStoreFileTest#killedProcess_keepsEveryAcknowledgedWrite}:
 * writes mappings one at a time and prints {@code ack <index>} once each is acknowledged, until it
 * is killed. A second thread does the same with placements only ({@code ack-b <index>}), which the
 * store mostly runs on that thread while the first one's expiries go through its writer, so the
 * kill lands among inline appends, batches and checkpoints. Bounded in writes and time so that an
 * orphan stops by itself.
 */
final class KillTarget {
  static final String ACK = "ack ";
  static final String ACK_B = "ack-b ";
  static final Topology TOPOLOGY = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
  private static final int MAX_WRITES = 1_000_000;
  private static final Duration MAX_RUN = Duration.ofSeconds(60);

  private KillTarget() {}

  static MappingKey key(int index) {
    return new MappingKey("orders", "order-" + index);
  }

  static MappingKey keyB(int index) {
    return new MappingKey("orders", "b-" + index);
  }

  static String physicalId(int index) {
    return "orders-" + (index % 3) + "@cluster-" + (index % 2) + ":7233";
  }

  /** Every tenth mapping gets a TTL, so expiries are written under the kill too. */
  static boolean hasTtl(int index) {
    return index % 10 == 0;
  }

  public static void main(String[] args) throws Exception {
    long deadline = System.nanoTime() + MAX_RUN.toNanos();
    // never closed: the point is to be killed with writes in flight
    Stores stores = Stores.embedded(Path.of(args[0]));
    MappingStore store = stores.mappings();
    if (!stores.topology().compareAndSet(TOPOLOGY).get(10, SECONDS)) {
      throw new IllegalStateException("topology already stored in " + args[0]);
    }
    Thread b =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < MAX_WRITES && System.nanoTime() - deadline < 0; i++) {
                  store.putIfAbsent(keyB(i), physicalId(i)).get(10, SECONDS);
                  ack(ACK_B + i);
                }
              } catch (Exception e) {
                e.printStackTrace();
                System.exit(1);
              }
            },
            "writer-b");
    b.start();
    for (int i = 0; i < MAX_WRITES && System.nanoTime() - deadline < 0; i++) {
      store.putIfAbsent(key(i), physicalId(i)).get(10, SECONDS);
      if (hasTtl(i)) {
        store.expire(key(i), Duration.ofHours(1)).get(10, SECONDS);
      }
      ack(ACK + i);
    }
    b.join();
  }

  private static synchronized void ack(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
