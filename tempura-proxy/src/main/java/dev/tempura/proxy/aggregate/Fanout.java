package dev.tempura.proxy.aggregate;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.call.Errors;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.translate.Translation;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.topology.PhysicalNamespace;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Calls to several backends on behalf of one client call, with the same rewriting as a forwarded
 * call: the request is translated for each backend, the answers and errors back for the client.
 */
final class Fanout {
  private static final long DEFAULT_TIMEOUT_MILLIS = 30_000;

  private final ProxyCall call;
  private final String virtualName;
  private final Translations translations;
  private final BackendCaller caller;

  Fanout(ProxyCall call, String virtualName, Translations translations, BackendCaller caller) {
    this.call = call;
    this.virtualName = virtualName;
    this.translations = translations;
    this.caller = caller;
  }

  /** The route of the client's call. */
  dev.tempura.proxy.routing.MethodRoute route() {
    return call.route();
  }

  /** One backend's answer, parsed, in the client's names. */
  record Answer<T extends Message>(PhysicalNamespace from, T message) {}

  /**
   * Sends {@code request} (client names) to {@code p}; completes with the answer in client names.
   */
  <T extends Message> CompletableFuture<Answer<T>> send(
      PhysicalNamespace p, Message request, T responsePrototype) {
    return send(call.route(), p, request, responsePrototype);
  }

  /** As {@link #send(PhysicalNamespace, Message, Message)}, for another method than the call's. */
  <T extends Message> CompletableFuture<Answer<T>> send(
      dev.tempura.proxy.routing.MethodRoute route,
      PhysicalNamespace p,
      Message request,
      T responsePrototype) {
    Translation t = translations.of(virtualName, p);
    byte[] bytes = translations.request(route, request.toByteArray(), t);
    return caller
        .call(
            p.clusterAddress(),
            route.method(),
            bytes,
            Translations.headersToBackend(call.headers(), p.name()),
            call.context().getDeadline(),
            DEFAULT_TIMEOUT_MILLIS)
        .handle(
            (response, error) -> {
              if (error != null) {
                throw clientError(p, t, error);
              }
              byte[] translated = translations.response(route, response, t);
              try {
                @SuppressWarnings("unchecked")
                T parsed = (T) responsePrototype.getParserForType().parseFrom(translated);
                return new Answer<>(p, parsed);
              } catch (InvalidProtocolBufferException e) {
                throw Status.INTERNAL
                    .withDescription("unreadable answer from " + p.id() + ": " + e.getMessage())
                    .asRuntimeException();
              }
            });
  }

  /** Sends to every backend; fails as a whole if any fails (see {@link #clientError}). */
  <T extends Message> CompletableFuture<List<Answer<T>>> sendAll(
      List<PhysicalNamespace> targets,
      java.util.function.Function<PhysicalNamespace, Message> requestFor,
      T responsePrototype) {
    return whenAll(sendEach(targets, requestFor, responsePrototype), false);
  }

  /**
   * As {@link #sendAll}, but the answer of the backends that could answer: one that is down,
   * stalled or unusable (its error is UNAVAILABLE here) is left out, so that calls every client
   * makes when it connects (GetSystemInfo, DescribeNamespace) keep working while one backend of the
   * namespace cannot answer. Fails with the first error when none answered, or at once with an
   * error that is about the request itself.
   */
  <T extends Message> CompletableFuture<List<Answer<T>>> sendReachable(
      List<PhysicalNamespace> targets,
      java.util.function.Function<PhysicalNamespace, Message> requestFor,
      T responsePrototype) {
    return whenAll(sendEach(targets, requestFor, responsePrototype), true);
  }

  private <T extends Message> List<CompletableFuture<Answer<T>>> sendEach(
      List<PhysicalNamespace> targets,
      java.util.function.Function<PhysicalNamespace, Message> requestFor,
      T responsePrototype) {
    List<CompletableFuture<Answer<T>>> futures = new ArrayList<>(targets.size());
    for (PhysicalNamespace p : targets) {
      futures.add(send(p, requestFor.apply(p), responsePrototype));
    }
    return futures;
  }

  /**
   * The answers in topology order once all are in; the first failure in that order decides the
   * status, for a stable answer, unless {@code skipUnavailable} leaves out the backends that could
   * not answer (all of them failing still fails).
   */
  private static <T extends Message> CompletableFuture<List<Answer<T>>> whenAll(
      List<CompletableFuture<Answer<T>>> futures, boolean skipUnavailable) {
    return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .handle(
            (v, e) -> {
              List<Answer<T>> answers = new ArrayList<>(futures.size());
              RuntimeException first = null;
              for (CompletableFuture<Answer<T>> f : futures) {
                try {
                  answers.add(f.join());
                } catch (RuntimeException failed) {
                  StatusRuntimeException s = Errors.toStatus(failed);
                  if (!skipUnavailable || s.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw s;
                  }
                  if (first == null) {
                    first = s;
                  }
                }
              }
              if (answers.isEmpty() && first != null) {
                throw first;
              }
              return answers;
            });
  }

  /**
   * What the client sees when a backend fails: the backend's own status when it is about the
   * request (every backend would say the same, e.g. a bad query), else UNAVAILABLE naming the
   * backend, since the answer cannot be complete without it.
   */
  private StatusRuntimeException clientError(PhysicalNamespace p, Translation t, Throwable error) {
    Throwable e =
        error instanceof java.util.concurrent.CompletionException && error.getCause() != null
            ? error.getCause()
            : error;
    Status s = Status.fromThrowable(e);
    Metadata trailers = Status.trailersFromThrowable(e);
    switch (s.getCode()) {
      case UNAVAILABLE,
          DEADLINE_EXCEEDED,
          UNKNOWN,
          INTERNAL,
          RESOURCE_EXHAUSTED,
          ABORTED,
          CANCELLED -> {
        return Status.UNAVAILABLE
            .withDescription(
                "physical namespace "
                    + p.name()
                    + " at "
                    + p.clusterAddress()
                    + " did not answer ("
                    + s.getCode()
                    + (s.getDescription() == null ? "" : ": " + s.getDescription())
                    + "); the answer would be incomplete without it")
            .withCause(e)
            .asRuntimeException();
      }
      default -> {
        return translations
            .status(s, t)
            .asRuntimeException(
                trailers == null ? new Metadata() : translations.trailers(trailers, t));
      }
    }
  }
}
