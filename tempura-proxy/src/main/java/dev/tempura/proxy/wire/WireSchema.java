package dev.tempura.proxy.wire;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Rewrite plans for every message type of a set of protobuf files, derived once from their
 * descriptors: a field gets a {@link FieldRole} by the classifier, and a message field gets a plan
 * only if its type can reach such a field. Types that cannot are never descended into.
 */
public final class WireSchema {
  private static final String ANY = "google.protobuf.Any";

  private final Map<String, Descriptor> types = new HashMap<>();
  private final Map<String, MessagePlan> plans = new HashMap<>();

  private WireSchema() {}

  /**
   * Builds plans for every message type in {@code files} and everything they import.
   *
   * @param classifier the role of a field, or null when the proxy leaves it alone
   */
  public static WireSchema build(
      List<FileDescriptor> files, Function<FieldDescriptor, FieldRole> classifier) {
    WireSchema schema = new WireSchema();
    Set<String> seenFiles = new HashSet<>();
    ArrayDeque<FileDescriptor> pending = new ArrayDeque<>(files);
    while (!pending.isEmpty()) {
      FileDescriptor f = pending.pop();
      if (!seenFiles.add(f.getFullName())) {
        continue;
      }
      pending.addAll(f.getDependencies());
      for (Descriptor d : f.getMessageTypes()) {
        schema.collect(d);
      }
    }
    schema.compile(classifier);
    return schema;
  }

  /** The plan of a type, or null when nothing in it can need rewriting. */
  public MessagePlan plan(Descriptor type) {
    return plans.get(type.getFullName());
  }

  /** The plan of a type by its full name, or null. */
  MessagePlan plan(String fullTypeName) {
    return plans.get(fullTypeName);
  }

  /** A descriptor of the schema by full name, or null. */
  public Descriptor type(String fullTypeName) {
    return types.get(fullTypeName);
  }

  private void collect(Descriptor d) {
    if (types.putIfAbsent(d.getFullName(), d) != null) {
      return;
    }
    for (Descriptor nested : d.getNestedTypes()) {
      collect(nested);
    }
  }

  private void compile(Function<FieldDescriptor, FieldRole> classifier) {
    // Fixpoint: a type is relevant if it has a classified field, is Any, or has a message field of
    // a relevant type. Recursive types (Failure.cause) make a single pass insufficient.
    Set<String> relevant = new HashSet<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Descriptor d : types.values()) {
        if (relevant.contains(d.getFullName())) {
          continue;
        }
        if (isRelevant(d, relevant, classifier)) {
          relevant.add(d.getFullName());
          changed = true;
        }
      }
    }
    for (String name : relevant) {
      plans.put(name, new MessagePlan(name, name.equals(ANY)));
    }
    for (String name : relevant) {
      MessagePlan plan = plans.get(name);
      for (FieldDescriptor f : types.get(name).getFields()) {
        FieldRole role = classifier.apply(f);
        if (role != null) {
          plan.set(f.getNumber(), role);
        } else if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          MessagePlan nested = plans.get(f.getMessageType().getFullName());
          if (nested != null) {
            plan.set(f.getNumber(), nested);
          }
        }
      }
    }
  }

  private static boolean isRelevant(
      Descriptor d, Set<String> relevant, Function<FieldDescriptor, FieldRole> classifier) {
    if (d.getFullName().equals(ANY)) {
      return true;
    }
    for (FieldDescriptor f : d.getFields()) {
      if (classifier.apply(f) != null) {
        return true;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && relevant.contains(f.getMessageType().getFullName())) {
        return true;
      }
    }
    return false;
  }

  /** Names of all types with a plan; for tests and diagnostics. */
  List<String> plannedTypes() {
    return new ArrayList<>(plans.keySet());
  }
}
