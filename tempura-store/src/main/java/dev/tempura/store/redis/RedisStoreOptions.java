package dev.tempura.store.redis;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the Redis store ({@link dev.tempura.store.Stores#redis}) connects; immutable, made with
 * {@link #builder(String)}.
 *
 * <p>The URI names standalone Redis as {@code redis://[[user:]password@]host[:port][/database]}, or
 * {@code rediss://...} for TLS, and Redis Cluster by one or more seed nodes as {@code
 * redis-cluster://[[user:]password@]host1:port1,host2:port2}, or {@code rediss-cluster://...} for
 * TLS. The port defaults to 6379; user and password are percent-decoded, and a user-info without a
 * colon is read as a password, as Lettuce does.
 */
public final class RedisStoreOptions {
  public static final String DEFAULT_KEY_PREFIX = "tempura:";
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_TOPOLOGY_POLL_INTERVAL = Duration.ofSeconds(1);

  private final String uri;
  private final RedisEndpoint endpoint;
  private final String keyPrefix;
  private final Duration commandTimeout;
  private final Duration topologyPollInterval;

  private RedisStoreOptions(Builder builder) {
    this.uri = builder.uri;
    this.endpoint = builder.endpoint;
    this.keyPrefix = builder.keyPrefix;
    this.commandTimeout = builder.commandTimeout;
    this.topologyPollInterval = builder.topologyPollInterval;
  }

  /**
   * Starts options for {@code uri}; throws {@link IllegalArgumentException} at once if it is not
   * one of the forms in the class description.
   */
  public static Builder builder(String uri) {
    return new Builder(uri);
  }

  /** The URI as given, password included; {@link #toString()} leaves the password out. */
  public String uri() {
    return uri;
  }

  public boolean isCluster() {
    return endpoint.cluster();
  }

  /** What every key and the topology channel begin with; default {@value #DEFAULT_KEY_PREFIX}. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * How long a command, and connecting, may take before it fails; default 2 seconds. It bounds how
   * long a call can wait on a Redis that stopped answering.
   */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /**
   * How often subscribers' topology is reloaded besides the pub/sub announcements, which can be
   * lost while a connection is down; default 1 second.
   */
  public Duration topologyPollInterval() {
    return topologyPollInterval;
  }

  RedisEndpoint endpoint() {
    return endpoint;
  }

  @Override
  public String toString() {
    return "RedisStoreOptions[uri="
        + endpoint
        + ", keyPrefix="
        + keyPrefix
        + ", commandTimeout="
        + commandTimeout
        + ", topologyPollInterval="
        + topologyPollInterval
        + "]";
  }

  /** Options of a Redis store; {@link #build()} copies them. */
  public static final class Builder {
    private final String uri;
    private final RedisEndpoint endpoint;
    private String keyPrefix = DEFAULT_KEY_PREFIX;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration topologyPollInterval = DEFAULT_TOPOLOGY_POLL_INTERVAL;

    private Builder(String uri) {
      this.uri = requireNonNull(uri, "uri");
      this.endpoint = RedisEndpoint.parse(uri);
    }

    /**
     * What every key and the topology channel begin with. Replicas sharing mappings must use the
     * same prefix; deployments sharing one Redis keep apart by using different ones.
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = requireNonNull(keyPrefix, "keyPrefix");
      return this;
    }

    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout = requirePositive(commandTimeout, "commandTimeout");
      return this;
    }

    public Builder topologyPollInterval(Duration topologyPollInterval) {
      this.topologyPollInterval = requirePositive(topologyPollInterval, "topologyPollInterval");
      return this;
    }

    public RedisStoreOptions build() {
      return new RedisStoreOptions(this);
    }

    private static Duration requirePositive(Duration value, String name) {
      requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
      }
      return value;
    }
  }
}
