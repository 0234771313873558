package dev.tempura.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version and commit this build was made from: the version from the jar's manifest, the commit
 * from {@code git.properties}, written at build time (git-commit-id-maven-plugin). Either is
 * "unknown" where the build could not tell (run from classes, built without .git).
 */
public record BuildInfo(String version, String commit) {
  private static final String UNKNOWN = "unknown";

  /** This build's. */
  public static BuildInfo current() {
    String version = TempuraCommand.class.getPackage().getImplementationVersion();
    String commit = UNKNOWN;
    try (InputStream in = BuildInfo.class.getResourceAsStream("git.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String id = p.getProperty("git.commit.id.abbrev", "").trim();
        if (!id.isEmpty()) {
          commit = "true".equals(p.getProperty("git.dirty")) ? id + "-dirty" : id;
        }
      }
    } catch (IOException e) {
      // a damaged resource leaves the commit unknown; nothing else depends on it
    }
    return new BuildInfo(version == null ? UNKNOWN : version, commit);
  }
}
