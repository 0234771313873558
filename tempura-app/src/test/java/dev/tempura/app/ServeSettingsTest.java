package dev.tempura.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeSettingsTest {
  @TempDir Path dir;

  @Test
  void resolve_nothingSet_usesDefaults() {
    ServeSettings s = ServeSettings.resolve(Map.of(), Map.of());

    assertThat(s)
        .isEqualTo(
            new ServeSettings("0.0.0.0", 8088, "127.0.0.1", 8089, Path.of("./data"), "embedded"));
  }

  @Test
  void resolve_eachLayer_overridesTheOnesBelowIt() throws IOException {
    Path config =
        write(
            "tempura.properties",
            "grpc-port=7001\nadmin-port=7002\nbind=10.0.0.1\nadmin-bind=10.0.0.2\ndata-dir=/from/file\n");
    Map<String, String> env =
        Map.of(
            "TEMPURA_CONFIG", config.toString(),
            "TEMPURA_GRPC_PORT", "6001",
            "TEMPURA_ADMIN_PORT", "6002",
            "TEMPURA_BIND", "10.0.1.1");
    Map<String, String> flags = Map.of("grpc-port", "5001");

    ServeSettings s = ServeSettings.resolve(flags, env);

    assertThat(s.grpcPort()).as("flag over env, file and default").isEqualTo(5001);
    assertThat(s.adminPort()).as("env over file and default").isEqualTo(6002);
    assertThat(s.bind()).as("env over file and default").isEqualTo("10.0.1.1");
    assertThat(s.adminBind()).as("file over default").isEqualTo("10.0.0.2");
    assertThat(s.dataDir()).as("file over default").isEqualTo(Path.of("/from/file"));
  }

  @Test
  void resolve_everySettingHasAFlagAndAnEnvVariable() {
    Map<String, String> flags =
        Map.of(
            "grpc-port", "1",
            "admin-port", "2",
            "bind", "flag-bind",
            "admin-bind", "flag-admin-bind",
            "data-dir", "flag-dir");
    Map<String, String> env =
        Map.of(
            "TEMPURA_GRPC_PORT", "11",
            "TEMPURA_ADMIN_PORT", "12",
            "TEMPURA_BIND", "env-bind",
            "TEMPURA_ADMIN_BIND", "env-admin-bind",
            "TEMPURA_DATA_DIR", "env-dir");

    assertThat(ServeSettings.resolve(flags, env))
        .isEqualTo(
            new ServeSettings(
                "flag-bind", 1, "flag-admin-bind", 2, Path.of("flag-dir"), "embedded"));
    assertThat(ServeSettings.resolve(Map.of(), env))
        .isEqualTo(
            new ServeSettings(
                "env-bind", 11, "env-admin-bind", 12, Path.of("env-dir"), "embedded"));
  }

  @Test
  void resolve_configFlag_winsOverConfigEnv() throws IOException {
    Path fromFlag = write("flag.properties", "grpc-port=7001\n");
    Path fromEnv = write("env.properties", "grpc-port=7002\n");

    ServeSettings s =
        ServeSettings.resolve(
            Map.of("config", fromFlag.toString()), Map.of("TEMPURA_CONFIG", fromEnv.toString()));

    assertThat(s.grpcPort()).isEqualTo(7001);
  }

  @Test
  void resolve_blankEnvVariable_countsAsUnset() throws IOException {
    Path config = write("tempura.properties", "bind=10.0.0.1\n");

    ServeSettings s =
        ServeSettings.resolve(
            Map.of("config", config.toString()),
            Map.of("TEMPURA_BIND", " ", "TEMPURA_GRPC_PORT", ""));

    assertThat(s.bind()).isEqualTo("10.0.0.1");
    assertThat(s.grpcPort()).isEqualTo(8088);
  }

  @Test
  void resolve_badPort_namesTheSettingAndItsSource() {
    assertThatThrownBy(() -> ServeSettings.resolve(Map.of(), Map.of("TEMPURA_ADMIN_PORT", "80a")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("admin-port: '80a' from TEMPURA_ADMIN_PORT is not a port (expected: 0-65535)");
    assertThatThrownBy(() -> ServeSettings.resolve(Map.of("grpc-port", "65536"), Map.of()))
        .hasMessage("grpc-port: '65536' from --grpc-port is not a port (expected: 0-65535)");
  }

  @Test
  void resolve_unknownKeyInConfigFile_isRefused() throws IOException {
    Path config = write("tempura.properties", "grpc_port=9000\n");

    assertThatThrownBy(() -> ServeSettings.resolve(Map.of("config", config.toString()), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown key 'grpc_port'");
  }

  @Test
  void resolve_missingConfigFile_isRefused() {
    Path missing = dir.resolve("missing.properties");

    assertThatThrownBy(
            () -> ServeSettings.resolve(Map.of(), Map.of("TEMPURA_CONFIG", missing.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cannot read config file " + missing + " (from TEMPURA_CONFIG)");
  }

  @Test
  void resolve_blankFlag_isRefused() {
    assertThatThrownBy(() -> ServeSettings.resolve(Map.of("bind", ""), Map.of()))
        .hasMessage("--bind: blank value");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content);
  }

  @Test
  void resolve_store_isEmbeddedByDefault_andTakesRedisUrisFromFlagOrEnv() {
    assertThat(ServeSettings.resolve(java.util.Map.of(), java.util.Map.of()).embeddedStore())
        .isTrue();
    assertThat(
            ServeSettings.resolve(
                    java.util.Map.of(), java.util.Map.of("TEMPURA_STORE", "redis://127.0.0.1:6379"))
                .store())
        .isEqualTo("redis://127.0.0.1:6379");
    assertThat(
            ServeSettings.resolve(
                    java.util.Map.of("store", "redis-cluster://a:1,b:2"),
                    java.util.Map.of("TEMPURA_STORE", "redis://127.0.0.1:6379"))
                .store())
        .isEqualTo("redis-cluster://a:1,b:2");
  }

  @Test
  void resolve_unknownStore_isRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                ServeSettings.resolve(
                    java.util.Map.of("store", "postgres://x"), java.util.Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("store");
  }

  @Test
  void otlpEndpoint_isOffByDefault_andTakenFromTheFlag_elseOpenTelemetrysVariables() {
    assertThat(ServeSettings.resolve(Map.of(), Map.of()).otlpTraces()).isNull();
    // a base URL, as OTEL_EXPORTER_OTLP_ENDPOINT is: traces go to its v1/traces
    assertThat(
            ServeSettings.resolve(
                    Map.of("otlp-endpoint", "http://collector:4318"),
                    Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318"))
                .otlpTraces())
        .hasToString("http://collector:4318/v1/traces");
    assertThat(
            ServeSettings.resolve(
                    Map.of(), Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/otel/"))
                .otlpTraces())
        .hasToString("https://collector:4318/otel/v1/traces");
    // the traces variable is the traces URL itself, and wins over the base one
    assertThat(
            ServeSettings.resolve(
                    Map.of(),
                    Map.of(
                        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom",
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318"))
                .otlpTraces())
        .hasToString("http://collector:4318/custom");
    assertThat(
            ServeSettings.resolve(
                    Map.of(),
                    Map.of(
                        "TEMPURA_OTLP_ENDPOINT", "http://mine:4318",
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318"))
                .otlpTraces())
        .hasToString("http://mine:4318/v1/traces");
  }

  @Test
  void otlpEndpoint_thatIsNotAnHttpUrl_orAnotherProtocol_isRefused_namingIt() {
    assertThatThrownBy(
            () -> ServeSettings.resolve(Map.of("otlp-endpoint", "collector:4317"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("otlp-endpoint")
        .hasMessageContaining("--otlp-endpoint")
        .hasMessageContaining("http://");
    assertThatThrownBy(
            () ->
                ServeSettings.resolve(
                    Map.of(),
                    Map.of(
                        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317",
                        "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OTEL_EXPORTER_OTLP_PROTOCOL")
        .hasMessageContaining("http/protobuf");
  }
}
