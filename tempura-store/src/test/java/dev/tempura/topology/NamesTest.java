package dev.tempura.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "my-app-namespace",
        "default",
        "a",
        "orders.eu_1",
        "a b",
        "日本語",
        "emoji-\uD83D\uDE80"
      })
  void namespaceNames_thatTemporalTakes_areAccepted(String name) {
    assertThat(Names.namespaceNameProblem(name)).isNull();
  }

  /** The names of the reproduction, and their relatives. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "vns ",
        " vns",
        "vns\t",
        "\u001b]0;pwned\u0007",
        "a\nb",
        "a\u0000b",
        "a\u202Eb", // right-to-left override
        "a\u2028b", // line separator
        "a\uD800b", // lone surrogate
      })
  void namespaceNames_withControlCharactersOrSurroundingSpace_areRefused(String name) {
    assertThat(Names.namespaceNameProblem(name)).isNotNull();
    assertThatThrownBy(() -> Names.requireNamespaceName("name", name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name: ")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u001b", "\u0000"));
  }

  @Test
  void namespaceNames_longerThanTemporalsLimit_areRefused() {
    assertThat(Names.namespaceNameProblem("x".repeat(1000))).isNull();
    assertThat(Names.namespaceNameProblem("x".repeat(1001))).contains("longer than 1000 bytes");
    assertThat(Names.namespaceNameProblem("x".repeat(60_000))).contains("longer than 1000 bytes");
    // the limit is in bytes, as Temporal's is: 334 three-byte characters are 1,002 bytes
    assertThat(Names.namespaceNameProblem("語".repeat(334))).contains("longer than 1000 bytes");
  }

  @Test
  void printable_escapesWhatATerminalWouldInterpret_andCutsLongText() {
    assertThat(Names.printable("\u001b]0;x\u0007")).isEqualTo("\\u001B]0;x\\u0007");
    assertThat(Names.printable("a\nb")).isEqualTo("a\\u000Ab");
    assertThat(Names.printable("x".repeat(500)))
        .endsWith("... (500 characters)")
        .hasSizeLessThan(150);
  }
}
