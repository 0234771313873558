package dev.tempura.proxy.wire;

/**
 * The fields of one message type that may hold something to rewrite, directly or in a nested
 * message. Every other field is copied as raw bytes. Built once per type by {@link WireSchema}.
 */
public final class MessagePlan {
  private static final Object[] NONE = new Object[0];

  private final String typeName;
  private final boolean any;

  /** Indexed by field number: null, a {@link FieldRole}, or the nested {@link MessagePlan}. */
  private Object[] actions = NONE;

  MessagePlan(String typeName, boolean any) {
    this.typeName = typeName;
    this.any = any;
  }

  public String typeName() {
    return typeName;
  }

  /** True for {@code google.protobuf.Any}, whose value's type is only known at run time. */
  boolean isAny() {
    return any;
  }

  Object action(int fieldNumber) {
    return fieldNumber < actions.length ? actions[fieldNumber] : null;
  }

  void set(int fieldNumber, Object action) {
    if (fieldNumber >= actions.length) {
      actions = java.util.Arrays.copyOf(actions, fieldNumber + 1);
    }
    actions[fieldNumber] = action;
  }

  @Override
  public String toString() {
    return "MessagePlan(" + typeName + ")";
  }
}
