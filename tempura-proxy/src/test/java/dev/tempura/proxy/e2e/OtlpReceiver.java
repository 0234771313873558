package dev.tempura.proxy.e2e;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver, as an OpenTelemetry Collector's {@code otlp} receiver serves it:
 * {@code POST /v1/traces} with an {@code ExportTraceServiceRequest} in protobuf, answered with an
 * empty {@code ExportTraceServiceResponse}. The spans are decoded from the wire format by field
 * number (opentelemetry-proto's trace.proto and common.proto), so the test needs no generated code.
 */
final class OtlpReceiver implements AutoCloseable {
  /** One received span; ids in lower-case hex, attributes (and the resource's) as text. */
  record ReceivedSpan(
      String name,
      String traceId,
      String spanId,
      String parentSpanId,
      int kind,
      Map<String, String> attributes,
      Map<String, String> resource) {}

  static final int KIND_INTERNAL = 1;
  static final int KIND_SERVER = 2;
  static final int KIND_CLIENT = 3;

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final List<String> paths = new CopyOnWriteArrayList<>();

  OtlpReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.start();
  }

  /** The base URL, as OTEL_EXPORTER_OTLP_ENDPOINT gives it. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** The paths requests were posted to. */
  List<String> paths() {
    return List.copyOf(paths);
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      paths.add(exchange.getRequestURI().getPath());
      if (!"POST".equals(exchange.getRequestMethod())
          || !exchange.getRequestURI().getPath().equals("/v1/traces")) {
        exchange.sendResponseHeaders(404, -1);
        return;
      }
      InputStream in = exchange.getRequestBody();
      if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
        in = new GZIPInputStream(in);
      }
      byte[] body = in.readAllBytes();
      try {
        readRequest(CodedInputStream.newInstance(body));
      } catch (IOException | RuntimeException e) {
        exchange.sendResponseHeaders(400, -1);
        return;
      }
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      // an empty ExportTraceServiceResponse: every span accepted
      exchange.sendResponseHeaders(200, -1);
    }
  }

  /** ExportTraceServiceRequest: 1 = repeated ResourceSpans. */
  private void readRequest(CodedInputStream in) throws IOException {
    for (int tag; (tag = in.readTag()) != 0; ) {
      if (WireFormat.getTagFieldNumber(tag) == 1) {
        readResourceSpans(CodedInputStream.newInstance(in.readByteArray()));
      } else {
        in.skipField(tag);
      }
    }
  }

  /** ResourceSpans: 1 = Resource (1 = repeated KeyValue attributes), 2 = repeated ScopeSpans. */
  private void readResourceSpans(CodedInputStream in) throws IOException {
    Map<String, String> resource = new HashMap<>();
    List<byte[]> scopes = new java.util.ArrayList<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> {
          CodedInputStream r = CodedInputStream.newInstance(in.readByteArray());
          for (int t; (t = r.readTag()) != 0; ) {
            if (WireFormat.getTagFieldNumber(t) == 1) {
              readKeyValue(r.readByteArray(), resource);
            } else {
              r.skipField(t);
            }
          }
        }
        case 2 -> scopes.add(in.readByteArray());
        default -> in.skipField(tag);
      }
    }
    for (byte[] scope : scopes) {
      // ScopeSpans: 2 = repeated Span
      CodedInputStream s = CodedInputStream.newInstance(scope);
      for (int t; (t = s.readTag()) != 0; ) {
        if (WireFormat.getTagFieldNumber(t) == 2) {
          spans.add(readSpan(s.readByteArray(), Map.copyOf(resource)));
        } else {
          s.skipField(t);
        }
      }
    }
  }

  /** Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 repeated KeyValue. */
  private static ReceivedSpan readSpan(byte[] bytes, Map<String, String> resource)
      throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    HexFormat hex = HexFormat.of();
    String traceId = "";
    String spanId = "";
    String parent = "";
    String name = "";
    int kind = 0;
    Map<String, String> attributes = new HashMap<>();
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> traceId = hex.formatHex(in.readByteArray());
        case 2 -> spanId = hex.formatHex(in.readByteArray());
        case 4 -> parent = hex.formatHex(in.readByteArray());
        case 5 -> name = in.readString();
        case 6 -> kind = in.readEnum();
        case 9 -> readKeyValue(in.readByteArray(), attributes);
        default -> in.skipField(tag);
      }
    }
    return new ReceivedSpan(name, traceId, spanId, parent, kind, Map.copyOf(attributes), resource);
  }

  /** KeyValue: 1 key, 2 AnyValue (1 string, 2 bool, 3 int64, 4 double). */
  private static void readKeyValue(byte[] bytes, Map<String, String> into) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    String key = null;
    String value = null;
    for (int tag; (tag = in.readTag()) != 0; ) {
      switch (WireFormat.getTagFieldNumber(tag)) {
        case 1 -> key = in.readString();
        case 2 -> {
          CodedInputStream v = CodedInputStream.newInstance(in.readByteArray());
          for (int t; (t = v.readTag()) != 0; ) {
            switch (WireFormat.getTagFieldNumber(t)) {
              case 1 -> value = v.readString();
              case 2 -> value = Boolean.toString(v.readBool());
              case 3 -> value = Long.toString(v.readInt64());
              case 4 -> value = Double.toString(v.readDouble());
              default -> v.skipField(t);
            }
          }
        }
        default -> in.skipField(tag);
      }
    }
    if (key != null) {
      into.put(key, value);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
