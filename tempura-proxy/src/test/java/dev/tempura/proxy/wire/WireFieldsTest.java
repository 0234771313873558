package dev.tempura.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireFieldsTest {

  private static int[] path(com.google.protobuf.Descriptors.Descriptor type, String dotted) {
    return WireFields.path(type, dotted);
  }

  @Test
  void path_dottedNames_resolveToFieldNumbers() {
    assertThat(
            path(SignalWorkflowExecutionRequest.getDescriptor(), "workflow_execution.workflow_id"))
        .containsExactly(2, 1);
    assertThat(path(StartWorkflowExecutionRequest.getDescriptor(), "task_queue.name"))
        .containsExactly(4, 1);
  }

  @Test
  void path_unknownField_isIllegal() {
    assertThatThrownBy(() -> path(StartWorkflowExecutionRequest.getDescriptor(), "no_such_field"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no_such_field");
  }

  @Test
  void path_throughAScalar_isIllegal() {
    assertThatThrownBy(() -> path(StartWorkflowExecutionRequest.getDescriptor(), "workflow_id.x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("workflow_id is not a message");
  }

  @Test
  void string_atTopLevelAndNestedPaths_isRead() {
    byte[] msg =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace("virt")
            .setWorkflowExecution(
                WorkflowExecution.newBuilder().setWorkflowId("wf-1").setRunId("run-1"))
            .setSignalName("go")
            .build()
            .toByteArray();
    var d = SignalWorkflowExecutionRequest.getDescriptor();
    assertThat(WireFields.string(msg, path(d, "namespace"))).isEqualTo("virt");
    assertThat(WireFields.string(msg, path(d, "workflow_execution.workflow_id"))).isEqualTo("wf-1");
    assertThat(WireFields.string(msg, path(d, "workflow_execution.run_id"))).isEqualTo("run-1");
    assertThat(WireFields.string(msg, path(d, "identity"))).isNull();
  }

  @Test
  void string_utf8_isDecoded() {
    byte[] msg =
        StartWorkflowExecutionRequest.newBuilder().setWorkflowId("ワーク-ü").build().toByteArray();
    assertThat(WireFields.string(msg, new int[] {2})).isEqualTo("ワーク-ü");
  }

  @Test
  void bytes_andNonEmpty_readTaskTokens() {
    byte[] token = {0, 1, 2, (byte) 0xFF};
    byte[] msg =
        RespondActivityTaskCompletedRequest.newBuilder()
            .setTaskToken(ByteString.copyFrom(token))
            .setNamespace("virt")
            .build()
            .toByteArray();
    assertThat(WireFields.bytes(msg, new int[] {1})).isEqualTo(token);
    assertThat(WireFields.nonEmpty(msg, new int[] {1})).isTrue();
    byte[] without =
        RespondActivityTaskCompletedRequest.newBuilder().setNamespace("virt").build().toByteArray();
    assertThat(WireFields.bytes(without, new int[] {1})).isNull();
    assertThat(WireFields.nonEmpty(without, new int[] {1})).isFalse();
  }

  @Test
  void nonEmpty_explicitlyEmptyValueOnTheWire_isFalse() {
    byte[] msg = {0x0A, 0x00}; // field 1, length 0
    assertThat(WireFields.nonEmpty(msg, new int[] {1})).isFalse();
    assertThat(WireFields.bytes(msg, new int[] {1})).isEmpty();
  }

  @Test
  void varint_readsEnumsAndIntegers_orReturnsAbsent() {
    byte[] msg =
        StartWorkflowExecutionRequest.newBuilder()
            .setWorkflowIdReusePolicy(
                WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE)
            .setTaskQueue(TaskQueue.newBuilder().setKindValue(2))
            .build()
            .toByteArray();
    var d = StartWorkflowExecutionRequest.getDescriptor();
    assertThat(WireFields.varint(msg, path(d, "workflow_id_reuse_policy"), -1))
        .isEqualTo(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE_VALUE);
    assertThat(WireFields.varint(msg, path(d, "task_queue.kind"), -1)).isEqualTo(2);
    assertThat(WireFields.varint(msg, path(d, "workflow_id_conflict_policy"), -1)).isEqualTo(-1);
  }

  @Test
  void varint_largeAndNegativeValues_roundTrip() {
    byte[] msg =
        io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.newBuilder()
            .setMaximumPageSize(-5)
            .build()
            .toByteArray();
    var d = io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest.getDescriptor();
    assertThat((int) WireFields.varint(msg, path(d, "maximum_page_size"), 0)).isEqualTo(-5);
  }

  @Test
  void strings_throughRepeatedFields_returnsEveryValueInOrder() {
    ExecuteMultiOperationRequest req =
        ExecuteMultiOperationRequest.newBuilder()
            .setNamespace("virt")
            .addOperations(
                ExecuteMultiOperationRequest.Operation.newBuilder()
                    .setStartWorkflow(
                        StartWorkflowExecutionRequest.newBuilder()
                            .setNamespace("virt")
                            .setWorkflowId("wf-a")))
            .addOperations(
                ExecuteMultiOperationRequest.Operation.newBuilder()
                    .setUpdateWorkflow(
                        UpdateWorkflowExecutionRequest.newBuilder().setNamespace("virt-2")))
            .addOperations(
                ExecuteMultiOperationRequest.Operation.newBuilder()
                    .setStartWorkflow(
                        StartWorkflowExecutionRequest.newBuilder().setWorkflowId("wf-b")))
            .build();
    var d = ExecuteMultiOperationRequest.getDescriptor();
    byte[] msg = req.toByteArray();
    assertThat(WireFields.strings(msg, path(d, "operations.start_workflow.workflow_id")))
        .containsExactly("wf-a", "wf-b");
    assertThat(WireFields.strings(msg, path(d, "operations.update_workflow.namespace")))
        .containsExactly("virt-2");
    assertThat(WireFields.string(msg, path(d, "operations.start_workflow.workflow_id")))
        .isEqualTo("wf-b");
  }

  @Test
  void forEach_visitsSpansOfTheOriginalBuffer() {
    byte[] msg =
        StartWorkflowExecutionRequest.newBuilder().setNamespace("ns").build().toByteArray();
    List<int[]> spans = new ArrayList<>();
    WireFields.forEach(
        msg,
        new int[] {1},
        (buf, off, len) -> {
          assertThat(buf).isSameAs(msg);
          spans.add(new int[] {off, len});
        });
    assertThat(spans).hasSize(1);
    assertThat(spans.get(0)).containsExactly(2, 2);
  }

  @Test
  void string_repeatedSingularField_lastOccurrenceWins_likeProtobuf() throws Exception {
    byte[] first =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace("first")
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1"))
            .build()
            .toByteArray();
    byte[] second =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace("second")
            .setWorkflowExecution(WorkflowExecution.newBuilder().setRunId("run-2"))
            .build()
            .toByteArray();
    byte[] both = concat(first, second);
    SignalWorkflowExecutionRequest parsed = SignalWorkflowExecutionRequest.parseFrom(both);
    var d = SignalWorkflowExecutionRequest.getDescriptor();

    assertThat(WireFields.string(both, path(d, "namespace")))
        .isEqualTo(parsed.getNamespace())
        .isEqualTo("second");
    // nested messages merge: the first occurrence's workflow_id survives
    assertThat(WireFields.string(both, path(d, "workflow_execution.workflow_id")))
        .isEqualTo(parsed.getWorkflowExecution().getWorkflowId())
        .isEqualTo("wf-1");
    assertThat(WireFields.string(both, path(d, "workflow_execution.run_id"))).isEqualTo("run-2");
  }

  @Test
  void varint_repeatedSingularField_lastOccurrenceWins() throws Exception {
    byte[] first =
        StartWorkflowExecutionRequest.newBuilder()
            .setWorkflowIdReusePolicyValue(1)
            .build()
            .toByteArray();
    byte[] second =
        StartWorkflowExecutionRequest.newBuilder()
            .setWorkflowIdReusePolicyValue(3)
            .build()
            .toByteArray();
    byte[] both = concat(first, second);
    assertThat(WireFields.varint(both, new int[] {11}, -1))
        .isEqualTo(StartWorkflowExecutionRequest.parseFrom(both).getWorkflowIdReusePolicyValue())
        .isEqualTo(3);
  }

  @Test
  void bytes_repeatedSingularField_lastOccurrenceWins() throws Exception {
    byte[] a =
        RespondActivityTaskCompletedRequest.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("one"))
            .build()
            .toByteArray();
    byte[] b =
        RespondActivityTaskCompletedRequest.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("two"))
            .build()
            .toByteArray();
    byte[] both = concat(a, b);
    assertThat(WireFields.bytes(both, new int[] {1}))
        .isEqualTo(
            RespondActivityTaskCompletedRequest.parseFrom(both).getTaskToken().toByteArray());
  }

  @Test
  void string_fieldWithUnexpectedWireType_isIgnored() {
    // field 1 as a varint, then field 1 as a string
    byte[] msg = {0x08, 0x05, 0x0A, 0x01, 'x'};
    assertThat(WireFields.string(msg, new int[] {1})).isEqualTo("x");
    assertThat(WireFields.string(new byte[] {0x08, 0x05}, new int[] {1})).isNull();
  }

  @Test
  void string_malformedBeforeTheField_isRejected() {
    assertThatThrownBy(() -> WireFields.string(new byte[] {0x12, 0x05, 'a'}, new int[] {1}))
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> WireFields.string(new byte[] {0x00, 0x00}, new int[] {1}))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void validateTopLevel_wellFormedMessage_passes() {
    byte[] msg =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace("virt")
            .setWorkflowId("wf")
            .setRequestEagerExecution(true)
            .setWorkflowStartDelay(com.google.protobuf.Duration.newBuilder().setSeconds(5))
            .build()
            .toByteArray();
    assertThatCode(() -> WireFields.validateTopLevel(msg)).doesNotThrowAnyException();
    assertThatCode(() -> WireFields.validateTopLevel(new byte[0])).doesNotThrowAnyException();
    // fixed64 and fixed32 wire types are skipped correctly
    assertThatCode(
            () ->
                WireFields.validateTopLevel(
                    new byte[] {0x09, 1, 2, 3, 4, 5, 6, 7, 8, 0x15, 1, 2, 3, 4}))
        .doesNotThrowAnyException();
  }

  @Test
  void validateTopLevel_knownBadShapes_areRejected() {
    byte[][] bad = {
      {0x00}, // tag 0
      {0x00, 0x00}, // field 0
      {0x0A}, // tag without a length
      {0x0A, 0x05, 'a', 'b'}, // length overruns
      {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}, // huge length
      {0x08}, // varint missing
      {0x08, (byte) 0x80}, // truncated varint
      {0x09, 1, 2, 3}, // truncated fixed64
      {0x0D, 1, 2}, // truncated fixed32
      {0x0B}, // start group
      {0x0C}, // end group
      {0x0E}, // wire type 6
      {0x0F}, // wire type 7
      {
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        (byte) 0x80,
        0x01
      }, // 11-byte varint tag
      {(byte) 0x8A, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01, 0x00}, // tag > 2^32
    };
    for (byte[] b : bad) {
      assertThatThrownBy(() -> WireFields.validateTopLevel(b))
          .as("%s", java.util.Arrays.toString(b))
          .isInstanceOf(MalformedMessageException.class);
    }
  }

  @Test
  void validateTopLevel_randomGarbage_agreesWithProtobufWhenItRejects() {
    // Random bytes: whenever the top-level scan accepts, a protobuf parse of just the top level
    // (as unknown fields) must accept too, and scans never throw anything unexpected.
    Random random = new Random(99);
    int rejected = 0;
    for (int i = 0; i < 5_000; i++) {
      byte[] garbage = new byte[1 + random.nextInt(64)];
      random.nextBytes(garbage);
      boolean ok;
      try {
        WireFields.validateTopLevel(garbage);
        ok = true;
      } catch (MalformedMessageException e) {
        ok = false;
        rejected++;
      }
      if (ok) {
        assertThatCode(() -> com.google.protobuf.UnknownFieldSet.parseFrom(garbage))
            .as("%s", java.util.Arrays.toString(garbage))
            .doesNotThrowAnyException();
      }
    }
    assertThat(rejected).isGreaterThan(4_000);
  }

  @Test
  void validateTopLevel_tagVarintWithBit63Set_isRejected() {
    // varint value (1L << 63) | 2: the range check `tag > 0xFFFFFFFFL` misses negative longs, and
    // the truncated int is tag 2, i.e. field number 0 with wire type 2, which protobuf rejects.
    byte[] msg = {
      (byte) 0x82,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      0x01,
      0x00
    };
    assertThatThrownBy(() -> com.google.protobuf.UnknownFieldSet.parseFrom(msg))
        .isInstanceOf(InvalidProtocolBufferException.class);
    assertThatThrownBy(() -> WireFields.validateTopLevel(msg))
        .isInstanceOf(MalformedMessageException.class);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
