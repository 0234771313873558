package dev.tempura.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * One log format for everything the process logs: java.util.logging (gRPC's and Netty's) goes
 * through SLF4J to logback, and logback.xml picks the text or JSON encoder.
 */
public final class Logging {
  /** The system property logback.xml reads; the environment's TEMPURA_LOG_FORMAT otherwise. */
  static final String PROPERTY = "tempura.log.format";

  /** How log lines are written. */
  public enum Format {
    TEXT,
    JSON;

    /** Case-insensitive, for the option and the environment. */
    public static Format parse(String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "log format '" + value + "' (expected: text or json)", e);
      }
    }
  }

  private Logging() {}

  /** Routes java.util.logging to SLF4J, once; idempotent. */
  public static synchronized void install() {
    if (!SLF4JBridgeHandler.isInstalled()) {
      SLF4JBridgeHandler.removeHandlersForRootLogger();
      SLF4JBridgeHandler.install();
    }
  }

  /** Switches every log line of the process to {@code format}, re-reading logback.xml. */
  public static synchronized void use(Format format) {
    install();
    System.setProperty(PROPERTY, format.name().toLowerCase(Locale.ROOT));
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.reset();
      try {
        new ContextInitializer(context).autoConfig();
      } catch (JoranException e) {
        throw new IllegalStateException("logging configuration: " + e.getMessage(), e);
      }
    }
  }
}
