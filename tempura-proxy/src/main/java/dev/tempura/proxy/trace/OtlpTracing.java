package dev.tempura.proxy.trace;

import dev.tempura.proxy.call.CallTrace;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.call.Target;
import io.grpc.Metadata;
import io.grpc.Status;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Spans of every call, exported over OTLP/HTTP: the call (a server span that continues the client's
 * {@code traceparent}, else starts a trace), {@code resolve} (store lookup, placement, location of
 * the workflow) and {@code forward} (the backend call, a client span). The backend receives the
 * forward span's context as its {@code traceparent}, so its own spans hang below Tempura's, in the
 * client's trace. Sampling follows the client's decision (parent-based, else always on). Spans wait
 * in a bounded queue and are sent in batches off the calls' threads; when the collector is slow or
 * down the queue drops spans, never calls.
 */
public final class OtlpTracing implements CallTracer, AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OtlpTracing.class);
  private static final TextMapPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final Metadata.Key<String> TRACEPARENT = ascii("traceparent");
  private static final Metadata.Key<String> TRACESTATE = ascii("tracestate");

  // semantic conventions for RPC spans (rpc.*) and the peer (server.*)
  private static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
  private static final AttributeKey<String> RPC_SERVICE = AttributeKey.stringKey("rpc.service");
  private static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
  private static final AttributeKey<Long> GRPC_STATUS =
      AttributeKey.longKey("rpc.grpc.status_code");
  private static final AttributeKey<String> SERVER_ADDRESS =
      AttributeKey.stringKey("server.address");
  private static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<String> PHYSICAL =
      AttributeKey.stringKey("tempura.physical_namespace");
  private static final AttributeKey<String> DB_OPERATION =
      AttributeKey.stringKey("db.operation.name");
  private static final AttributeKey<String> WORKFLOW_ID =
      AttributeKey.stringKey("tempura.workflow_id");

  /** Server errors as OpenTelemetry's gRPC conventions count them; the rest is the client's. */
  private static final Set<Status.Code> SERVER_ERRORS =
      EnumSet.of(
          Status.Code.UNKNOWN,
          Status.Code.DEADLINE_EXCEEDED,
          Status.Code.UNIMPLEMENTED,
          Status.Code.INTERNAL,
          Status.Code.UNAVAILABLE,
          Status.Code.DATA_LOSS);

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  /** The seam tests use to record spans in memory; {@link #start} sends them to a collector. */
  OtlpTracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("dev.tempura.proxy");
  }

  /** Spans for {@code options}' collector, sent in batches from now until {@link #close()}. */
  public static OtlpTracing start(TracingOptions options) {
    AttributesBuilder resource =
        Attributes.builder().put(AttributeKey.stringKey("service.name"), options.serviceName());
    if (options.serviceVersion() != null) {
      resource.put(AttributeKey.stringKey("service.version"), options.serviceVersion());
    }
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder()
            .setEndpoint(options.tracesEndpoint().toString())
            .setTimeout(10, TimeUnit.SECONDS)
            .build();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
            .setSampler(Sampler.parentBased(Sampler.alwaysOn()))
            .addSpanProcessor(
                BatchSpanProcessor.builder(exporter)
                    .setScheduleDelay(options.exportDelay().toMillis(), TimeUnit.MILLISECONDS)
                    .build())
            .build();
    log.info(
        "tracing on: spans of service {} go to {} (OTLP/HTTP)",
        options.serviceName(),
        options.tracesEndpoint());
    return new OtlpTracing(provider);
  }

  @Override
  public CallTrace start(ProxyCall call) {
    Context parent = W3C.extract(Context.root(), call.headers(), GETTER);
    io.grpc.MethodDescriptor<?, ?> method = call.route().method();
    Span span =
        tracer
            .spanBuilder(method.getFullMethodName())
            .setParent(parent)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute(RPC_SYSTEM, "grpc")
            .setAttribute(RPC_SERVICE, method.getServiceName())
            .setAttribute(RPC_METHOD, method.getBareMethodName())
            .startSpan();
    return new Trace(span, parent.with(span));
  }

  /** Sends the spans still queued (waiting at most 10 s), then stops. */
  @Override
  public void close() {
    provider.shutdown().join(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "OTLP tracing";
  }

  /** One call's spans. Stages come one after another, but on different threads. */
  private final class Trace implements CallTrace {
    private final Span call;
    private final Context context;
    private Span resolve;
    private Span store;
    private Span forward;
    private boolean ended;

    Trace(Span call, Context context) {
      this.call = call;
      this.context = context;
    }

    @Override
    public synchronized void resolving() {
      if (!ended) {
        resolve = tracer.spanBuilder("resolve").setParent(context).startSpan();
      }
    }

    @Override
    public synchronized void storing(String operation) {
      if (ended) {
        return;
      }
      store =
          tracer
              .spanBuilder("store")
              .setParent(resolve == null ? context : context.with(resolve))
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute(DB_OPERATION, operation)
              .startSpan();
    }

    @Override
    public synchronized void stored(Throwable failure) {
      if (store != null) {
        if (failure != null) {
          store.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
        }
        store.end();
        store = null;
      }
    }

    @Override
    public synchronized void resolved(Target target) {
      if (resolve != null) {
        describe(resolve, target);
        resolve.end();
        resolve = null;
      }
    }

    @Override
    public synchronized void forwarding(Target target, Metadata backendHeaders) {
      if (ended) {
        return;
      }
      forward =
          tracer
              .spanBuilder("forward")
              .setParent(context)
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute(RPC_SYSTEM, "grpc")
              .startSpan();
      describe(forward, target);
      // the backend's spans continue from this one, in the client's trace
      backendHeaders.removeAll(TRACEPARENT);
      backendHeaders.removeAll(TRACESTATE);
      W3C.inject(context.with(forward), backendHeaders, SETTER);
    }

    @Override
    public synchronized void forwarded(Status status) {
      if (forward != null) {
        forward.setAttribute(GRPC_STATUS, (long) status.getCode().value());
        if (!status.isOk()) {
          forward.setStatus(StatusCode.ERROR, status.getCode().name());
        }
        forward.end();
        forward = null;
      }
    }

    @Override
    public synchronized void ended(Status status) {
      if (ended) {
        return;
      }
      ended = true;
      // a stage still open when the call ends failed with it (or the client went away)
      for (Span open : new Span[] {store, resolve, forward}) {
        if (open != null) {
          open.setStatus(StatusCode.ERROR, status.getCode().name());
          open.end();
        }
      }
      store = null;
      resolve = null;
      forward = null;
      call.setAttribute(GRPC_STATUS, (long) status.getCode().value());
      if (SERVER_ERRORS.contains(status.getCode())) {
        call.setStatus(StatusCode.ERROR, status.getCode().name());
      }
      call.end();
    }

    private void describe(Span span, Target target) {
      span.setAttribute(PHYSICAL, target.physical().name());
      span.setAttribute(SERVER_ADDRESS, target.physical().clusterAddress().host());
      span.setAttribute(SERVER_PORT, (long) target.physical().clusterAddress().port());
      if (target.workflowId() != null) {
        span.setAttribute(WORKFLOW_ID, target.workflowId());
      }
    }
  }

  private static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  private static final TextMapGetter<Metadata> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
          return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
          // the W3C propagator asks only for traceparent and tracestate, never a -bin key
          return carrier == null ? null : carrier.get(ascii(key));
        }
      };

  private static final TextMapSetter<Metadata> SETTER =
      (carrier, key, value) -> carrier.put(ascii(key), value);
}
