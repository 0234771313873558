package dev.tempura.proxy.trace;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.time.Duration;

/**
 * Where spans go and how they are named. Immutable.
 *
 * @param tracesEndpoint the OTLP/HTTP traces URL spans are posted to (protobuf), e.g. {@code
 *     http://collector:4318/v1/traces}
 * @param serviceName the {@code service.name} resource attribute
 * @param serviceVersion the {@code service.version} resource attribute, or null
 * @param exportDelay how long finished spans wait to be sent in one batch
 */
public record TracingOptions(
    URI tracesEndpoint, String serviceName, String serviceVersion, Duration exportDelay) {
  public static final String SERVICE_NAME = "tempura";

  /** OpenTelemetry's default for the batch span processor. */
  public static final Duration DEFAULT_EXPORT_DELAY = Duration.ofSeconds(5);

  public TracingOptions {
    requireNonNull(tracesEndpoint, "tracesEndpoint");
    requireNonNull(serviceName, "serviceName");
    requireNonNull(exportDelay, "exportDelay");
    checkHttpUrl(tracesEndpoint);
    if (serviceName.isBlank()) {
      throw new IllegalArgumentException("service name must not be blank");
    }
    if (exportDelay.isNegative() || exportDelay.isZero()) {
      throw new IllegalArgumentException("export delay must be positive: " + exportDelay);
    }
  }

  /**
   * Spans of service {@code tempura} for an OTLP base URL, as {@code OTEL_EXPORTER_OTLP_ENDPOINT}
   * gives it ({@code http://collector:4318}): traces go to its {@code v1/traces} path.
   */
  public static TracingOptions otlp(URI endpoint) {
    return new TracingOptions(tracesUrl(endpoint), SERVICE_NAME, null, DEFAULT_EXPORT_DELAY);
  }

  public TracingOptions withServiceVersion(String version) {
    return new TracingOptions(tracesEndpoint, serviceName, version, exportDelay);
  }

  public TracingOptions withExportDelay(Duration delay) {
    return new TracingOptions(tracesEndpoint, serviceName, serviceVersion, delay);
  }

  /** The signal URL of an OTLP base URL: its path with {@code v1/traces} appended. */
  public static URI tracesUrl(URI base) {
    checkHttpUrl(base);
    String s = base.toString();
    return URI.create(s + (s.endsWith("/") ? "" : "/") + "v1/traces");
  }

  /**
   * An absolute http(s) URL with a host and no query or fragment; the message names what is not.
   */
  public static void checkHttpUrl(URI url) {
    requireNonNull(url, "url");
    String scheme = url.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new IllegalArgumentException(
          "'"
              + url
              + "' is not an http:// or https:// URL (OTLP over HTTP, e.g. http://collector:4318)");
    }
    if (url.getHost() == null || url.getHost().isEmpty()) {
      throw new IllegalArgumentException("'" + url + "' has no host");
    }
    if (url.getRawQuery() != null || url.getRawFragment() != null) {
      throw new IllegalArgumentException("'" + url + "' must not have a query or fragment");
    }
  }
}
