package dev.tempura.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The two shaded jars as built, read after packaging (failsafe, integration-test phase): the
 * production jar that {@code serve} and the image run carries neither Temporal's in-memory test
 * server nor the SDK's worker, and the sandbox jar carries both, with every production command.
 */
class PackagedJarsIT {
  @Test
  void productionJar_hasNoTestServerNoSdkWorkerNoSandbox() throws IOException {
    List<String> entries = entries(jar("tempura.jar"));

    assertThat(entries)
        .as("the production jar's entries")
        .contains("dev/tempura/app/TempuraCommand.class", "dev/tempura/app/ServeCommand.class")
        .noneMatch(e -> e.startsWith("io/temporal/testserver/"))
        .noneMatch(e -> e.startsWith("io/temporal/worker/"))
        .noneMatch(e -> e.startsWith("io/temporal/internal/worker/"))
        .noneMatch(e -> e.startsWith("io/temporal/testing/"))
        .noneMatch(e -> e.startsWith("dev/tempura/sandbox/"))
        .noneMatch(e -> e.startsWith("dev/tempura/loadgen/"))
        .noneMatch(e -> e.startsWith("dev/tempura/local/"));
    try (JarFile jar = new JarFile(jar("tempura.jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.tempura.app.TempuraCommand");
    }
  }

  @Test
  void sandboxJar_hasTheTestServerTheWorkerAndEveryCommand() throws IOException {
    List<String> entries = entries(jar("tempura-sandbox.jar"));

    assertThat(entries)
        .contains(
            "io/temporal/testserver/TestServer.class",
            "io/temporal/worker/WorkerFactory.class",
            "dev/tempura/sandbox/SandboxMain.class",
            "dev/tempura/loadgen/LoadgenCommand.class",
            "dev/tempura/app/TempuraCommand.class");
    try (JarFile jar = new JarFile(jar("tempura-sandbox.jar").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("dev.tempura.sandbox.SandboxMain");
    }
  }

  private static Path jar(String name) {
    String property = name.equals("tempura.jar") ? "tempura.jar" : "tempura.sandbox.jar";
    String where = System.getProperty(property);
    assertThat(where).as("system property %s (set by the build)", property).isNotNull();
    Path path = Path.of(where);
    assertThat(path).as("%s: built by `mvn verify` before this check", name).isRegularFile();
    return path;
  }

  private static List<String> entries(Path jar) throws IOException {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.stream().map(ZipEntry::getName).toList();
    }
  }
}
