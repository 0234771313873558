package dev.tempura.bench;

import dev.tempura.local.ForwardingServer;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.testing.TestServerProcess;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two Tempura replicas on the local Redis behind a per-request round-robin balancer, as a
 * deployment behind nginx {@code grpc_pass}, Envoy or a service mesh runs. {@code tempura serve}
 * takes a Redis URI with the default key prefix, so the replicas get a Redis database of their own
 * that was empty, and their keys are deleted afterwards.
 */
final class Replicas implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Replicas.class);
  private static final String HOST = "127.0.0.1";
  private static final int PORT = 6379;

  private final int database;
  private final List<TempuraProcess> replicas;
  private final ForwardingServer balancer;

  private Replicas(int database, List<TempuraProcess> replicas, ForwardingServer balancer) {
    this.database = database;
    this.replicas = replicas;
    this.balancer = balancer;
  }

  /** Null when no Redis answers at 127.0.0.1:6379 or none of its databases 1 to 15 is empty. */
  static Replicas start(
      Path jar, Path work, TestServerProcess a, TestServerProcess b, int count, String namespace)
      throws IOException, InterruptedException {
    if (Machine.redisVersion(HOST, PORT).isEmpty()) {
      return null;
    }
    int db = emptyDatabase();
    if (db < 0) {
      log.warn("no empty Redis database among 1 to 15");
      return null;
    }
    String uri = "redis://" + HOST + ":" + PORT + "/" + db;
    List<TempuraProcess> started = new ArrayList<>();
    try {
      for (int i = 1; i <= count; i++) {
        started.add(
            TempuraProcess.startOnRedis("tempura-" + namespace + "-replica-" + i, jar, work, uri));
      }
      // through the first; the second hears of it through Redis
      started
          .get(0)
          .virtualNamespace(
              namespace,
              List.<String[]>of(
                  new String[] {namespace + "-a", a.address()},
                  new String[] {namespace + "-b", b.address()}));
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!allSee(started, count)) {
        if (System.nanoTime() > deadline) {
          throw new IOException("the replicas did not see each other within 10 s");
        }
        Thread.sleep(100);
      }
      ForwardingServer lb =
          ForwardingServer.roundRobin(
              started.stream().map(TempuraProcess::address).toList(), ByteMarshaller.INSTANCE);
      return new Replicas(db, started, lb);
    } catch (IOException | InterruptedException | RuntimeException e) {
      started.forEach(TempuraProcess::close);
      deleteKeys(db);
      throw e;
    }
  }

  /** Whether every replica counts {@code count} replicas (itself included) sharing the store. */
  private static boolean allSee(List<TempuraProcess> replicas, int count)
      throws IOException, InterruptedException {
    for (TempuraProcess r : replicas) {
      if (r.metricOrZero("tempura_poll_replicas") < count) {
        return false;
      }
    }
    return true;
  }

  String address() {
    return balancer.address();
  }

  List<TempuraProcess> replicas() {
    return replicas;
  }

  @Override
  public void close() {
    balancer.close();
    replicas.forEach(TempuraProcess::close);
    deleteKeys(database);
  }

  private static int emptyDatabase() {
    RedisClient client = RedisClient.create("redis://" + HOST + ":" + PORT);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      for (int db = 1; db < 16; db++) {
        c.sync().select(db);
        if (c.sync().dbsize() == 0) {
          return db;
        }
      }
      return -1;
    } finally {
      client.shutdown();
    }
  }

  /** What the replicas wrote: everything under their (default) key prefix. */
  private static void deleteKeys(int db) {
    RedisClient client = RedisClient.create("redis://" + HOST + ":" + PORT + "/" + db);
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      List<String> keys = c.sync().keys("tempura:*");
      if (!keys.isEmpty()) {
        c.sync().del(keys.toArray(String[]::new));
      }
    } finally {
      client.shutdown();
    }
  }
}
