package dev.tempura.app;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}, or ISO-8601 such as {@code PT30S}. */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Matcher m = SHORT.matcher(text);
    try {
      if (m.matches()) {
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      }
      return Duration.parse(value.strip());
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration (expected e.g. 500ms, 30s, 2m, 1h or PT30S)");
    }
  }
}
