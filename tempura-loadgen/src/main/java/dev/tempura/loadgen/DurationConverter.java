package dev.tempura.loadgen;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, bare seconds, or ISO-8601. The one
 * duration option converter of the command lines; {@link WithUnit} for options that take no bare
 * number.
 */
public class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)?");

  private final boolean bareSeconds;

  public DurationConverter() {
    this(true);
  }

  private DurationConverter(boolean bareSeconds) {
    this.bareSeconds = bareSeconds;
  }

  /** As {@link DurationConverter}, but a number needs its unit: {@code 30} is refused. */
  public static final class WithUnit extends DurationConverter {
    public WithUnit() {
      super(false);
    }
  }

  @Override
  public Duration convert(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(text);
    try {
      if (m.matches() && (m.group(2) != null || bareSeconds)) {
        long amount = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
          case "ms" -> Duration.ofMillis(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofSeconds(amount);
        };
      }
      return Duration.parse(value.strip().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a duration (expected e.g. 500ms, 30s, 5m, 1h or PT1M30S)");
    }
  }
}
