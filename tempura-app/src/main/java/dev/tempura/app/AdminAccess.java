package dev.tempura.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Who may use the admin API: its tokens, and the rule that it is never open off this host. */
final class AdminAccess {
  /** The audit label of the {@code --admin-token} token. */
  static final String FLAG_TOKEN_LABEL = "admin-token";

  private AdminAccess() {}

  /**
   * Refuses settings that would leave the admin API reachable from other hosts without
   * authentication.
   *
   * @throws IllegalArgumentException saying what to set
   */
  static void requireAuthenticationOffLoopback(ServeSettings settings) {
    if (isLoopback(settings.adminBind()) || settings.security().adminAuthenticates()) {
      return;
    }
    throw new IllegalArgumentException(
        "the admin API would listen on "
            + settings.adminBind()
            + ", reachable from other hosts,"
            + " without authentication: set --admin-token (or TEMPURA_ADMIN_TOKEN), --admin-token-file,"
            + " or --admin-tls-cert, --admin-tls-key and --admin-tls-client-ca for client certificates;"
            + " or bind it to 127.0.0.1 with --admin-bind");
  }

  /** True when every address {@code bind} stands for is a loopback address. */
  static boolean isLoopback(String bind) {
    try {
      InetAddress[] addresses = InetAddress.getAllByName(bind);
      for (InetAddress a : addresses) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return addresses.length > 0;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Label → token, from {@code --admin-token} and the lines of {@code --admin-token-file}. */
  static Map<String, String> tokens(SecuritySettings security) {
    Map<String, String> tokens = new LinkedHashMap<>();
    if (security.adminToken() != null) {
      tokens.put(FLAG_TOKEN_LABEL, security.adminToken().strip());
    }
    Path file = security.adminTokenFile();
    if (file != null) {
      List<String> lines;
      try {
        lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read admin token file " + file + ": " + e.getMessage(), e);
      }
      int n = 0;
      for (String raw : lines) {
        n++;
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int colon = line.indexOf(':');
        String label = colon > 0 ? line.substring(0, colon).strip() : file.getFileName() + ":" + n;
        String token = colon > 0 ? line.substring(colon + 1).strip() : line;
        if (token.isEmpty()) {
          throw new IllegalArgumentException(
              "admin token file " + file + ", line " + n + ": no token after the label");
        }
        if (tokens.putIfAbsent(label, token) != null) {
          throw new IllegalArgumentException(
              "admin token file " + file + ", line " + n + ": label " + label + " used twice");
        }
      }
      if (tokens.isEmpty()) {
        throw new IllegalArgumentException("admin token file " + file + " holds no token");
      }
    }
    return tokens;
  }
}
