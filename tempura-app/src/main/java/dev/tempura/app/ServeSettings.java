package dev.tempura.app;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Where {@code tempura serve} listens and keeps its data, resolved from flags, environment
 * variables, a config file and defaults, in that order of precedence.
 *
 * @param bind the gRPC bind address
 * @param grpcPort the gRPC port; 0 picks a free one
 * @param adminBind the admin API bind address
 * @param adminPort the admin API port; 0 picks a free one
 * @param dataDir the directory of the embedded store
 * @param store {@code embedded}, or a Redis URI ({@code redis://host:6379}, {@code
 *     redis-cluster://h1:p1,h2:p2}) for replicas sharing mappings and topology
 * @param security TLS, credentials, audit and limits
 * @param otlpTraces the OTLP/HTTP traces URL spans are sent to, or null for no tracing (the
 *     default)
 */
public record ServeSettings(
    String bind,
    int grpcPort,
    String adminBind,
    int adminPort,
    Path dataDir,
    String store,
    SecuritySettings security,
    java.net.URI otlpTraces) {

  static final String GRPC_PORT = "grpc-port";
  static final String ADMIN_PORT = "admin-port";
  static final String BIND = "bind";
  static final String ADMIN_BIND = "admin-bind";
  static final String DATA_DIR = "data-dir";
  static final String CONFIG = "config";
  static final String STORE = "store";
  static final String EMBEDDED = "embedded";
  static final String TLS_CERT = "tls-cert";
  static final String TLS_KEY = "tls-key";
  static final String TLS_CLIENT_CA = "tls-client-ca";
  static final String TLS_CLIENT_AUTH = "tls-client-auth";
  static final String BACKENDS_CONFIG = "backends-config";
  static final String ADMIN_TOKEN = "admin-token";
  static final String ADMIN_TOKEN_FILE = "admin-token-file";
  static final String ADMIN_TLS_CERT = "admin-tls-cert";
  static final String ADMIN_TLS_KEY = "admin-tls-key";
  static final String ADMIN_TLS_CLIENT_CA = "admin-tls-client-ca";
  static final String AUDIT_LOG = "audit-log";
  static final String MAX_MESSAGE_BYTES = "max-message-bytes";
  static final String MAX_PARKED_POLLS_PER_CLIENT = "max-parked-polls-per-client";
  static final String RATE_LIMIT_PER_NAMESPACE = "rate-limit-per-namespace";
  static final String OTLP_ENDPOINT = "otlp-endpoint";

  static final int DEFAULT_GRPC_PORT = 8088;
  static final int DEFAULT_ADMIN_PORT = 8089;
  static final String DEFAULT_BIND = "0.0.0.0";
  static final String DEFAULT_ADMIN_BIND = "127.0.0.1";
  static final String DEFAULT_DATA_DIR = "./data";

  /** The settings a config file may hold; {@code config} itself is not one of them. */
  private static final List<String> FILE_KEYS =
      List.of(
          GRPC_PORT,
          ADMIN_PORT,
          BIND,
          ADMIN_BIND,
          DATA_DIR,
          STORE,
          TLS_CERT,
          TLS_KEY,
          TLS_CLIENT_CA,
          TLS_CLIENT_AUTH,
          BACKENDS_CONFIG,
          ADMIN_TOKEN,
          ADMIN_TOKEN_FILE,
          ADMIN_TLS_CERT,
          ADMIN_TLS_KEY,
          ADMIN_TLS_CLIENT_CA,
          AUDIT_LOG,
          MAX_MESSAGE_BYTES,
          MAX_PARKED_POLLS_PER_CLIENT,
          RATE_LIMIT_PER_NAMESPACE,
          OTLP_ENDPOINT);

  public ServeSettings {
    requireAddress(bind, BIND);
    requireAddress(adminBind, ADMIN_BIND);
    requirePort(grpcPort, GRPC_PORT);
    requirePort(adminPort, ADMIN_PORT);
    requireNonNull(dataDir, DATA_DIR);
    requireNonNull(store, STORE);
    requireNonNull(security, "security");
    if (!store.equals(EMBEDDED) && !store.matches("^rediss?(-cluster)?://.+")) {
      throw new IllegalArgumentException(
          STORE
              + ": '"
              + store
              + "' (expected: embedded, redis://..., rediss://..., redis-cluster://...)");
    }
  }

  /** Settings with the default security: plaintext, no credentials, default limits. */
  public ServeSettings(
      String bind, int grpcPort, String adminBind, int adminPort, Path dataDir, String store) {
    this(bind, grpcPort, adminBind, adminPort, dataDir, store, SecuritySettings.DEFAULTS);
  }

  /** Settings without tracing. */
  public ServeSettings(
      String bind,
      int grpcPort,
      String adminBind,
      int adminPort,
      Path dataDir,
      String store,
      SecuritySettings security) {
    this(bind, grpcPort, adminBind, adminPort, dataDir, store, security, null);
  }

  /** Settings with another store. */
  public ServeSettings withStore(String newStore) {
    return new ServeSettings(
        bind, grpcPort, adminBind, adminPort, dataDir, newStore, security, otlpTraces);
  }

  /** Settings with other security settings. */
  public ServeSettings withSecurity(SecuritySettings newSecurity) {
    return new ServeSettings(
        bind, grpcPort, adminBind, adminPort, dataDir, store, newSecurity, otlpTraces);
  }

  /** The audit log file, or null for standard output. */
  public Path auditLogFile() {
    String where = security.auditLog();
    if (where == null) {
      return dataDir.resolve("audit.log");
    }
    return where.equals("-") ? null : Path.of(where);
  }

  /** True for the embedded store (one process); false for Redis. */
  public boolean embeddedStore() {
    return store.equals(EMBEDDED);
  }

  /** Loopback only, on free ports: for a Tempura that lives inside another program. */
  public static ServeSettings loopback(Path dataDir) {
    return loopback(dataDir, 0, 0);
  }

  /** Loopback only, on the given ports (0 for a free one each). */
  public static ServeSettings loopback(Path dataDir, int grpcPort, int adminPort) {
    return new ServeSettings("127.0.0.1", grpcPort, "127.0.0.1", adminPort, dataDir, EMBEDDED);
  }

  /**
   * Resolves every setting as flag, else environment variable, else config file, else default.
   *
   * @param flags values given on the command line, keyed by long option name without dashes ({@code
   *     grpc-port}); absent keys were not given
   * @param env the environment, read for {@code TEMPURA_GRPC_PORT} and so on; blank values count as
   *     unset, so that {@code TEMPURA_BIND=} in an env file does not override a config file
   * @throws IllegalArgumentException naming the setting and where its bad value came from
   */
  static ServeSettings resolve(Map<String, String> flags, Map<String, String> env) {
    requireNonNull(flags, "flags");
    requireNonNull(env, "env");
    for (String key : flags.keySet()) {
      if (!key.equals(CONFIG) && !FILE_KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown setting: " + key);
      }
    }
    Layers layers = new Layers(flags, env, loadConfig(new Layers(flags, env, null)));
    return new ServeSettings(
        layers.address(BIND, DEFAULT_BIND),
        layers.port(GRPC_PORT, DEFAULT_GRPC_PORT),
        layers.address(ADMIN_BIND, DEFAULT_ADMIN_BIND),
        layers.port(ADMIN_PORT, DEFAULT_ADMIN_PORT),
        layers.path(DATA_DIR, DEFAULT_DATA_DIR),
        layers.address(STORE, EMBEDDED),
        security(layers),
        otlpTraces(layers, env));
  }

  /**
   * The traces URL: {@code --otlp-endpoint} (or TEMPURA_OTLP_ENDPOINT, or the config file), else
   * OpenTelemetry's own variables, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the traces URL itself) or
   * OTEL_EXPORTER_OTLP_ENDPOINT; a base URL gets {@code v1/traces} appended, as the OpenTelemetry
   * SDKs do. Only OTLP over HTTP with protobuf is sent: a protocol variable asking for another one
   * is refused rather than ignored.
   */
  private static java.net.URI otlpTraces(Layers layers, Map<String, String> env) {
    Value v = layers.find(OTLP_ENDPOINT);
    boolean signalUrl = false;
    if (v == null) {
      v = fromEnv(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
      signalUrl = v != null;
    }
    if (v == null) {
      v = fromEnv(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
    }
    if (v == null) {
      return null;
    }
    for (String name :
        List.of("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")) {
      Value protocol = fromEnv(env, name);
      if (protocol != null) {
        if (!protocol.text().equals("http/protobuf")) {
          throw new IllegalArgumentException(
              name
                  + ": '"
                  + protocol.text()
                  + "' is not supported (expected: http/protobuf; Tempura sends OTLP over HTTP,"
                  + " port 4318 on a collector)");
        }
        break;
      }
    }
    try {
      java.net.URI url = new java.net.URI(v.text());
      return signalUrl ? checked(url) : dev.tempura.proxy.trace.TracingOptions.tracesUrl(url);
    } catch (java.net.URISyntaxException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          OTLP_ENDPOINT + ": '" + v.text() + "' from " + v.source() + ": " + e.getMessage(), e);
    }
  }

  private static java.net.URI checked(java.net.URI url) {
    dev.tempura.proxy.trace.TracingOptions.checkHttpUrl(url);
    return url;
  }

  private static Value fromEnv(Map<String, String> env, String name) {
    String text = env.get(name);
    return text == null || text.isBlank() ? null : new Value(name, text.strip(), name);
  }

  private static SecuritySettings security(Layers layers) {
    Value clientAuth = layers.find(TLS_CLIENT_AUTH);
    dev.tempura.proxy.security.ServerTls.ClientAuth auth = null;
    if (clientAuth != null) {
      try {
        auth = dev.tempura.proxy.security.ServerTls.ClientAuth.parse(clientAuth.text());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            TLS_CLIENT_AUTH
                + ": '"
                + clientAuth.text()
                + "' from "
                + clientAuth.source()
                + " (expected: none, optional or require)",
            e);
      }
    }
    Value token = layers.find(ADMIN_TOKEN);
    return new SecuritySettings(
        layers.optionalPath(TLS_CERT),
        layers.optionalPath(TLS_KEY),
        layers.optionalPath(TLS_CLIENT_CA),
        auth,
        layers.optionalPath(BACKENDS_CONFIG),
        token == null ? null : token.text(),
        layers.optionalPath(ADMIN_TOKEN_FILE),
        layers.optionalPath(ADMIN_TLS_CERT),
        layers.optionalPath(ADMIN_TLS_KEY),
        layers.optionalPath(ADMIN_TLS_CLIENT_CA),
        layers.address(AUDIT_LOG, null),
        layers.integer(MAX_MESSAGE_BYTES, SecuritySettings.DEFAULTS.maxMessageBytes(), 1),
        layers.integer(
            MAX_PARKED_POLLS_PER_CLIENT, SecuritySettings.DEFAULTS.maxParkedPollsPerClient(), 0),
        layers.decimal(RATE_LIMIT_PER_NAMESPACE, 0));
  }

  /** The environment variable that holds {@code key}: {@code grpc-port} → TEMPURA_GRPC_PORT. */
  static String envName(String key) {
    return "TEMPURA_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  private static ConfigFile loadConfig(Layers withoutFile) {
    Value location = withoutFile.find(CONFIG);
    if (location == null) {
      return null;
    }
    Path file = toPath(location);
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(in);
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "cannot read config file "
              + file
              + " (from "
              + location.source()
              + "): "
              + e.getMessage(),
          e);
    }
    for (String key : properties.stringPropertyNames()) {
      if (!FILE_KEYS.contains(key)) {
        // a typo would otherwise be ignored silently and the default used instead
        throw new IllegalArgumentException(
            "config file "
                + file
                + ": unknown key '"
                + key
                + "' (expected one of: "
                + String.join(", ", FILE_KEYS)
                + ")");
      }
    }
    return new ConfigFile(file, properties);
  }

  private static Path toPath(Value value) {
    try {
      return Path.of(value.text());
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(
          value.key() + ": '" + value.text() + "' from " + value.source() + " is not a path", e);
    }
  }

  private static void requireAddress(String address, String key) {
    requireNonNull(address, key);
    if (address.isBlank()) {
      throw new IllegalArgumentException(key + ": blank (expected: a host or IP)");
    }
  }

  private static void requirePort(int port, String key) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(key + ": " + port + " (expected: 0-65535)");
    }
  }

  private record ConfigFile(Path file, Properties properties) {}

  /** A raw setting and where it came from, for error messages. */
  private record Value(String key, String text, String source) {}

  private record Layers(Map<String, String> flags, Map<String, String> env, ConfigFile config) {
    /** The winning value of {@code key}, or null when no layer sets it. */
    Value find(String key) {
      String flag = flags.get(key);
      if (flag != null) {
        // an explicit empty flag is a mistake rather than a way to unset
        if (flag.isBlank()) {
          throw new IllegalArgumentException("--" + key + ": blank value");
        }
        return new Value(key, flag.strip(), "--" + key);
      }
      String envName = envName(key);
      String fromEnv = env.get(envName);
      if (fromEnv != null && !fromEnv.isBlank()) {
        return new Value(key, fromEnv.strip(), envName);
      }
      if (config != null) {
        String fromFile = config.properties().getProperty(key);
        if (fromFile != null && !fromFile.isBlank()) {
          return new Value(key, fromFile.strip(), "config file " + config.file());
        }
      }
      return null;
    }

    String address(String key, String defaultValue) {
      Value v = find(key);
      return v == null ? defaultValue : v.text();
    }

    int port(String key, int defaultValue) {
      Value v = find(key);
      if (v == null) {
        return defaultValue;
      }
      int port;
      try {
        port = Integer.parseInt(v.text());
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException(
            key + ": '" + v.text() + "' from " + v.source() + " is not a port (expected: 0-65535)");
      }
      return port;
    }

    Path path(String key, String defaultValue) {
      Value v = find(key);
      return toPath(v == null ? new Value(key, defaultValue, "the default") : v);
    }

    /** The path, or null when no layer sets it. */
    Path optionalPath(String key) {
      Value v = find(key);
      return v == null ? null : toPath(v);
    }

    int integer(String key, int defaultValue, int min) {
      Value v = find(key);
      if (v == null) {
        return defaultValue;
      }
      try {
        int n = Integer.parseInt(v.text());
        if (n >= min) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          key
              + ": '"
              + v.text()
              + "' from "
              + v.source()
              + " (expected: a whole number >= "
              + min
              + ")");
    }

    double decimal(String key, double defaultValue) {
      Value v = find(key);
      if (v == null) {
        return defaultValue;
      }
      try {
        double d = Double.parseDouble(v.text());
        if (d >= 0 && Double.isFinite(d)) {
          return d;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new IllegalArgumentException(
          key + ": '" + v.text() + "' from " + v.source() + " (expected: a number >= 0)");
    }
  }
}
