package dev.tempura.proxy.security;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backends and authorization config file ({@code --backends-config}), JSON:
 *
 * <pre>{@code
 * {
 *   "backends": {
 *     "cluster-a.example.com:7233": {
 *       "tls": {"ca": "ca.pem", "cert": "client.pem", "key": "client-key.pem", "server_name": "a.example.com"},
 *       "api_key_env": "CLUSTER_A_API_KEY"
 *     }
 *   },
 *   "authorization": {
 *     "virtual_namespaces": {"my-app": ["CN=worker-1,O=x", "svc-account-1"]},
 *     "jwt": {"jwks_file": "jwks.json", "claim": "sub", "issuer": "https://issuer", "audience": "tempura"}
 *   },
 *   "rate_limits": {"my-app": 500}
 * }
 * }</pre>
 *
 * Every section is optional. Relative paths are relative to the file's directory. Unknown keys are
 * errors, so that a typo does not silently leave something open.
 *
 * @param backends cluster address, exactly as in the topology → how to connect to it
 * @param authorization the allow-lists, or null when every client may use every namespace
 * @param rateLimits virtual namespace → requests per second, overriding the default limit
 */
public record SecurityConfig(
    Map<String, BackendConfig> backends,
    AuthorizationConfig authorization,
    Map<String, Double> rateLimits) {

  public static final SecurityConfig NONE = new SecurityConfig(Map.of(), null, Map.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  public SecurityConfig {
    backends = Map.copyOf(requireNonNull(backends, "backends"));
    rateLimits = Map.copyOf(requireNonNull(rateLimits, "rateLimits"));
  }

  /**
   * Reads and checks the file.
   *
   * @param env where {@code api_key_env} names are looked up
   * @throws IllegalArgumentException naming the file and what is wrong in it
   */
  public static SecurityConfig load(Path file, Map<String, String> env) {
    requireNonNull(file, "file");
    requireNonNull(env, "env");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "backends config " + file + ": not JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read backends config " + file + ": " + e, e);
    }
    try {
      return parse(root, file.toAbsolutePath().getParent(), env);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("backends config " + file + ": " + e.getMessage(), e);
    }
  }

  static SecurityConfig parse(JsonNode root, Path base, Map<String, String> env) {
    requireObject(root, "the top level");
    onlyKeys(root, "the top level", Set.of("backends", "authorization", "rate_limits"));
    Map<String, BackendConfig> backends = new LinkedHashMap<>();
    JsonNode b = root.get("backends");
    if (b != null) {
      requireObject(b, "backends");
      for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String address;
        try {
          // keyed by the canonical form, the one the channels look configs up by
          address = dev.tempura.topology.ClusterAddress.parse(e.getKey()).toString();
        } catch (IllegalArgumentException bad) {
          throw new IllegalArgumentException("backends: " + bad.getMessage(), bad);
        }
        backends.put(address, backend(address, e.getValue(), base, env));
      }
    }
    AuthorizationConfig authorization = null;
    JsonNode a = root.get("authorization");
    if (a != null) {
      authorization = authorization(a, base);
    }
    Map<String, Double> rates = new LinkedHashMap<>();
    JsonNode r = root.get("rate_limits");
    if (r != null) {
      requireObject(r, "rate_limits");
      for (Iterator<Map.Entry<String, JsonNode>> it = r.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isNumber() || e.getValue().asDouble() < 0) {
          throw new IllegalArgumentException(
              "rate_limits."
                  + e.getKey()
                  + ": expected a number of requests per second >= 0 (0: unlimited)");
        }
        rates.put(e.getKey(), e.getValue().asDouble());
      }
    }
    return new SecurityConfig(backends, authorization, rates);
  }

  private static BackendConfig backend(
      String address, JsonNode node, Path base, Map<String, String> env) {
    String where = "backends." + address;
    if (address.isBlank()) {
      throw new IllegalArgumentException("backends: blank cluster address");
    }
    requireObject(node, where);
    onlyKeys(node, where, Set.of("tls", "api_key", "api_key_env"));
    BackendTls tls = null;
    JsonNode t = node.get("tls");
    if (t != null && t.isBoolean()) {
      tls = t.asBoolean() ? BackendTls.systemTrust() : null;
    } else if (t != null) {
      requireObject(t, where + ".tls");
      onlyKeys(t, where + ".tls", Set.of("ca", "cert", "key", "server_name"));
      try {
        tls =
            new BackendTls(
                path(t, "ca", base, where + ".tls"),
                path(t, "cert", base, where + ".tls"),
                path(t, "key", base, where + ".tls"),
                text(t, "server_name", where + ".tls"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + "." + e.getMessage(), e);
      }
    }
    String key = text(node, "api_key", where);
    String keyEnv = text(node, "api_key_env", where);
    if (key != null && keyEnv != null) {
      throw new IllegalArgumentException(where + ": set api_key or api_key_env, not both");
    }
    if (keyEnv != null) {
      key = env.get(keyEnv);
      if (key == null || key.isBlank()) {
        throw new IllegalArgumentException(
            where + ".api_key_env: environment variable " + keyEnv + " is not set");
      }
      key = key.strip();
    }
    try {
      return new BackendConfig(tls, key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static AuthorizationConfig authorization(JsonNode a, Path base) {
    requireObject(a, "authorization");
    onlyKeys(a, "authorization", Set.of("virtual_namespaces", "jwt"));
    Map<String, List<String>> lists = new LinkedHashMap<>();
    JsonNode v = a.get("virtual_namespaces");
    if (v != null) {
      requireObject(v, "authorization.virtual_namespaces");
      for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String where = "authorization.virtual_namespaces." + e.getKey();
        if (!e.getValue().isArray()) {
          throw new IllegalArgumentException(where + ": expected a list of identities");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : e.getValue()) {
          if (!id.isTextual() || id.asText().isBlank()) {
            throw new IllegalArgumentException(where + ": expected non-empty strings");
          }
          ids.add(id.asText());
        }
        lists.put(e.getKey(), ids);
      }
    }
    JwtOptions jwt = null;
    JsonNode j = a.get("jwt");
    if (j != null) {
      requireObject(j, "authorization.jwt");
      onlyKeys(
          j, "authorization.jwt", Set.of("jwks_file", "jwks_url", "claim", "issuer", "audience"));
      String url = text(j, "jwks_url", "authorization.jwt");
      URI uri = null;
      if (url != null) {
        try {
          uri = new URI(url);
        } catch (URISyntaxException e) {
          throw new IllegalArgumentException("authorization.jwt.jwks_url: " + e.getMessage(), e);
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
          throw new IllegalArgumentException("authorization.jwt.jwks_url: expected an http(s) URL");
        }
      }
      String claim = text(j, "claim", "authorization.jwt");
      try {
        jwt =
            new JwtOptions(
                path(j, "jwks_file", base, "authorization.jwt"),
                uri,
                claim == null ? JwtOptions.DEFAULT_CLAIM : claim,
                text(j, "issuer", "authorization.jwt"),
                text(j, "audience", "authorization.jwt"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("authorization." + e.getMessage(), e);
      }
    }
    return new AuthorizationConfig(lists, jwt);
  }

  private static void requireObject(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + ": expected a JSON object");
    }
  }

  private static void onlyKeys(JsonNode node, String where, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new IllegalArgumentException(
            where
                + ": unknown key '"
                + key
                + "' (expected one of: "
                + String.join(", ", new java.util.TreeSet<>(allowed))
                + ")");
      }
    }
  }

  private static String text(JsonNode node, String key, String where) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException(where + "." + key + ": expected a non-empty string");
    }
    return v.asText().strip();
  }

  private static Path path(JsonNode node, String key, Path base, String where) {
    String text = text(node, key, where);
    if (text == null) {
      return null;
    }
    Path p = Path.of(text);
    return p.isAbsolute() || base == null ? p : base.resolve(p);
  }
}
