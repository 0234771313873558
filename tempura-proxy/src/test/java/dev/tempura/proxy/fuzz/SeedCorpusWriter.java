package dev.tempura.proxy.fuzz;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the seed corpora that Jazzer's {@code @FuzzTest} methods replay in every build: each fuzz
 * test class has a static {@code corpus()} (name → input), written to {@code
 * <resources>/<package>/<Class>Inputs/<method>/<name>}. Run it after changing a corpus:
 *
 * <pre>
 * cd tempura-proxy
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.tempura.proxy.fuzz.SeedCorpusWriter \
 *     src/test/resources dev.tempura.proxy.token.TaskTokensFuzzTest#unwrap \
 *     dev.tempura.proxy.aggregate.CompositePageTokenFuzzTest#decode \
 *     dev.tempura.proxy.translate.RouteRequestsFuzzTest#request
 * </pre>
 *
 * For tempura-admin's {@code AdminJsonFuzzTest#post}, put its test classes on the same class path
 * and pass {@code ../tempura-admin/src/test/resources}.
 */
public final class SeedCorpusWriter {
  private SeedCorpusWriter() {}

  public static void main(String[] args) throws Exception {
    Path resources = Path.of(args[0]);
    for (int i = 1; i < args.length; i++) {
      String[] target = args[i].split("#");
      Class<?> type = Class.forName(target[0]);
      Method corpus = type.getDeclaredMethod("corpus");
      corpus.setAccessible(true);
      @SuppressWarnings("unchecked")
      Map<String, byte[]> inputs = (Map<String, byte[]>) corpus.invoke(null);
      Path dir =
          resources
              .resolve(type.getPackageName().replace('.', '/'))
              .resolve(type.getSimpleName() + "Inputs")
              .resolve(target[1]);
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> e : inputs.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getValue());
      }
      System.out.println(dir + ": " + inputs.size() + " inputs");
    }
  }
}
