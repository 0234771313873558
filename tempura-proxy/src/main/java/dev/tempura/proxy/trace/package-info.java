/**
 * Optional OpenTelemetry spans of the pipeline's stages, exported over OTLP/HTTP: one server span
 * per call (continuing the client's {@code traceparent}), a {@code resolve} span (store lookup,
 * placement, location) and a {@code forward} span whose context the backend receives. Off by
 * default: then {@link dev.tempura.proxy.trace.CallTracer#OFF} hands every call the shared no-op
 * {@link dev.tempura.proxy.call.CallTrace#OFF} and no OpenTelemetry class is used. See
 * docs/operations.md, Tracing.
 */
package dev.tempura.proxy.trace;
