package dev.tempura.loadgen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();
  private final DurationConverter withUnit = new DurationConverter.WithUnit();

  @Test
  void readsShortUnitsBareSecondsAndIso8601() {
    assertThat(converter.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(converter.convert("45")).isEqualTo(Duration.ofSeconds(45));
    assertThat(converter.convert("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(converter.convert("2h")).isEqualTo(Duration.ofHours(2));
    assertThat(converter.convert("pt1m30s")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void rejectsAnythingElseWithAnExample() {
    assertThatThrownBy(() -> converter.convert("soon"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("30s");
    assertThatThrownBy(() -> converter.convert("99999999999999999999h"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("is not a duration");
  }

  @Test
  void withUnit_readsShortUnitsAndIso8601() {
    assertThat(withUnit.convert("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(withUnit.convert(" 30s ")).isEqualTo(Duration.ofSeconds(30));
    assertThat(withUnit.convert("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(withUnit.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(withUnit.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void withUnit_refusesABareNumberAndGarbage() {
    assertThatThrownBy(() -> withUnit.convert("30"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("'30' is not a duration");
    assertThatThrownBy(() -> withUnit.convert("30 seconds"))
        .isInstanceOf(TypeConversionException.class)
        .hasMessageContaining("'30 seconds' is not a duration");
  }
}
