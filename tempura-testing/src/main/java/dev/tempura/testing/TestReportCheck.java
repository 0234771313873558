package dev.tempura.testing;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Fails the build when a test class under {@code src/test} that has test methods produced no
 * report: a class the runner never picked up proves nothing. Surefire, for one, skips static nested
 * classes unless they are {@code @Nested}, which is how twelve tests of the mapping lifecycle once
 * went unrun in every build.
 *
 * <p>Run by the build after the tests of each module (exec-maven-plugin, {@code verify} phase, test
 * class path): {@code TestReportCheck <test-classes dir> <build dir>}. A class counts as a test
 * class when it is concrete, not a non-static inner class (JUnit reaches {@code @Nested} ones
 * through their outer class, and they have reports of their own), and it or a superclass declares a
 * method annotated {@code @Test}, {@code @TestFactory} or {@code @TestTemplate}, directly or
 * through an annotation such as {@code @ParameterizedTest}. Its report is {@code TEST-<binary
 * name>.xml} in {@code surefire-reports} or {@code failsafe-reports}.
 *
 * <p>Skipped when the run selects or skips tests ({@code -Dtest}, {@code -Dit.test}, {@code
 * -DskipTests}, {@code -Dmaven.test.skip}), since a partial run has partial reports.
 */
public final class TestReportCheck {
  private static final Set<String> TEST_ANNOTATIONS =
      Set.of(
          "org.junit.jupiter.api.Test",
          "org.junit.jupiter.api.TestFactory",
          "org.junit.jupiter.api.TestTemplate");

  private TestReportCheck() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      throw new IllegalArgumentException("usage: TestReportCheck <test-classes dir> <build dir>");
    }
    if (partialRun()) {
      System.out.println("[test-report-check] skipped: this run selects or skips tests");
      return;
    }
    Path classes = Path.of(args[0]);
    Path build = Path.of(args[1]);
    if (!Files.isDirectory(classes)) {
      return;
    }
    List<String> unrun = unrun(classes, build, Thread.currentThread().getContextClassLoader());
    if (!unrun.isEmpty()) {
      throw new IllegalStateException(
          "test classes with test methods that produced no report (they never ran; a static"
              + " nested test class needs @Nested, or a file of its own): "
              + String.join(", ", unrun));
    }
    System.out.println("[test-report-check] every test class under " + classes + " has a report");
  }

  private static boolean partialRun() {
    return present("test")
        || present("it.test")
        || Boolean.parseBoolean(System.getProperty("skipTests", "false"))
        || "".equals(System.getProperty("skipTests"))
        || Boolean.parseBoolean(System.getProperty("maven.test.skip", "false"))
        || "".equals(System.getProperty("maven.test.skip"));
  }

  private static boolean present(String property) {
    String value = System.getProperty(property);
    return value != null && !value.isBlank();
  }

  /**
   * The binary names of the test classes under {@code classes} without a report in {@code build}.
   */
  static List<String> unrun(Path classes, Path build, ClassLoader loader) throws IOException {
    List<String> unrun = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(classes)) {
      files = walk.filter(p -> p.toString().endsWith(".class")).sorted().toList();
    }
    for (Path file : files) {
      String relative = classes.relativize(file).toString();
      String name =
          relative
              .substring(0, relative.length() - ".class".length())
              .replace(file.getFileSystem().getSeparator(), ".");
      if (name.endsWith("package-info") || name.endsWith("module-info")) {
        continue;
      }
      Class<?> type;
      try {
        type = Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        continue; // not loadable here, so not runnable by the test runner either
      }
      if (isTestClass(type) && !hasReport(build, name)) {
        unrun.add(name);
      }
    }
    return unrun;
  }

  static boolean isTestClass(Class<?> type) {
    int m = type.getModifiers();
    if (type.isInterface()
        || type.isAnnotation()
        || type.isEnum()
        || Modifier.isAbstract(m)
        || type.isAnonymousClass()
        || type.isLocalClass()
        || type.isSynthetic()
        || (type.isMemberClass() && !Modifier.isStatic(m))) {
      return false;
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      if (declaresTests(c)) {
        return true;
      }
      // contract suites are often interfaces with default test methods
      for (Class<?> i : c.getInterfaces()) {
        if (declaresTests(i)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean declaresTests(Class<?> c) {
    Method[] methods;
    try {
      methods = c.getDeclaredMethods();
    } catch (LinkageError e) {
      return false;
    }
    for (Method method : methods) {
      for (Annotation a : method.getAnnotations()) {
        if (isTestAnnotation(a.annotationType())) {
          return true;
        }
      }
    }
    for (Class<?> i : c.getInterfaces()) {
      if (declaresTests(i)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isTestAnnotation(Class<? extends Annotation> type) {
    if (TEST_ANNOTATIONS.contains(type.getName())) {
      return true;
    }
    for (Annotation meta : type.getAnnotations()) {
      if (TEST_ANNOTATIONS.contains(meta.annotationType().getName())) {
        return true;
      }
    }
    return false;
  }

  private static boolean hasReport(Path build, String binaryName) {
    String report = "TEST-" + binaryName + ".xml";
    return Files.exists(build.resolve("surefire-reports").resolve(report))
        || Files.exists(build.resolve("failsafe-reports").resolve(report));
  }
}
