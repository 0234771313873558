package dev.tempura.proxy.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.SignalWorkflowExecutionRequest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FieldScanTest {
  private static final Descriptor SIGNAL = SignalWorkflowExecutionRequest.getDescriptor();
  private static final Descriptor RESPOND = RespondWorkflowTaskCompletedRequest.getDescriptor();

  @Test
  void read_severalPaths_agreesWithWireFields() {
    int[] ns = WireFields.path(SIGNAL, "namespace");
    int[] id = WireFields.path(SIGNAL, "workflow_execution.workflow_id");
    int[] run = WireFields.path(SIGNAL, "workflow_execution.run_id");
    FieldScan.Builder b = FieldScan.builder();
    int nsAt = b.last(ns);
    int idAt = b.last(id);
    int runAt = b.last(run);
    FieldScan scan = b.build();
    byte[] msg =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace("orders")
            .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1"))
            .setSignalName("s")
            .build()
            .toByteArray();

    FieldScan.Values v = scan.read(msg);

    assertThat(v.string(nsAt)).isEqualTo(WireFields.string(msg, ns)).isEqualTo("orders");
    assertThat(v.string(idAt)).isEqualTo("wf-1");
    assertThat(v.string(runAt)).isNull();
  }

  @Test
  void read_everyPath_collectsThroughRepeatedFields() {
    int[] ids =
        WireFields.path(
            RESPOND, "commands.start_child_workflow_execution_command_attributes.workflow_id");
    FieldScan.Builder b = FieldScan.builder();
    int at = b.every(ids);
    RespondWorkflowTaskCompletedRequest.Builder r =
        RespondWorkflowTaskCompletedRequest.newBuilder();
    for (int i = 0; i < 10; i++) {
      r.addCommands(
          Command.newBuilder()
              .setStartChildWorkflowExecutionCommandAttributes(
                  StartChildWorkflowExecutionCommandAttributes.newBuilder()
                      .setWorkflowId("child-" + i)));
    }
    byte[] msg = r.build().toByteArray();

    assertThat(b.build().read(msg).strings(at)).isEqualTo(WireFields.strings(msg, ids)).hasSize(10);
  }

  @Test
  void read_malformedTopLevel_throwsLikeValidateTopLevel() {
    FieldScan scan = FieldScan.builder().build();
    byte[] truncated = {0x0A, 0x05, 'a'};
    assertThatThrownBy(() -> WireFields.validateTopLevel(truncated))
        .isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> scan.read(truncated)).isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void read_malformedNestedMessage_failsOnlyThePathThroughIt() {
    int[] ns = WireFields.path(SIGNAL, "namespace");
    int[] id = WireFields.path(SIGNAL, "workflow_execution.workflow_id");
    FieldScan.Builder b = FieldScan.builder();
    int nsAt = b.last(ns);
    int idAt = b.last(id);
    // namespace "ns", then workflow_execution holding a truncated length-delimited field
    byte[] msg = {0x0A, 0x02, 'n', 's', 0x12, 0x02, 0x0A, 0x05};

    FieldScan.Values v = b.build().read(msg);

    assertThat(v.string(nsAt)).isEqualTo("ns");
    assertThatThrownBy(() -> v.string(idAt)).isInstanceOf(MalformedMessageException.class);
    assertThatThrownBy(() -> WireFields.string(msg, id))
        .isInstanceOf(MalformedMessageException.class);
  }

  @Test
  void read_randomBytes_agreesWithWireFieldsOnWhatItAccepts() {
    int[] ns = WireFields.path(SIGNAL, "namespace");
    int[] id = WireFields.path(SIGNAL, "workflow_execution.workflow_id");
    FieldScan.Builder b = FieldScan.builder();
    int nsAt = b.last(ns);
    int idAt = b.last(id);
    FieldScan scan = b.build();
    byte[] base =
        SignalWorkflowExecutionRequest.newBuilder()
            .setNamespace("orders")
            .setWorkflowExecution(
                WorkflowExecution.newBuilder().setWorkflowId("wf-1").setRunId("r"))
            .build()
            .toByteArray();
    Random random = new Random(7);
    for (int i = 0; i < 5_000; i++) {
      byte[] msg = Arrays.copyOf(base, base.length);
      msg[random.nextInt(msg.length)] = (byte) random.nextInt(256);
      String expectedNs;
      try {
        WireFields.validateTopLevel(msg);
        expectedNs = WireFields.string(msg, ns);
      } catch (MalformedMessageException e) {
        assertThatThrownBy(() -> scan.read(msg)).isInstanceOf(MalformedMessageException.class);
        continue;
      }
      FieldScan.Values v = scan.read(msg);
      assertThat(v.string(nsAt)).isEqualTo(expectedNs);
      String expectedId;
      try {
        expectedId = WireFields.string(msg, id);
      } catch (MalformedMessageException e) {
        assertThatThrownBy(() -> v.string(idAt)).isInstanceOf(MalformedMessageException.class);
        continue;
      }
      assertThat(v.string(idAt)).isEqualTo(expectedId);
    }
  }
}
