package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lettuce.core.RedisURI;
import java.net.URLDecoder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where the Redis store connects, parsed from {@link RedisStoreOptions#uri()}. Lettuce's own URI
 * parser knows no cluster scheme and takes several hosts only for Sentinel, so one parser here
 * reads both forms the same way.
 */
final class RedisEndpoint {
  static final int DEFAULT_PORT = 6379;

  private final boolean cluster;
  private final boolean tls;
  private final String username;
  private final String password;
  private final int database;
  private final List<HostAndPort> hosts;

  private RedisEndpoint(
      boolean cluster,
      boolean tls,
      String username,
      String password,
      int database,
      List<HostAndPort> hosts) {
    this.cluster = cluster;
    this.tls = tls;
    this.username = username;
    this.password = password;
    this.database = database;
    this.hosts = List.copyOf(hosts);
  }

  record HostAndPort(String host, int port) {
    @Override
    public String toString() {
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /**
   * Parses {@code scheme://[[user:]password@]host[:port][,host[:port]...][/database]}; throws
   * {@link IllegalArgumentException} naming what is wrong, without repeating the password.
   */
  static RedisEndpoint parse(String uri) {
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0) {
      throw invalid("missing scheme");
    }
    String scheme = uri.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
    boolean cluster;
    boolean tls;
    switch (scheme) {
      case "redis" -> {
        cluster = false;
        tls = false;
      }
      case "rediss" -> {
        cluster = false;
        tls = true;
      }
      case "redis-cluster" -> {
        cluster = true;
        tls = false;
      }
      case "rediss-cluster" -> {
        cluster = true;
        tls = true;
      }
      default ->
          throw invalid(
              "unsupported scheme '"
                  + scheme
                  + "' (expected: redis, rediss, redis-cluster or rediss-cluster)");
    }
    String rest = uri.substring(schemeEnd + 3);
    if (rest.indexOf('?') >= 0 || rest.indexOf('#') >= 0) {
      throw invalid("query parameters are not supported; use the store options");
    }
    int at = rest.lastIndexOf('@');
    String userInfo = at < 0 ? null : rest.substring(0, at);
    String hostsAndPath = rest.substring(at + 1);
    int slash = hostsAndPath.indexOf('/');
    String hostList = slash < 0 ? hostsAndPath : hostsAndPath.substring(0, slash);
    String path = slash < 0 ? "" : hostsAndPath.substring(slash + 1);

    String username = null;
    String password = null;
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      // Lettuce's reading: a user-info without a colon is a password, as AUTH without ACLs takes
      String user = colon < 0 ? "" : decode(userInfo.substring(0, colon));
      password = decode(colon < 0 ? userInfo : userInfo.substring(colon + 1));
      username = user.isEmpty() ? null : user;
      if (password.isEmpty()) {
        throw invalid("empty password");
      }
    }

    List<HostAndPort> hosts = new ArrayList<>();
    for (String hostAndPort : hostList.split(",", -1)) {
      hosts.add(parseHost(hostAndPort));
    }
    if (!cluster && hosts.size() > 1) {
      throw invalid(
          "several hosts need the redis-cluster scheme (got "
              + hosts.size()
              + " for "
              + scheme
              + ")");
    }

    int database = 0;
    if (!path.isEmpty()) {
      try {
        database = Integer.parseInt(path);
      } catch (NumberFormatException e) {
        throw invalid("database '" + path + "' is not a number");
      }
      if (database < 0) {
        throw invalid("database " + database + " (expected: >= 0)");
      }
      if (cluster && database != 0) {
        throw invalid("Redis Cluster has database 0 only (got " + database + ")");
      }
    }
    return new RedisEndpoint(cluster, tls, username, password, database, hosts);
  }

  private static HostAndPort parseHost(String hostAndPort) {
    String host;
    String port;
    if (hostAndPort.startsWith("[")) {
      int close = hostAndPort.indexOf(']');
      if (close < 0) {
        throw invalid("unclosed '[' in host '" + hostAndPort + "'");
      }
      host = hostAndPort.substring(1, close);
      String after = hostAndPort.substring(close + 1);
      if (!after.isEmpty() && !after.startsWith(":")) {
        throw invalid("host '" + hostAndPort + "' (expected: [address]:port)");
      }
      port = after.isEmpty() ? null : after.substring(1);
    } else {
      int colon = hostAndPort.lastIndexOf(':');
      host = colon < 0 ? hostAndPort : hostAndPort.substring(0, colon);
      port = colon < 0 ? null : hostAndPort.substring(colon + 1);
    }
    if (host.isEmpty()) {
      throw invalid("empty host");
    }
    if (port == null) {
      return new HostAndPort(host, DEFAULT_PORT);
    }
    int number;
    try {
      number = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw invalid("port '" + port + "' of host '" + host + "' is not a number");
    }
    if (number < 1 || number > 65_535) {
      throw invalid("port " + number + " of host '" + host + "' (expected: 1 to 65535)");
    }
    return new HostAndPort(host, number);
  }

  private static String decode(String percentEncoded) {
    // URLDecoder would read '+' as a space, which is no part of URI user-info
    return URLDecoder.decode(percentEncoded.replace("+", "%2B"), UTF_8);
  }

  private static IllegalArgumentException invalid(String reason) {
    return new IllegalArgumentException("uri: " + reason);
  }

  boolean cluster() {
    return cluster;
  }

  boolean tls() {
    return tls;
  }

  int database() {
    return database;
  }

  List<HostAndPort> hosts() {
    return hosts;
  }

  /** Lettuce URIs for the hosts; fresh on every call because {@link RedisURI} is mutable. */
  List<RedisURI> redisUris(Duration commandTimeout) {
    List<RedisURI> uris = new ArrayList<>(hosts.size());
    for (HostAndPort h : hosts) {
      RedisURI.Builder b =
          RedisURI.builder()
              .withHost(h.host())
              .withPort(h.port())
              .withSsl(tls)
              .withDatabase(database)
              .withTimeout(commandTimeout);
      if (password != null && username != null) {
        b.withAuthentication(username, password.toCharArray());
      } else if (password != null) {
        b.withPassword(password.toCharArray());
      }
      uris.add(b.build());
    }
    return uris;
  }

  /** The URI without its password, for messages and logs. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    sb.append(tls ? "rediss" : "redis").append(cluster ? "-cluster" : "").append("://");
    if (password != null) {
      if (username != null) {
        sb.append(username).append(':');
      }
      sb.append("***@");
    }
    for (int i = 0; i < hosts.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(hosts.get(i));
    }
    if (database != 0) {
      sb.append('/').append(database);
    }
    return sb.toString();
  }
}
