package dev.tempura.proxy.fuzz;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Well-formed messages of any type with most fields set, for the seeds of mutation fuzzing: the
 * mutations of a valid message reach far deeper into the rewriters than random bytes do. Namespace
 * fields carry the given name and {@code task_token} fields the given token, so the translation
 * paths that matter are taken.
 */
public final class SampleMessages {
  private final String namespace;
  private final byte[] taskToken;
  private final int maxDepth;

  public SampleMessages(String namespace, byte[] taskToken, int maxDepth) {
    this.namespace = namespace;
    this.taskToken = taskToken;
    this.maxDepth = maxDepth;
  }

  /** {@code count} samples of {@code type}, each with its own choice of fields and oneofs. */
  public List<byte[]> samples(Descriptor type, long seed, int count) {
    Random random = new Random(seed ^ type.getFullName().hashCode());
    List<byte[]> out = new ArrayList<>();
    // the first: every field the depth allows; the rest: a random subset
    out.add(build(type, random, 0, 1.0).toByteArray());
    for (int i = 1; i < count; i++) {
      out.add(build(type, random, 0, 0.6).toByteArray());
    }
    return out;
  }

  private DynamicMessage build(Descriptor type, Random random, int depth, double presence) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (random.nextDouble() > presence) {
        continue;
      }
      if (f.getRealContainingOneof() != null
          && random.nextInt(f.getRealContainingOneof().getFieldCount()) != 0) {
        // one member of each oneof, chosen at random
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= maxDepth) {
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && f.getMessageType().getFullName().equals("google.protobuf.Any")) {
        continue;
      }
      Object value = value(f, random, depth, presence);
      if (value == null) {
        continue;
      }
      if (f.isRepeated()) {
        b.addRepeatedField(f, value);
        if (random.nextInt(4) == 0) {
          b.addRepeatedField(f, value(f, random, depth, presence));
        }
      } else {
        b.setField(f, value);
      }
    }
    return b.build();
  }

  private Object value(FieldDescriptor f, Random random, int depth, double presence) {
    String name = f.getName();
    return switch (f.getJavaType()) {
      case STRING -> {
        if (name.equals("namespace") || name.endsWith("_namespace")) {
          yield namespace;
        }
        if (name.equals("name")
            && f.getContainingType()
                .getFullName()
                .equals("temporal.api.namespace.v1.NamespaceInfo")) {
          yield namespace;
        }
        yield name + "-" + random.nextInt(100);
      }
      case BYTE_STRING ->
          name.equals("task_token")
              ? ByteString.copyFrom(taskToken)
              : ByteString.copyFromUtf8("b" + random.nextInt(1000));
      case INT -> random.nextInt(1000);
      case LONG -> (long) random.nextInt(1_000_000);
      case FLOAT -> 1.5f;
      case DOUBLE -> 2.5;
      case BOOLEAN -> true;
      case ENUM -> {
        EnumDescriptor e = f.getEnumType();
        yield e.getValues().get(random.nextInt(e.getValues().size()));
      }
      case MESSAGE -> build(f.getMessageType(), random, depth + 1, presence);
    };
  }
}
