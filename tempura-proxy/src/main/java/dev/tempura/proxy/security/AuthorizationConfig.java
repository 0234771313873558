package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which client identities may use which virtual namespace. An identity is the subject of the
 * client's TLS certificate (a distinguished name such as {@code CN=worker-1,O=x}, compared as a
 * name, so spacing and case of attribute types do not matter) or the configured claim of its bearer
 * JWT. {@code *} allows every authenticated client. A virtual namespace that is not listed is
 * closed to everyone.
 *
 * @param virtualNamespaces virtual namespace → the identities allowed to use it
 * @param jwt how bearer JWTs are validated, or null when only certificates identify clients
 */
public record AuthorizationConfig(Map<String, List<String>> virtualNamespaces, JwtOptions jwt) {
  /** Allows every authenticated client in a namespace. */
  public static final String ANY_AUTHENTICATED = "*";

  public AuthorizationConfig {
    requireNonNull(virtualNamespaces, "virtualNamespaces");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    virtualNamespaces.forEach(
        (ns, ids) -> {
          Set<String> unique = new LinkedHashSet<>();
          for (String id : requireNonNull(ids, "identities of " + ns)) {
            if (id == null || id.isBlank()) {
              throw new IllegalArgumentException(
                  "authorization: blank identity for virtual namespace " + ns);
            }
            unique.add(id.strip());
          }
          copy.put(ns, List.copyOf(unique));
        });
    virtualNamespaces = java.util.Collections.unmodifiableMap(copy);
  }
}
