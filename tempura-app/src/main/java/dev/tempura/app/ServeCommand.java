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
          "Admin API bind address; the admin API has no authentication, so keep it private"
              + " (env TEMPURA_ADMIN_BIND; default: "
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
      names = "--config",
      paramLabel = "FILE",
      description = "Properties file with any of the settings above (env TEMPURA_CONFIG).")
  private String config;


  /**
   * Serves until a JVM shutdown (SIGTERM, SIGINT) or, for callers running it in-process, until
   * this thread is interrupted; either way everything is closed before it returns.
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
