package dev.tempura.admin;

import java.util.Map;

/**
 * One endpoint of the admin API. Routes run on the admin executor, so they may block briefly, but
 * a slow route holds one of the few admin threads.
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
