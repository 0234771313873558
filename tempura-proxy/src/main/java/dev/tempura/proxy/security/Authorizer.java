package dev.tempura.proxy.security;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.security.auth.x500.X500Principal;

/**
 * The allow-lists of {@link AuthorizationConfig}, ready for checking. Refusals are
 * PERMISSION_DENIED, as Temporal's own authorizer answers ("Request unauthorized.").
 */
public final class Authorizer {
  private final Map<String, Allowed> byNamespace = new HashMap<>();

  private record Allowed(
      boolean anyAuthenticated, Set<String> names, Set<String> canonicalSubjects) {}

  public Authorizer(AuthorizationConfig config) {
    config.virtualNamespaces().forEach((ns, ids) -> byNamespace.put(ns, allowed(ids)));
  }

  private static Allowed allowed(List<String> ids) {
    boolean any = false;
    Set<String> names = new HashSet<>();
    Set<String> subjects = new HashSet<>();
    for (String id : ids) {
      if (id.equals(AuthorizationConfig.ANY_AUTHENTICATED)) {
        any = true;
        continue;
      }
      names.add(id);
      if (id.contains("=")) {
        try {
          subjects.add(new X500Principal(id).getName(X500Principal.CANONICAL));
        } catch (IllegalArgumentException notADistinguishedName) {
          // a token claim that happens to contain '='
        }
      }
    }
    return new Allowed(any, Set.copyOf(names), Set.copyOf(subjects));
  }

  /**
   * Lets the call through or throws PERMISSION_DENIED.
   *
   * @param namespace the virtual namespace the call names, or null for a cluster-level call, which
   *     any authenticated client may make
   */
  public void check(ClientIdentity id, String namespace) {
    if (id.jwtError() != null) {
      throw denied("bearer token refused: " + id.jwtError());
    }
    if (!id.authenticated()) {
      throw denied("no verified client certificate or valid bearer token");
    }
    if (namespace == null || permits(id, namespace)) {
      return;
    }
    throw denied(id.label() + " may not use namespace " + namespace);
  }

  /** Whether the allow-list of {@code namespace} names this (authenticated) client. */
  public boolean permits(ClientIdentity id, String namespace) {
    Allowed allowed = byNamespace.get(namespace);
    return allowed != null
        && id.authenticated()
        && id.jwtError() == null
        && (allowed.anyAuthenticated()
            || (id.jwtSubject() != null && allowed.names().contains(id.jwtSubject()))
            || (id.certSubjectCanonical() != null
                && allowed.canonicalSubjects().contains(id.certSubjectCanonical())));
  }

  private static StatusRuntimeException denied(String why) {
    return Status.PERMISSION_DENIED
        .withDescription("Request unauthorized: " + why)
        .asRuntimeException();
  }
}
