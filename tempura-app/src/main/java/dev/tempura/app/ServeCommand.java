package dev.tempura.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tempura serve}: runs the proxy and the admin API until the process is told to stop. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Runs the Tempura gRPC proxy and its admin HTTP API until SIGTERM or SIGINT.",
    footer = {
      "",
      "Each setting is taken from its flag, else its environment variable, else the config file,"
          + " else its default. The config file is a Java properties file whose keys are the long"
          + " option names without dashes, e.g. grpc-port=9000."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec private CommandSpec spec;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      description =
          "gRPC port clients and workers connect to (env TEMPURA_GRPC_PORT; default: "
              + ServeSettings.DEFAULT_GRPC_PORT
              + ").")
  private String grpcPort;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      description =
          "Admin HTTP API port (env TEMPURA_ADMIN_PORT; default: "
              + ServeSettings.DEFAULT_ADMIN_PORT
              + ").")
  private String adminPort;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description =
          "gRPC bind address (env TEMPURA_BIND; default: " + ServeSettings.DEFAULT_BIND + ").")
  private String bind;

  @Option(
      names = "--admin-bind",
      paramLabel = "ADDRESS",
      description =
          "Admin API bind address; any address but loopback needs --admin-token,"
              + " --admin-token-file or --admin-tls-client-ca (env TEMPURA_ADMIN_BIND; default: "
              + ServeSettings.DEFAULT_ADMIN_BIND
              + ").")
  private String adminBind;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Directory of the embedded store: topology and workflow mappings (env TEMPURA_DATA_DIR;"
              + " default: "
              + ServeSettings.DEFAULT_DATA_DIR
              + ").")
  private String dataDir;

  @Option(
      names = "--store",
      paramLabel = "URI",
      description =
          "Where mappings and topology live: embedded (one process, in --data-dir), or a Redis"
              + " URI shared by replicas: redis://[:password@]host:6379,"
              + " redis-cluster://host1:port1,host2:port2 (env TEMPURA_STORE; default: embedded).")
  private String store;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "Certificate chain (PEM) for TLS on the gRPC port; reloaded when the file changes"
              + " (env TEMPURA_TLS_CERT; default: plaintext).")
  private String tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "Private key (PEM, PKCS#8) of --tls-cert (env TEMPURA_TLS_KEY).")
  private String tlsKey;

  @Option(
      names = "--tls-client-ca",
      paramLabel = "FILE",
      description =
          "CA bundle (PEM) client certificates must chain to: mutual TLS (env TEMPURA_TLS_CLIENT_CA).")
  private String tlsClientCa;

  @Option(
      names = "--tls-client-auth",
      paramLabel = "MODE",
      description =
          "none, optional or require (env TEMPURA_TLS_CLIENT_AUTH; default: require with"
              + " --tls-client-ca, else none).")
  private String tlsClientAuth;

  @Option(
      names = "--backends-config",
      paramLabel = "FILE",
      description =
          "JSON file: per-backend TLS and API keys, authorization allow-lists, JWT validation,"
              + " per-namespace rate limits; see docs/operations.md (env TEMPURA_BACKENDS_CONFIG).")
  private String backendsConfig;

  @Option(
      names = "--admin-token",
      paramLabel = "TOKEN",
      description =
          "Bearer token the admin API requires on every request but /healthz and /readyz; prefer"
              + " --admin-token-file or the environment, as flags show in ps (env TEMPURA_ADMIN_TOKEN).")
  private String adminToken;

  @Option(
      names = "--admin-token-file",
      paramLabel = "FILE",
      description =
          "File of admin tokens, one a line: label:token, or a bare token (env TEMPURA_ADMIN_TOKEN_FILE).")
  private String adminTokenFile;

  @Option(
      names = "--admin-tls-cert",
      paramLabel = "FILE",
      description =
          "Certificate chain (PEM): the admin API speaks HTTPS (env TEMPURA_ADMIN_TLS_CERT).")
  private String adminTlsCert;

  @Option(
      names = "--admin-tls-key",
      paramLabel = "FILE",
      description = "Private key (PEM, PKCS#8) of --admin-tls-cert (env TEMPURA_ADMIN_TLS_KEY).")
  private String adminTlsKey;

  @Option(
      names = "--admin-tls-client-ca",
      paramLabel = "FILE",
      description =
          "CA of admin client certificates, which then authenticate like a token"
              + " (env TEMPURA_ADMIN_TLS_CLIENT_CA).")
  private String adminTlsClientCa;

  @Option(
      names = "--audit-log",
      paramLabel = "FILE",
      description =
          "Where admin API changes and refusals are logged as JSON lines; - for standard output"
              + " (env TEMPURA_AUDIT_LOG; default: <data-dir>/audit.log).")
  private String auditLog;

  @Option(
      names = "--max-message-bytes",
      paramLabel = "BYTES",
      description =
          "Largest gRPC message accepted from clients and backends; larger ones get"
              + " RESOURCE_EXHAUSTED (env TEMPURA_MAX_MESSAGE_BYTES; default: 134217728).")
  private String maxMessageBytes;

  @Option(
      names = "--max-parked-polls-per-client",
      paramLabel = "N",
      description =
          "Worker polls one client (certificate or token identity, else IP address) may have"
              + " parked at once; 0 for no limit (env TEMPURA_MAX_PARKED_POLLS_PER_CLIENT; default: 1000).")
  private String maxParkedPollsPerClient;

  @Option(
      names = "--rate-limit-per-namespace",
      paramLabel = "RPS",
      description =
          "Requests per second per virtual namespace, polls excepted; 0 for no limit; the backends"
              + " config can set it per namespace (env TEMPURA_RATE_LIMIT_PER_NAMESPACE; default: 0).")
  private String rateLimitPerNamespace;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description =
          "OpenTelemetry collector to send spans to, over OTLP/HTTP (protobuf), e.g."
              + " http://collector:4318; spans go to its /v1/traces (env TEMPURA_OTLP_ENDPOINT,"
              + " else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT;"
              + " default: no tracing).")
  private String otlpEndpoint;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with any of the settings above (env TEMPURA_CONFIG).")
  private String config;

  /**
   * Serves until a JVM shutdown (SIGTERM, SIGINT) or, for callers running it in-process, until this
   * thread is interrupted; either way everything is closed before it returns.
   */
  @Override
  public Integer call() throws Exception {
    ServeSettings settings = settings();
    TempuraServer server = TempuraServer.start(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              server.close();
              stopped.countDown();
            },
            "tempura-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to; closing twice is harmless
      }
      server.close();
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private ServeSettings settings() {
    Map<String, String> flags = new LinkedHashMap<>();
    putIfGiven(flags, ServeSettings.GRPC_PORT, grpcPort);
    putIfGiven(flags, ServeSettings.ADMIN_PORT, adminPort);
    putIfGiven(flags, ServeSettings.BIND, bind);
    putIfGiven(flags, ServeSettings.ADMIN_BIND, adminBind);
    putIfGiven(flags, ServeSettings.DATA_DIR, dataDir);
    putIfGiven(flags, ServeSettings.STORE, store);
    putIfGiven(flags, ServeSettings.CONFIG, config);
    putIfGiven(flags, ServeSettings.TLS_CERT, tlsCert);
    putIfGiven(flags, ServeSettings.TLS_KEY, tlsKey);
    putIfGiven(flags, ServeSettings.TLS_CLIENT_CA, tlsClientCa);
    putIfGiven(flags, ServeSettings.TLS_CLIENT_AUTH, tlsClientAuth);
    putIfGiven(flags, ServeSettings.BACKENDS_CONFIG, backendsConfig);
    putIfGiven(flags, ServeSettings.ADMIN_TOKEN, adminToken);
    putIfGiven(flags, ServeSettings.ADMIN_TOKEN_FILE, adminTokenFile);
    putIfGiven(flags, ServeSettings.ADMIN_TLS_CERT, adminTlsCert);
    putIfGiven(flags, ServeSettings.ADMIN_TLS_KEY, adminTlsKey);
    putIfGiven(flags, ServeSettings.ADMIN_TLS_CLIENT_CA, adminTlsClientCa);
    putIfGiven(flags, ServeSettings.AUDIT_LOG, auditLog);
    putIfGiven(flags, ServeSettings.MAX_MESSAGE_BYTES, maxMessageBytes);
    putIfGiven(flags, ServeSettings.MAX_PARKED_POLLS_PER_CLIENT, maxParkedPollsPerClient);
    putIfGiven(flags, ServeSettings.RATE_LIMIT_PER_NAMESPACE, rateLimitPerNamespace);
    putIfGiven(flags, ServeSettings.OTLP_ENDPOINT, otlpEndpoint);
    try {
      return ServeSettings.resolve(flags, System.getenv());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private static void putIfGiven(Map<String, String> flags, String key, String value) {
    if (value != null) {
      flags.put(key, value);
    }
  }
}
