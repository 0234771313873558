package dev.tempura.proxy.wire;

/** Decides the new value of each field a {@link MessagePlan} marks. */
@FunctionalInterface
public interface FieldEditor {
  /**
   * Returns the replacement bytes for the value at {@code buf[offset, offset + length)}, or {@code
   * null} to keep it as it is. Must not keep a reference to {@code buf}.
   */
  byte[] edit(FieldRole role, byte[] buf, int offset, int length);
}
