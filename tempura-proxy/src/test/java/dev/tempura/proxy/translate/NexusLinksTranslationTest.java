package dev.tempura.proxy.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.temporal.api.common.v1.Callback;
import io.temporal.api.common.v1.Link;
import io.temporal.api.nexus.v1.EndpointSpec;
import io.temporal.api.nexus.v1.EndpointTarget;
import io.temporal.api.nexus.v1.Request;
import io.temporal.api.nexus.v1.Response;
import io.temporal.api.nexus.v1.StartOperationRequest;
import io.temporal.api.nexus.v1.StartOperationResponse;
import io.temporal.api.operatorservice.v1.CreateNexusEndpointRequest;
import io.temporal.api.operatorservice.v1.OperatorServiceGrpc;
import io.temporal.api.workflowservice.v1.PollNexusTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondNexusTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The namespace inside Nexus links (URLs, {@code temporal:///namespaces/<name>/...}), in callbacks
 * and workflow links of a handler's start, and in an endpoint's worker target: physical toward the
 * backend, virtual toward the client.
 */
class NexusLinksTranslationTest {
  private static final String VIRT = "virt";
  private static final PhysicalNamespace PHYS =
      new PhysicalNamespace(
          "phys", ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1);

  private static RoutingTable table;
  private static Translations translations;
  private static Translation t;

  @BeforeAll
  static void setUp() {
    table = dev.tempura.proxy.MethodTable.build();
    translations = new Translations(table.schema());
    t = new Translation(VIRT, PHYS);
  }

  private static String url(String ns) {
    return "temporal:///namespaces/"
        + ns
        + "/workflows/caller-1/run-1/history?referenceType=EventReference&eventID=5";
  }

  @Test
  void pollNexusTask_linkUrlsOfTheCaller_becomeVirtual() throws Exception {
    PollNexusTaskQueueResponse in =
        PollNexusTaskQueueResponse.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("tok"))
            .setRequest(
                Request.newBuilder()
                    .setStartOperation(
                        StartOperationRequest.newBuilder()
                            .setRequestId("req-1")
                            .addLinks(
                                io.temporal.api.nexus.v1.Link.newBuilder()
                                    .setUrl(url("phys"))
                                    .setType("temporal.api.common.v1.Link.WorkflowEvent"))
                            // another namespace's link is not ours to rename
                            .addLinks(
                                io.temporal.api.nexus.v1.Link.newBuilder().setUrl(url("physx")))))
            .build();

    PollNexusTaskQueueResponse out =
        PollNexusTaskQueueResponse.parseFrom(
            translations.response(
                table.route(WorkflowServiceGrpc.getPollNexusTaskQueueMethod()),
                in.toByteArray(),
                t));

    StartOperationRequest start = out.getRequest().getStartOperation();
    assertThat(start.getLinks(0).getUrl()).isEqualTo(url("virt"));
    assertThat(start.getLinks(0).getType()).isEqualTo("temporal.api.common.v1.Link.WorkflowEvent");
    assertThat(start.getLinks(1).getUrl()).isEqualTo(url("physx"));
    assertThat(start.getRequestId()).isEqualTo("req-1");
  }

  @Test
  void respondNexusTaskCompleted_asyncLinks_becomePhysical() throws Exception {
    RespondNexusTaskCompletedRequest in =
        RespondNexusTaskCompletedRequest.newBuilder()
            .setNamespace(VIRT)
            .setResponse(
                Response.newBuilder()
                    .setStartOperation(
                        StartOperationResponse.newBuilder()
                            .setAsyncSuccess(
                                StartOperationResponse.Async.newBuilder()
                                    .setOperationToken("op")
                                    .addLinks(
                                        io.temporal.api.nexus.v1.Link.newBuilder()
                                            .setUrl(url("virt"))))))
            .build();

    RespondNexusTaskCompletedRequest out =
        RespondNexusTaskCompletedRequest.parseFrom(
            translations.request(
                table.route(WorkflowServiceGrpc.getRespondNexusTaskCompletedMethod()),
                in.toByteArray(),
                t));

    assertThat(out.getNamespace()).isEqualTo("phys");
    assertThat(out.getResponse().getStartOperation().getAsyncSuccess().getLinks(0).getUrl())
        .isEqualTo(url("phys"));
  }

  @Test
  void handlerStart_workflowLinksAndCallbackLinks_becomePhysical() throws Exception {
    Link callerLink =
        Link.newBuilder()
            .setWorkflowEvent(
                Link.WorkflowEvent.newBuilder().setNamespace(VIRT).setWorkflowId("caller-1"))
            .build();
    StartWorkflowExecutionRequest in =
        StartWorkflowExecutionRequest.newBuilder()
            .setNamespace(VIRT)
            .setWorkflowId("handler-1")
            .setRequestId("req-1")
            .addLinks(callerLink)
            .addCompletionCallbacks(
                Callback.newBuilder()
                    .setNexus(Callback.Nexus.newBuilder().setUrl("temporal://system"))
                    .addLinks(callerLink))
            .build();

    StartWorkflowExecutionRequest out =
        StartWorkflowExecutionRequest.parseFrom(
            translations.request(
                table.route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()),
                in.toByteArray(),
                t));

    assertThat(out.getLinks(0).getWorkflowEvent().getNamespace()).isEqualTo("phys");
    assertThat(out.getCompletionCallbacks(0).getLinks(0).getWorkflowEvent().getNamespace())
        .isEqualTo("phys");
    assertThat(out.getCompletionCallbacks(0).getNexus().getUrl()).isEqualTo("temporal://system");
  }

  @Test
  void createEndpoint_workerTarget_becomesPhysical() throws Exception {
    CreateNexusEndpointRequest in =
        CreateNexusEndpointRequest.newBuilder()
            .setSpec(
                EndpointSpec.newBuilder()
                    .setName("payments")
                    .setTarget(
                        EndpointTarget.newBuilder()
                            .setWorker(
                                EndpointTarget.Worker.newBuilder()
                                    .setNamespace(VIRT)
                                    .setTaskQueue("q"))))
            .build();

    CreateNexusEndpointRequest out =
        CreateNexusEndpointRequest.parseFrom(
            translations.request(
                table.route(OperatorServiceGrpc.getCreateNexusEndpointMethod()),
                in.toByteArray(),
                t));

    assertThat(out.getSpec().getTarget().getWorker().getNamespace()).isEqualTo("phys");
    assertThat(out.getSpec().getTarget().getWorker().getTaskQueue()).isEqualTo("q");
  }
}
