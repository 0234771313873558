package dev.tempura.admin;

import java.util.Map;

/**
 * One endpoint of the admin API. Routes run on the admin route executor once the request's body is
 * in, so they may block briefly, but a slow route holds one of its few threads and, when they are
 * all taken and its queue is full, other admin requests are answered 503. Probes (GET {@code
 * /healthz} and {@code /readyz}, see {@link AdminServer#start(AdminOptions,
 * dev.tempura.topology.TopologyService, Map, PhysicalDetails)}) run on an I/O thread instead and
 * must never block.
 */
@FunctionalInterface
public interface AdminRoute {

  /**
   * Answers one request.
   *
   * @param method the HTTP method, upper case as sent
   * @param query the decoded query parameters; the first value wins when a name repeats
   * @param body the request body, at most {@link AdminServer#MAX_BODY_BYTES} bytes
   * @throws Exception to answer 500 with a one-line message; the exception is logged
   */
  AdminResponse handle(String method, Map<String, String> query, byte[] body) throws Exception;
}
