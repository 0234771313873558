package dev.tempura.topology;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * Where a Temporal cluster's frontend listens: a host (a DNS name, an IPv4 address or a bracketed
 * IPv6 address) and a port. Parsed once, where an address enters Tempura (the admin API, the CLI, a
 * topology file, a stored topology); everything downstream uses the parts and never parses a string
 * again.
 *
 * <p>{@link #toString()} is the canonical {@code host:port} form, which is also the address part of
 * a physical namespace's id, so it must never change for an address that parses today.
 *
 * <p>A class rather than a record only so that the text form is made once: it is part of every
 * physical namespace id, which the data plane builds on every call.
 */
public final class ClusterAddress {
  /** The longest DNS name (RFC 1035), and so the longest host. */
  static final int MAX_HOST_LENGTH = 253;

  private static final int MAX_LABEL_LENGTH = 63;

  private final String host;
  private final int port;
  private final String text;

  /**
   * @param host a DNS name or an IPv4 literal as given, or an IPv6 literal without brackets
   * @param port 1-65535
   * @throws IllegalArgumentException naming what is wrong
   */
  public ClusterAddress(String host, int port) {
    requireNonNull(host, "host");
    String problem = hostProblem(host);
    if (problem != null) {
      throw new IllegalArgumentException(
          "cluster_address: host '" + Names.printable(host) + "' " + problem);
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("cluster_address: port " + port + " (expected: 1-65535)");
    }
    this.host = host;
    this.port = port;
    this.text = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }

  public String host() {
    return host;
  }

  public int port() {
    return port;
  }

  /**
   * Parses {@code host:port} or {@code [ipv6]:port}.
   *
   * @throws IllegalArgumentException with one readable line that names what is wrong
   */
  public static ClusterAddress parse(String text) {
    requireNonNull(text, "text");
    String shown = Names.printable(text);
    if (text.isEmpty()) {
      throw new IllegalArgumentException("cluster_address: empty (expected: host:port)");
    }
    if (text.length() > MAX_HOST_LENGTH + 8) {
      throw new IllegalArgumentException(
          "cluster_address: longer than "
              + (MAX_HOST_LENGTH + 8)
              + " characters (expected: host:port)");
    }
    if (text.contains("://")) {
      throw new IllegalArgumentException(
          "cluster_address '"
              + shown
              + "': no scheme allowed (expected: host:port, as in cluster-a.example.com:7233)");
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new IllegalArgumentException(
            "cluster_address '"
                + shown
                + "': contains spaces or control characters (expected: host:port)");
      }
      if (c == '/' || c == '?' || c == '#' || c == '@') {
        throw new IllegalArgumentException(
            "cluster_address '"
                + shown
                + "': contains '"
                + c
                + "' (expected: host:port, no path or user)");
      }
    }
    String host;
    String portText;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("cluster_address '" + shown + "': expected [ipv6]:port");
      }
      host = text.substring(1, close);
      if (!host.contains(":")) {
        throw new IllegalArgumentException(
            "cluster_address '" + shown + "': brackets are for IPv6 addresses only");
      }
      portText = text.substring(close + 2);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "cluster_address '"
                + shown
                + "': no port (expected: host:port, as in "
                + shown
                + ":7233)");
      }
      host = text.substring(0, colon);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            "cluster_address '" + shown + "': an IPv6 address needs brackets, as in [::1]:7233");
      }
      portText = text.substring(colon + 1);
    }
    return new ClusterAddress(host, parsePort(portText, shown));
  }

  private static int parsePort(String portText, String shown) {
    if (portText.isEmpty()
        || portText.length() > 5
        || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException(
          "cluster_address '"
              + shown
              + "': port '"
              + portText
              + "' is not a number from 1 to 65535");
    }
    int port = Integer.parseInt(portText);
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException(
          "cluster_address '" + shown + "': port " + port + " is out of range (expected: 1-65535)");
    }
    return port;
  }

  /** Null when {@code host} is a DNS name, an IPv4 literal or an IPv6 literal; else why not. */
  private static String hostProblem(String host) {
    if (host.isEmpty()) {
      return "is empty (expected: a DNS name or an IP address)";
    }
    if (host.indexOf(':') >= 0) {
      return isIpv6(host) ? null : "is not a valid IPv6 address";
    }
    if (host.length() > MAX_HOST_LENGTH) {
      return "is longer than " + MAX_HOST_LENGTH + " characters";
    }
    String[] labels = host.split("\\.", -1);
    boolean allNumeric = true;
    for (String label : labels) {
      if (label.isEmpty()) {
        return "has an empty label (expected: a DNS name such as cluster-a.example.com)";
      }
      if (label.length() > MAX_LABEL_LENGTH) {
        return "has a label longer than " + MAX_LABEL_LENGTH + " characters";
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_';
        if (!ok) {
          return "contains '"
              + Names.printable(String.valueOf(c))
              + "' (expected: letters, digits, '-', '_' and '.')";
        }
        if (c < '0' || c > '9') {
          allNumeric = false;
        }
      }
      if (label.startsWith("-") || label.endsWith("-")) {
        return "has a label that starts or ends with '-'";
      }
    }
    if (allNumeric) {
      // digits and dots only: it must be an IPv4 address, or resolvers would guess
      if (labels.length != 4) {
        return "is not a valid IPv4 address";
      }
      for (String label : labels) {
        if (label.length() > 3 || Integer.parseInt(label) > 255) {
          return "is not a valid IPv4 address";
        }
      }
    }
    return null;
  }

  /** RFC 4291 text form: up to eight groups of 1-4 hex digits, one {@code ::}, an IPv4 tail. */
  private static boolean isIpv6(String host) {
    String s = host.toLowerCase(Locale.ROOT);
    int zone = s.indexOf('%');
    if (zone >= 0) {
      return false; // zone ids name a local interface; no use for a cluster address
    }
    int doubleColon = s.indexOf("::");
    if (doubleColon >= 0 && s.indexOf("::", doubleColon + 1) >= 0) {
      return false;
    }
    String[] parts = s.split(":", -1);
    int groups = 0;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty()) {
        continue; // part of "::", checked above; a lone leading/trailing ':' is caught below
      }
      if (i == parts.length - 1 && part.indexOf('.') >= 0) {
        if (hostProblem(part) != null
            || !part.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
          return false;
        }
        groups += 2;
        continue;
      }
      if (part.length() > 4
          || !part.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
      groups++;
    }
    if ((s.startsWith(":") && !s.startsWith("::")) || (s.endsWith(":") && !s.endsWith("::"))) {
      return false;
    }
    return doubleColon >= 0 ? groups < 8 : groups == 8;
  }

  /** True when both name the same cluster: host names compare without case, as DNS does. */
  public boolean sameCluster(ClusterAddress other) {
    return port == other.port && host.equalsIgnoreCase(other.host);
  }

  /** {@code host:port}, or {@code [host]:port} for an IPv6 address. */
  @Override
  public String toString() {
    return text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClusterAddress other && port == other.port && host.equals(other.host);
  }

  @Override
  public int hashCode() {
    return host.hashCode() * 31 + port;
  }
}
