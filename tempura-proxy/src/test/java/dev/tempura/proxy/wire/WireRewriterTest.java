package dev.tempura.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StringValue;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.FailWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.Link;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.failure.v1.ChildWorkflowExecutionFailureInfo;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.protocol.v1.Message;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wire-level rewriter on its own: which bytes it edits, what it leaves alone, and how it fails.
 * Uses the production schema; the editor is a test double that renames "from" to "to".
 */
class WireRewriterTest {
  private static WireSchema schema;
  private static WireRewriter rewriter;

  @BeforeAll
  static void setUp() {
    schema = dev.tempura.proxy.MethodTable.build().schema();
    rewriter = new WireRewriter(schema);
  }

  private static MessagePlan plan(com.google.protobuf.Descriptors.Descriptor d) {
    MessagePlan p = schema.plan(d);
    assertThat(p).as("plan of %s", d.getFullName()).isNotNull();
    return p;
  }

  /** Renames namespace {@code from} to {@code to}; leaves task tokens alone. */
  private static FieldEditor rename(String from, String to) {
    byte[] f = from.getBytes(StandardCharsets.UTF_8);
    byte[] t = to.getBytes(StandardCharsets.UTF_8);
    return (role, buf, off, len) ->
        role == FieldRole.NAMESPACE && Arrays.equals(buf, off, off + len, f, 0, f.length)
            ? t
            : null;
  }

  private static byte[] rewrite(com.google.protobuf.Message m, FieldEditor editor) {
    return rewriter.rewrite(m.toByteArray(), plan(m.getDescriptorForType()), editor);
  }

  // ---- schema ----

  @Test
  void schema_typesThatCannotReachANamespaceOrToken_haveNoPlan() {
    assertThat(schema.plan(Payload.getDescriptor())).isNull();
    assertThat(schema.plan(TaskQueue.getDescriptor())).isNull();
    assertThat(schema.plan(WorkflowType.getDescriptor())).isNull();
  }

  @Test
  void schema_recursiveAndAnyTypes_havePlans() {
    assertThat(schema.plan(Failure.getDescriptor())).isNotNull();
    assertThat(schema.plan(Any.getDescriptor())).isNotNull();
    assertThat(schema.plan(Any.getDescriptor()).isAny()).isTrue();
    assertThat(schema.plannedTypes()).contains("temporal.api.failure.v1.Failure");
    assertThat(schema.type("temporal.api.common.v1.Payload")).isEqualTo(Payload.getDescriptor());
  }

  // ---- editing ----

  @Test
  void rewrite_nullPlan_returnsTheInputItself() {
    byte[] in = {1, 2, 3};
    assertThat(rewriter.rewrite(in, null, rename("a", "b"))).isSameAs(in);
  }

  @Test
  void rewrite_editorKeepsEverything_returnsTheSameArrayInstance() {
    byte[] in = richStart("virt").toByteArray();
    assertThat(
            rewriter.rewrite(
                in, plan(StartWorkflowExecutionRequest.getDescriptor()), rename("x", "y")))
        .isSameAs(in);
  }

  @Test
  void rewrite_editorSeesRoleAndExactSpanOfEachMarkedField() {
    RespondWorkflowTaskCompletedRequest req =
        RespondWorkflowTaskCompletedRequest.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("tok"))
            .setNamespace("ns-top")
            .addCommands(
                Command.newBuilder()
                    .setStartChildWorkflowExecutionCommandAttributes(
                        io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes
                            .newBuilder()
                            .setNamespace("ns-child")))
            .build();
    List<String> seen = new ArrayList<>();
    byte[] in = req.toByteArray();
    byte[] out =
        rewriter.rewrite(
            in,
            plan(RespondWorkflowTaskCompletedRequest.getDescriptor()),
            (role, buf, off, len) -> {
              seen.add(role + "=" + new String(buf, off, len, StandardCharsets.UTF_8));
              return null;
            });
    assertThat(out).isSameAs(in);
    assertThat(seen).containsExactly("TASK_TOKEN=tok", "NAMESPACE=ns-child", "NAMESPACE=ns-top");
  }

  @Test
  void rewrite_longerReplacement_reencodesEveryEnclosingLength() throws Exception {
    String longName = "n".repeat(300); // needs a two-byte length; so do its parents
    ExecuteMultiOperationRequest req = multiOp("v");
    byte[] out = rewrite(req, rename("v", longName));
    ExecuteMultiOperationRequest parsed = ExecuteMultiOperationRequest.parseFrom(out);
    assertThat(parsed).isEqualTo(multiOp(longName));
    assertThat(out).isEqualTo(multiOp(longName).toByteArray());
  }

  @Test
  void rewrite_shorterReplacement_reencodesEveryEnclosingLength() throws Exception {
    String longName = "n".repeat(300);
    byte[] out = rewrite(multiOp(longName), rename(longName, "v"));
    assertThat(ExecuteMultiOperationRequest.parseFrom(out)).isEqualTo(multiOp("v"));
    assertThat(out).isEqualTo(multiOp("v").toByteArray());
  }

  @Test
  void rewrite_everyOccurrenceOfARepeatedSingularField_isEdited() throws Exception {
    byte[] twice =
        concat(
            StartWorkflowExecutionRequest.newBuilder().setNamespace("virt").build().toByteArray(),
            StartWorkflowExecutionRequest.newBuilder().setNamespace("virt").build().toByteArray());
    byte[] out =
        rewriter.rewrite(
            twice, plan(StartWorkflowExecutionRequest.getDescriptor()), rename("virt", "phys"));
    assertThat(WireFields.strings(out, new int[] {1})).containsExactly("phys", "phys");
  }

  @Test
  void rewrite_unknownFieldsAndFieldOrder_arePreservedByteForByte() throws Exception {
    // unknown field 999 before and after the namespace; nothing else but the name may change
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(raw);
    c.writeString(999, "before");
    c.writeString(1, "virt");
    c.writeUInt64(998, 12345);
    c.writeString(2, "wf-1");
    c.writeString(999, "after");
    c.flush();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    c = CodedOutputStream.newInstance(expected);
    c.writeString(999, "before");
    c.writeString(1, "phys");
    c.writeUInt64(998, 12345);
    c.writeString(2, "wf-1");
    c.writeString(999, "after");
    c.flush();
    byte[] out =
        rewriter.rewrite(
            raw.toByteArray(),
            plan(StartWorkflowExecutionRequest.getDescriptor()),
            rename("virt", "phys"));
    assertThat(out).isEqualTo(expected.toByteArray());
  }

  @Test
  void rewrite_markedFieldNumberWithAnotherWireType_isCopiedNotEdited() {
    byte[] in = {0x08, 0x05, 0x12, 0x01, 'w'}; // field 1 as varint, field 2 (workflow_id)
    byte[] out =
        rewriter.rewrite(
            in,
            plan(StartWorkflowExecutionRequest.getDescriptor()),
            (r, b, o, l) -> {
              throw new AssertionError("editor must not be called");
            });
    assertThat(out).isSameAs(in);
  }

  @Test
  void rewrite_unplannedNestedFields_areNotParsed_soTheirBytesPassThroughUnchanged() {
    // input (field 5, Payloads) holds bytes that are not protobuf; the plan never descends there
    byte[] in =
        concat(
            StartWorkflowExecutionRequest.newBuilder().setNamespace("virt").build().toByteArray(),
            new byte[] {0x2A, 0x03, (byte) 0xFF, 0x00, 0x0B});
    byte[] out =
        rewriter.rewrite(
            in, plan(StartWorkflowExecutionRequest.getDescriptor()), rename("virt", "phys"));
    assertThat(Arrays.copyOfRange(out, out.length - 5, out.length))
        .containsExactly(0x2A, 0x03, 0xFF, 0x00, 0x0B);
    assertThat(WireFields.string(out, new int[] {1})).isEqualTo("phys");
  }

  // ---- google.protobuf.Any ----

  @Test
  void rewrite_anyValue_isResolvedByTypeUrl() throws Exception {
    PollWorkflowTaskQueueResponse resp = pollWithMessageBody(Any.pack(linkTo("phys")));
    byte[] out = rewrite(resp, rename("phys", "virt"));
    PollWorkflowTaskQueueResponse parsed = PollWorkflowTaskQueueResponse.parseFrom(out);
    assertThat(parsed.getMessages(0).getBody().unpack(Link.class)).isEqualTo(linkTo("virt"));
    assertThat(parsed).isEqualTo(pollWithMessageBody(Any.pack(linkTo("virt"))));
  }

  @Test
  void rewrite_anyWithCustomTypeUrlPrefix_isResolvedByTheLastPathSegment() throws Exception {
    Any any = Any.pack(linkTo("phys"), "example.com/some/prefix");
    byte[] out = rewrite(pollWithMessageBody(any), rename("phys", "virt"));
    Any body = PollWorkflowTaskQueueResponse.parseFrom(out).getMessages(0).getBody();
    assertThat(body.getTypeUrl()).isEqualTo("example.com/some/prefix/temporal.api.common.v1.Link");
    assertThat(Link.parseFrom(body.getValue())).isEqualTo(linkTo("virt"));
  }

  @Test
  void rewrite_anyInsideAny_isResolvedRecursively() throws Exception {
    Any inner = Any.pack(linkTo("phys"));
    byte[] out = rewrite(pollWithMessageBody(Any.pack(inner)), rename("phys", "virt"));
    Any body = PollWorkflowTaskQueueResponse.parseFrom(out).getMessages(0).getBody();
    assertThat(body.unpack(Any.class).unpack(Link.class)).isEqualTo(linkTo("virt"));
  }

  @Test
  void rewrite_anyOfATypeOutsideTheSchemaOrWithoutNamespaces_isLeftAlone() {
    byte[] a = pollWithMessageBody(Any.pack(StringValue.of("phys"))).toByteArray();
    assertThat(
            rewriter.rewrite(
                a, plan(PollWorkflowTaskQueueResponse.getDescriptor()), rename("phys", "virt")))
        .isSameAs(a);
    Any unknown =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/no.such.Type")
            .setValue(linkTo("phys").toByteString())
            .build();
    byte[] b = pollWithMessageBody(unknown).toByteArray();
    assertThat(
            rewriter.rewrite(
                b, plan(PollWorkflowTaskQueueResponse.getDescriptor()), rename("phys", "virt")))
        .isSameAs(b);
  }

  @Test
  void rewrite_anyWithValueBeforeTypeUrl_isStillResolved() throws Exception {
    ByteArrayOutputStream anyBytes = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(anyBytes);
    c.writeBytes(2, linkTo("phys").toByteString());
    c.writeString(1, "type.googleapis.com/temporal.api.common.v1.Link");
    c.flush();
    Message msg = Message.newBuilder().setId("m1").build();
    byte[] in = concat(msg.toByteArray(), lengthDelimited(5, anyBytes.toByteArray()));
    byte[] out = rewriter.rewrite(in, plan(Message.getDescriptor()), rename("phys", "virt"));
    Message parsed = Message.parseFrom(out);
    assertThat(parsed.getId()).isEqualTo("m1");
    assertThat(parsed.getBody().unpack(Link.class)).isEqualTo(linkTo("virt"));
  }

  @Test
  void rewrite_anyWithoutValueOrTypeUrl_isLeftAlone() {
    byte[] noValue =
        Message.newBuilder()
            .setBody(Any.newBuilder().setTypeUrl("type.googleapis.com/temporal.api.common.v1.Link"))
            .build()
            .toByteArray();
    assertThat(rewriter.rewrite(noValue, plan(Message.getDescriptor()), rename("phys", "virt")))
        .isSameAs(noValue);
    byte[] noUrl =
        Message.newBuilder()
            .setBody(Any.newBuilder().setValue(linkTo("phys").toByteString()))
            .build()
            .toByteArray();
    assertThat(rewriter.rewrite(noUrl, plan(Message.getDescriptor()), rename("phys", "virt")))
        .isSameAs(noUrl);
  }

  // ---- malformed input ----

  @Test
  void rewrite_everyTruncation_failsExactlyWhenProtobufFails() {
    byte[] full = richStart("virt").toByteArray();
    MessagePlan p = plan(StartWorkflowExecutionRequest.getDescriptor());
    int rejected = 0;
    for (int len = 0; len < full.length; len++) {
      byte[] cut = Arrays.copyOf(full, len);
      boolean protobufAccepts;
      try {
        StartWorkflowExecutionRequest.parseFrom(cut);
        protobufAccepts = true;
      } catch (InvalidProtocolBufferException e) {
        protobufAccepts = false;
      }
      try {
        rewriter.rewrite(cut, p, rename("virt", "phys"));
        assertThat(protobufAccepts).as("prefix %d accepted but protobuf rejects it", len).isTrue();
      } catch (MalformedMessageException e) {
        assertThat(protobufAccepts).as("prefix %d rejected but protobuf accepts it", len).isFalse();
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(full.length / 2);
  }

  @Test
  void rewrite_lengthPrefixThatOverrunsTheMessage_isMalformed() {
    byte[] in = {0x0A, 0x10, 'v', 'i', 'r', 't'};
    assertThatThrownBy(
            () ->
                rewriter.rewrite(
                    in,
                    plan(StartWorkflowExecutionRequest.getDescriptor()),
                    rename("virt", "phys")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("overruns");
  }

  @Test
  void rewrite_overrunInsideAPlannedNestedMessage_isMalformed() {
    // links (24) { workflow_event (1) { namespace (1): length 9, but only 4 bytes } }
    byte[] workflowEvent = {0x0A, 0x09, 'v', 'i', 'r', 't'};
    byte[] link = lengthDelimited(1, workflowEvent);
    byte[] in = lengthDelimited(24, link);
    assertThatThrownBy(
            () ->
                rewriter.rewrite(
                    in,
                    plan(StartWorkflowExecutionRequest.getDescriptor()),
                    rename("virt", "phys")))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void rewrite_overrunOfAnUnmarkedField_isMalformed() {
    byte[] in = {0x0A, 0x04, 'v', 'i', 'r', 't', 0x12, 0x05, 'w'};
    assertThatThrownBy(
            () ->
                rewriter.rewrite(
                    in,
                    plan(StartWorkflowExecutionRequest.getDescriptor()),
                    rename("virt", "phys")))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void rewrite_garbageTagZero_isMalformed() {
    byte[] in = {0x00, 0x0A, 0x04, 'v', 'i', 'r', 't'};
    assertThatThrownBy(
            () ->
                rewriter.rewrite(
                    in,
                    plan(StartWorkflowExecutionRequest.getDescriptor()),
                    rename("virt", "phys")))
        .isInstanceOf(MalformedMessageException.class)
        .hasMessageContaining("invalid tag");
  }

  @Test
  void rewrite_groupWireTypes_areMalformed() {
    for (byte tag : new byte[] {0x13, 0x14, 0x16, 0x17}) { // field 2, wire types 3, 4, 6, 7
      byte[] in = {0x0A, 0x04, 'v', 'i', 'r', 't', tag, 0x00};
      assertThatThrownBy(
              () ->
                  rewriter.rewrite(
                      in,
                      plan(StartWorkflowExecutionRequest.getDescriptor()),
                      rename("virt", "phys")))
          .as("tag %02x", tag)
          .isInstanceOf(MalformedMessageException.class)
          .hasMessageContaining("wire type");
    }
  }

  @Test
  void rewrite_malformedAnyValue_isMalformed() {
    Any bad =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/temporal.api.common.v1.Link")
            .setValue(ByteString.copyFrom(new byte[] {0x0A, 0x7F}))
            .build();
    byte[] in = Message.newBuilder().setBody(bad).build().toByteArray();
    assertThatThrownBy(
            () -> rewriter.rewrite(in, plan(Message.getDescriptor()), rename("phys", "virt")))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void rewrite_moderatelyDeepFailureChain_isRewrittenAtTheBottom() throws Exception {
    Failure.Builder f =
        Failure.newBuilder()
            .setChildWorkflowExecutionFailureInfo(
                ChildWorkflowExecutionFailureInfo.newBuilder().setNamespace("virt"));
    for (int i = 0; i < 50; i++) {
      f = Failure.newBuilder().setMessage("level " + i).setCause(f);
    }
    RespondWorkflowTaskCompletedRequest req = failWorkflow(f.build());
    byte[] out = rewrite(req, rename("virt", "phys"));
    Failure g =
        RespondWorkflowTaskCompletedRequest.parseFrom(out)
            .getCommands(0)
            .getFailWorkflowExecutionCommandAttributes()
            .getFailure();
    while (g.hasCause()) {
      g = g.getCause();
    }
    assertThat(g.getChildWorkflowExecutionFailureInfo().getNamespace()).isEqualTo("phys");
  }

  @Test
  void rewrite_hostileNestingDepth_failsAsMalformedNotStackOverflow() {
    // RespondWorkflowTaskCompletedRequest.commands[0].fail_workflow_execution_command_attributes
    //   .failure.cause.cause... 10,000 deep: protobuf itself refuses past 100 levels.
    byte[] failure = new byte[0];
    for (int i = 0; i < 10_000; i++) {
      failure = lengthDelimited(4, failure);
    }
    byte[] in = lengthDelimited(2, lengthDelimited(5, lengthDelimited(1, failure)));
    assertThatThrownBy(() -> RespondWorkflowTaskCompletedRequest.parseFrom(in))
        .isInstanceOf(InvalidProtocolBufferException.class);
    try {
      rewriter.rewrite(
          in, plan(RespondWorkflowTaskCompletedRequest.getDescriptor()), rename("virt", "phys"));
    } catch (MalformedMessageException acceptable) {
      // the wanted outcome for input protobuf itself rejects
    } catch (StackOverflowError e) {
      fail("StackOverflowError on a " + in.length + "-byte request");
    }
  }

  // ---- helpers ----

  private static StartWorkflowExecutionRequest richStart(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setWorkflowId("wf-1")
        .setWorkflowType(WorkflowType.newBuilder().setName("Greeting"))
        .setTaskQueue(TaskQueue.newBuilder().setName("tq"))
        .setInput(
            Payloads.newBuilder()
                .addPayloads(
                    Payload.newBuilder()
                        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
                        .setData(ByteString.copyFromUtf8("\"virt\""))))
        .setIdentity("worker@host")
        .setRequestId("req-1")
        .addLinks(linkTo(namespace))
        .setContinuedFailure(
            Failure.newBuilder()
                .setMessage("boom")
                .setChildWorkflowExecutionFailureInfo(
                    ChildWorkflowExecutionFailureInfo.newBuilder().setNamespace(namespace)))
        .build();
  }

  private static Link linkTo(String namespace) {
    return Link.newBuilder()
        .setWorkflowEvent(
            Link.WorkflowEvent.newBuilder()
                .setNamespace(namespace)
                .setWorkflowId("wf-1")
                .setRunId("run-1"))
        .build();
  }

  private static ExecuteMultiOperationRequest multiOp(String namespace) {
    return ExecuteMultiOperationRequest.newBuilder()
        .setNamespace(namespace)
        .addOperations(
            ExecuteMultiOperationRequest.Operation.newBuilder()
                .setStartWorkflow(
                    StartWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace)
                        .setWorkflowId("wf-1")
                        .setIdentity("me")))
        .addOperations(
            ExecuteMultiOperationRequest.Operation.newBuilder()
                .setUpdateWorkflow(
                    io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace)))
        .build();
  }

  private static PollWorkflowTaskQueueResponse pollWithMessageBody(Any body) {
    return PollWorkflowTaskQueueResponse.newBuilder()
        .setAttempt(1)
        .addMessages(
            Message.newBuilder().setId("msg-1").setProtocolInstanceId("upd-1").setBody(body))
        .build();
  }

  private static RespondWorkflowTaskCompletedRequest failWorkflow(Failure failure) {
    return RespondWorkflowTaskCompletedRequest.newBuilder()
        .addCommands(
            Command.newBuilder()
                .setFailWorkflowExecutionCommandAttributes(
                    FailWorkflowExecutionCommandAttributes.newBuilder().setFailure(failure)))
        .build();
  }

  private static byte[] lengthDelimited(int field, byte[] value) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(value.length + 8);
      CodedOutputStream c = CodedOutputStream.newInstance(out);
      c.writeByteArray(field, value);
      c.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
