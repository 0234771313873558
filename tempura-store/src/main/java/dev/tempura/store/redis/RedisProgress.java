package dev.tempura.store.redis;

import static java.util.Objects.requireNonNull;

import dev.tempura.store.ProgressStore;
import dev.tempura.store.redis.RedisConnection.Script;
import io.lettuce.core.ScriptOutputType;
import java.util.concurrent.CompletableFuture;

/**
 * Progress records in Redis: the string {@code <prefix>progress:<name>}, shared by every replica
 * with the same key prefix. {@link #compareAndSet} is a Lua script on that one key, so it is atomic
 * in a cluster too (no hash tag needed). See {@link RedisConnection} for failures and threads.
 */
final class RedisProgress implements ProgressStore {
  // ARGV: has-expected (0/1), expected, has-next (0/1), next
  private static final Script COMPARE_AND_SET =
      new Script(
          """
          local stored = redis.call('GET', KEYS[1])
          if ARGV[1] == '0' then
            if stored then
              return 0
            end
          elseif stored ~= ARGV[2] then
            return 0
          end
          if ARGV[3] == '0' then
            redis.call('DEL', KEYS[1])
          else
            redis.call('SET', KEYS[1], ARGV[4])
          end
          return 1
          """);

  private final RedisConnection connection;
  private final RedisKeys keys;

  RedisProgress(RedisConnection connection) {
    this.connection = connection;
    this.keys = connection.keys();
  }

  @Override
  public CompletableFuture<String> get(String name) {
    String k = keys.progressKey(requireNonNull(name, "name"));
    return connection.call(() -> connection.commands().get(k));
  }

  @Override
  public CompletableFuture<Boolean> compareAndSet(String name, String expected, String next) {
    String k = keys.progressKey(requireNonNull(name, "name"));
    return connection.call(
        () ->
            connection
                .<Long>evaluate(
                    COMPARE_AND_SET,
                    ScriptOutputType.INTEGER,
                    k,
                    expected == null ? "0" : "1",
                    expected == null ? "" : expected,
                    next == null ? "0" : "1",
                    next == null ? "" : next)
                .thenApply(r -> r != null && r == 1L));
  }

  @Override
  public String toString() {
    return connection.toString();
  }
}
