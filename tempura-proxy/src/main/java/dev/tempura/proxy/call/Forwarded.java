package dev.tempura.proxy.call;

import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.translate.Translation;
import io.grpc.Status;

/**
 * One call as a backend answered it, for {@link CallObserver}s.
 *
 * @param translation the virtual and physical namespace the call was translated between
 * @param target where the call went and what it concerns
 * @param status the backend's status, untranslated
 * @param trailers the backend's trailers, untranslated (failure details such as the cause of a
 *     RESOURCE_EXHAUSTED)
 * @param nanos from sending the request to the backend's close
 * @param request the request bytes as sent to the backend
 * @param response the backend's last response message, untranslated; null if it sent none
 */
public record Forwarded(
    MethodRoute route,
    Translation translation,
    Target target,
    Status status,
    io.grpc.Metadata trailers,
    long nanos,
    byte[] request,
    byte[] response) {}
