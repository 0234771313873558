package dev.tempura.store.redis;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tempura.store.MappingKey;
import dev.tempura.store.MappingStore.Entry;
import dev.tempura.store.MappingStore.ScanPage;
import dev.tempura.store.Stores;
import dev.tempura.store.TaskHandoff;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two proxy replicas, each with a store of its own, sharing one Redis under one key prefix. */
@Timeout(60)
abstract class RedisReplicasContract {
  // announced at once, polled each second as a fallback; room for a slow machine
  private static final Duration NOTIFICATION_DEADLINE = Duration.ofSeconds(5);

  private final String prefix = "tempura-test:" + UUID.randomUUID() + ":";
  private Stores first;
  private Stores second;

  abstract String uri();

  /** Deletes every key under {@code prefix}. */
  abstract void deleteKeys(String prefix);

  @BeforeEach
  void connectBothReplicas() {
    first = Stores.redis(RedisStoreOptions.builder(uri()).keyPrefix(prefix).build());
    second = Stores.redis(RedisStoreOptions.builder(uri()).keyPrefix(prefix).build());
  }

  @AfterEach
  void closeBothReplicas() {
    first.close();
    second.close();
    deleteKeys(prefix);
  }

  private static <T> T answer(CompletableFuture<T> future) throws Exception {
    return future.get(10, SECONDS);
  }

  @Test
  void topologyStoredThroughOneReplica_reachesTheOthersSubscriber() throws Exception {
    List<Topology> heard = new CopyOnWriteArrayList<>();
    second.topology().subscribe(heard::add);
    Topology v1 = Topology.EMPTY.with(VirtualNamespace.empty("orders"));
    Topology v2 = v1.with(VirtualNamespace.empty("payments"));

    assertThat(answer(first.topology().compareAndSet(v1))).isTrue();
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(v1));
    assertThat(answer(first.topology().compareAndSet(v2))).isTrue();
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.contains(v2));

    assertThat(heard).containsExactly(v1, v2);
    assertThat(answer(second.topology().load())).isEqualTo(v2);
  }

  @Test
  void compareAndSet_fromBothReplicasOnTheSameVersion_exactlyOneWinsEveryRound() throws Exception {
    Topology base = Topology.EMPTY;
    for (int round = 0; round < 20; round++) {
      Topology fromFirst = base.with(VirtualNamespace.empty("first-" + round));
      Topology fromSecond = base.with(VirtualNamespace.empty("second-" + round));

      // both in flight at once, on two connections
      CompletableFuture<Boolean> firstWrite = first.topology().compareAndSet(fromFirst);
      CompletableFuture<Boolean> secondWrite = second.topology().compareAndSet(fromSecond);

      boolean firstWon = answer(firstWrite);
      boolean secondWon = answer(secondWrite);
      assertThat(firstWon ^ secondWon).as("exactly one winner in round %d", round).isTrue();
      base = answer(second.topology().load());
      assertThat(base).isEqualTo(firstWon ? fromFirst : fromSecond);
    }
  }

  @Test
  void putIfAbsent_fromBothReplicasAtOnce_bothAreToldTheSameWinner() throws Exception {
    for (int i = 0; i < 20; i++) {
      MappingKey key = new MappingKey("orders", "order-" + i);

      CompletableFuture<String> fromFirst = first.mappings().putIfAbsent(key, "first@a:7233");
      CompletableFuture<String> fromSecond = second.mappings().putIfAbsent(key, "second@b:7233");

      String winner = answer(fromFirst);
      assertThat(answer(fromSecond)).isEqualTo(winner);
      assertThat(answer(second.mappings().get(key))).isEqualTo(winner);
    }
  }

  @Test
  void scanCursor_fromOneReplica_continuesOnTheOther() throws Exception {
    Set<MappingKey> stored = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      MappingKey key = new MappingKey("orders", "order-" + i);
      answer(first.mappings().putIfAbsent(key, "p1"));
      stored.add(key);
    }

    List<Entry> entries = new ArrayList<>();
    String cursor = null;
    boolean onFirst = true;
    do {
      // the cursor is all the state a walk has, so the replicas can take turns
      ScanPage page = answer((onFirst ? first : second).mappings().scan(cursor, 4));
      entries.addAll(page.entries());
      cursor = page.nextCursor();
      onFirst = !onFirst;
    } while (cursor != null);

    Set<MappingKey> walked = new HashSet<>();
    entries.forEach(e -> walked.add(e.key()));
    assertThat(walked).isEqualTo(stored);
  }

  // ---- tasks handed between replicas (RedisHandoff)

  @Test
  void bothReplicasSeeEachOther_andOneThatLeavesIsNoLongerCounted() {
    await()
        .atMost(NOTIFICATION_DEADLINE)
        .until(() -> first.handoff().shared() && second.handoff().shared());
    assertThat(first.handoff().replicas()).isEqualTo(2);
    first.handoff().leave();
    // the others hear of it at their next heartbeat (every second)
    await().atMost(NOTIFICATION_DEADLINE).until(() -> !second.handoff().shared());
    assertThat(second.handoff().replicas()).isEqualTo(1);
    assertThat(first.handoff().shared()).as("the one leaving still sees the other").isTrue();
  }

  @Test
  void offersAreAnnounced_andEachIsTakenExactlyOnce_firstBeforeTheOthers() throws Exception {
    List<String> heard = new CopyOnWriteArrayList<>();
    second.handoff().subscribe(heard::add);
    assertThat(answer(first.handoff().offer("q1", "t1", "one", false))).isTrue();
    assertThat(answer(first.handoff().offer("q1", "t2", "two", false))).isTrue();
    assertThat(answer(first.handoff().offer("q1", "t0", "zero", true))).isTrue();
    assertThat(answer(first.handoff().offer("q2", "t3", "other queue", false))).isTrue();
    await().atMost(NOTIFICATION_DEADLINE).until(() -> heard.size() == 4);
    assertThat(heard).containsExactlyInAnyOrder("q1", "q1", "q1", "q2");

    assertThat(answer(second.handoff().take("q1")).payload()).isEqualTo("zero");
    // the rest raced for from both replicas: each payload once, then nothing
    List<CompletableFuture<TaskHandoff.Taken>> takes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      takes.add((i % 2 == 0 ? first : second).handoff().take("q1"));
    }
    List<String> taken = new ArrayList<>();
    for (CompletableFuture<TaskHandoff.Taken> t : takes) {
      TaskHandoff.Taken v = answer(t);
      if (v.payload() != null) {
        taken.add(v.payload());
      } else {
        assertThat(v.drained()).as("an empty take says the pool is empty").isTrue();
      }
    }
    assertThat(taken).containsExactlyInAnyOrder("one", "two");
    // the take that emptied a pool says so: nobody needs to look again until the next offer
    TaskHandoff.Taken last = answer(second.handoff().take("q2"));
    assertThat(last.payload()).isEqualTo("other queue");
    assertThat(last.drained()).isTrue();
  }

  @Test
  void anOfferWhoseOutcomeIsUnknown_isSettledOneWayOnly() throws Exception {
    RedisHandoff offering = (RedisHandoff) first.handoff();
    RedisHandoff taking = (RedisHandoff) second.handoff();
    // the offer never ran: the task stays, and the offer can no longer run late
    assertThat(answer(offering.takeBack("q", "never", "lost?"))).isTrue();
    assertThat(answer(offering.offer("q", "never", "lost?", false))).isFalse();
    assertThat(answer(taking.take("q")).payload()).isNull();
    // it ran and nobody took it: out of the pool again, also when the take-back is repeated
    assertThat(answer(offering.offer("q", "ran", "kept", false))).isTrue();
    assertThat(answer(offering.takeBack("q", "ran", "kept"))).isTrue();
    assertThat(answer(offering.takeBack("q", "ran", "kept"))).isTrue();
    assertThat(answer(taking.take("q")).payload()).isNull();
    // it ran and another replica took it: it is theirs
    assertThat(answer(offering.offer("q", "taken", "theirs", false))).isTrue();
    assertThat(answer(taking.take("q")).payload()).isEqualTo("theirs");
    assertThat(answer(offering.takeBack("q", "taken", "theirs"))).isFalse();
  }

  @Test
  void aTakeRepeatedAfterAnUnknownOutcome_answersWhatItTookTheFirstTime() throws Exception {
    RedisHandoff taking = (RedisHandoff) second.handoff();
    assertThat(answer(first.handoff().offer("q", "a", "first", false))).isTrue();
    assertThat(answer(first.handoff().offer("q", "b", "second", false))).isTrue();
    TaskHandoff.Taken once = answer(taking.takeOnce("q", "take-1"));
    assertThat(once.payload()).isEqualTo("first");
    assertThat(once.drained()).as("one left").isFalse();
    TaskHandoff.Taken repeated = answer(taking.takeOnce("q", "take-1"));
    assertThat(repeated.payload()).isEqualTo("first");
    assertThat(repeated.drained()).as("a repeat cannot tell what is left").isFalse();
    TaskHandoff.Taken next = answer(taking.takeOnce("q", "take-2"));
    assertThat(next.payload()).isEqualTo("second");
    assertThat(next.drained()).isTrue();
    assertThat(answer(taking.takeOnce("q", "take-3"))).isEqualTo(TaskHandoff.Taken.NOTHING);
  }
}
