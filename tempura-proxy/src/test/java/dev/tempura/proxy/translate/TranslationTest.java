package dev.tempura.proxy.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.token.InvalidTaskTokenException;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.command.v1.Command;
import io.temporal.api.command.v1.RequestCancelExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.ScheduleActivityTaskCommandAttributes;
import io.temporal.api.command.v1.SignalExternalWorkflowExecutionCommandAttributes;
import io.temporal.api.command.v1.StartChildWorkflowExecutionCommandAttributes;
import io.temporal.api.common.v1.ActivityType;
import io.temporal.api.common.v1.Header;
import io.temporal.api.common.v1.Link;
import io.temporal.api.common.v1.Payload;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.CommandType;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.errordetails.v1.MultiOperationExecutionFailure;
import io.temporal.api.errordetails.v1.NamespaceNotActiveFailure;
import io.temporal.api.errordetails.v1.NamespaceNotFoundFailure;
import io.temporal.api.errordetails.v1.WorkflowExecutionAlreadyStartedFailure;
import io.temporal.api.history.v1.ActivityTaskScheduledEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionCompletedEventAttributes;
import io.temporal.api.history.v1.ChildWorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.History;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.api.history.v1.MarkerRecordedEventAttributes;
import io.temporal.api.history.v1.StartChildWorkflowExecutionInitiatedEventAttributes;
import io.temporal.api.history.v1.WorkflowExecutionStartedEventAttributes;
import io.temporal.api.history.v1.WorkflowTaskScheduledEventAttributes;
import io.temporal.api.namespace.v1.NamespaceConfig;
import io.temporal.api.namespace.v1.NamespaceInfo;
import io.temporal.api.protocol.v1.Message;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflowservice.v1.DescribeNamespaceResponse;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationRequest;
import io.temporal.api.workflowservice.v1.ExecuteMultiOperationResponse;
import io.temporal.api.workflowservice.v1.PollActivityTaskQueueResponse;
import io.temporal.api.workflowservice.v1.PollWorkflowTaskQueueResponse;
import io.temporal.api.workflowservice.v1.RespondActivityTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedRequest;
import io.temporal.api.workflowservice.v1.RespondWorkflowTaskCompletedResponse;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.StartWorkflowExecutionResponse;
import io.temporal.api.workflowservice.v1.UpdateWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Namespace and task-token translation through the real routes and schema: requests toward the
 * backend, responses and trailers back toward the client.
 */
class TranslationTest {
  private static final String VIRT = "virt";
  private static final String PHYS_NAME = "phys";
  private static final PhysicalNamespace PHYS =
      new PhysicalNamespace(
          PHYS_NAME, ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1);
  private static final Metadata.Key<String> CUSTOM =
      Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER);

  private static RoutingTable table;
  private static Translations translations;
  private static Translation t;

  @BeforeAll
  static void setUp() {
    table = dev.tempura.proxy.MethodTable.build();
    translations = new Translations(table.schema());
    t = new Translation(VIRT, PHYS);
  }

  private static MethodRoute route(MethodDescriptor<?, ?> m) {
    return table.route(m.getFullMethodName());
  }

  private static byte[] request(MethodDescriptor<?, ?> m, com.google.protobuf.Message msg) {
    return translations.request(route(m), msg.toByteArray(), t);
  }

  private static byte[] response(MethodDescriptor<?, ?> m, com.google.protobuf.Message msg) {
    return translations.response(route(m), msg.toByteArray(), t);
  }

  private static ByteString wrapped(ByteString inner) {
    return ByteString.copyFrom(TaskTokens.wrap(PHYS.id(), inner.toByteArray()));
  }

  // ---- requests: virtual -> physical, tokens unwrapped ----

  @Test
  void request_startWorkflowNamespace_becomesPhysical_andNothingElseChanges() throws Exception {
    StartWorkflowExecutionRequest in = startRequest(VIRT);
    byte[] out = request(WorkflowServiceGrpc.getStartWorkflowExecutionMethod(), in);
    StartWorkflowExecutionRequest parsed = StartWorkflowExecutionRequest.parseFrom(out);
    assertThat(parsed.getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed.getLinks(0).getWorkflowEvent().getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed).isEqualTo(startRequest(PHYS_NAME));
    assertThat(out).isEqualTo(startRequest(PHYS_NAME).toByteArray());
  }

  @Test
  void request_nothingToChange_returnsTheSameArrayInstance() {
    byte[] in = startRequest("other").toByteArray();
    byte[] out =
        translations.request(route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()), in, t);
    assertThat(out).isSameAs(in);
  }

  @Test
  void request_physicalNameFromTheClient_isNotTranslatedAgain() {
    byte[] in = startRequest(PHYS_NAME).toByteArray();
    assertThat(
            translations.request(
                route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()), in, t))
        .isSameAs(in);
  }

  @Test
  void request_namespaceThatOnlyStartsWithTheVirtualName_isLeftAlone() {
    byte[] in = startRequest("virtual").toByteArray();
    assertThat(
            translations.request(
                route(WorkflowServiceGrpc.getStartWorkflowExecutionMethod()), in, t))
        .isSameAs(in);
  }

  @Test
  void request_childWorkflowAndExternalCommandNamespaces_becomePhysical_othersStay()
      throws Exception {
    ByteString inner = ByteString.copyFromUtf8("backend-token-1");
    RespondWorkflowTaskCompletedRequest in =
        completion(VIRT, wrapped(inner), VIRT, VIRT, VIRT, "elsewhere");
    byte[] out = request(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod(), in);
    RespondWorkflowTaskCompletedRequest parsed = RespondWorkflowTaskCompletedRequest.parseFrom(out);

    assertThat(
            parsed.getCommands(0).getStartChildWorkflowExecutionCommandAttributes().getNamespace())
        .isEqualTo(PHYS_NAME);
    assertThat(
            parsed
                .getCommands(1)
                .getSignalExternalWorkflowExecutionCommandAttributes()
                .getNamespace())
        .isEqualTo(PHYS_NAME);
    assertThat(
            parsed
                .getCommands(2)
                .getRequestCancelExternalWorkflowExecutionCommandAttributes()
                .getNamespace())
        .isEqualTo(PHYS_NAME);
    assertThat(
            parsed.getCommands(3).getStartChildWorkflowExecutionCommandAttributes().getNamespace())
        .isEqualTo("elsewhere");
    assertThat(parsed.getTaskToken()).isEqualTo(inner);
    assertThat(parsed)
        .isEqualTo(completion(PHYS_NAME, inner, PHYS_NAME, PHYS_NAME, PHYS_NAME, "elsewhere"));
  }

  @Test
  void request_protocolMessageBodyPackedInAny_isTranslated() throws Exception {
    ByteString inner = ByteString.copyFromUtf8("tok");
    RespondWorkflowTaskCompletedRequest in =
        RespondWorkflowTaskCompletedRequest.newBuilder()
            .setTaskToken(wrapped(inner))
            .setNamespace(VIRT)
            .addMessages(Message.newBuilder().setId("m1").setBody(Any.pack(signalExternal(VIRT))))
            .build();
    byte[] out = request(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod(), in);
    RespondWorkflowTaskCompletedRequest parsed = RespondWorkflowTaskCompletedRequest.parseFrom(out);
    assertThat(
            parsed
                .getMessages(0)
                .getBody()
                .unpack(SignalExternalWorkflowExecutionCommandAttributes.class)
                .getNamespace())
        .isEqualTo(PHYS_NAME);
  }

  @Test
  void request_executeMultiOperation_startAndUpdateNamespaces_becomePhysical() throws Exception {
    byte[] out = request(WorkflowServiceGrpc.getExecuteMultiOperationMethod(), multiOp(VIRT));
    ExecuteMultiOperationRequest parsed = ExecuteMultiOperationRequest.parseFrom(out);
    assertThat(parsed.getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed.getOperations(0).getStartWorkflow().getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed.getOperations(1).getUpdateWorkflow().getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed).isEqualTo(multiOp(PHYS_NAME));
  }

  @Test
  void request_respondActivityTaskCompleted_wrappedTokenBecomesInnerBytes_restByteIdentical()
      throws Exception {
    ByteString inner = ByteString.copyFrom(new byte[] {0x0A, 0x24, 0, (byte) 0xFF, 7, 8, 9});
    RespondActivityTaskCompletedRequest in = activityCompleted(VIRT, wrapped(inner));
    byte[] out = request(WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod(), in);
    RespondActivityTaskCompletedRequest parsed = RespondActivityTaskCompletedRequest.parseFrom(out);
    assertThat(parsed.getTaskToken()).isEqualTo(inner);
    assertThat(parsed.getNamespace()).isEqualTo(PHYS_NAME);
    assertThat(parsed).isEqualTo(activityCompleted(PHYS_NAME, inner));
    assertThat(out).isEqualTo(activityCompleted(PHYS_NAME, inner).toByteArray());
  }

  @Test
  void request_tokenTempuraDidNotWrap_isRejected() {
    RespondActivityTaskCompletedRequest in =
        activityCompleted(VIRT, ByteString.copyFromUtf8("raw-backend-token"));
    assertThatThrownBy(
            () -> request(WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod(), in))
        .isInstanceOf(InvalidTaskTokenException.class);
  }

  @Test
  void request_emptyTaskToken_isLeftEmpty() throws Exception {
    RespondActivityTaskCompletedRequest in =
        RespondActivityTaskCompletedRequest.newBuilder()
            .setNamespace(VIRT)
            .setTaskToken(ByteString.EMPTY)
            .build();
    byte[] out = request(WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod(), in);
    assertThat(RespondActivityTaskCompletedRequest.parseFrom(out))
        .isEqualTo(in.toBuilder().setNamespace(PHYS_NAME).build());
  }

  // ---- responses: physical -> virtual, tokens wrapped ----

  @Test
  void response_pollActivityTask_namespaceBecomesVirtual_andTokenIsWrapped() throws Exception {
    ByteString inner = ByteString.copyFromUtf8("activity-token-\u0000\u00ff");
    PollActivityTaskQueueResponse in = activityTask(PHYS_NAME, inner);
    byte[] out = response(WorkflowServiceGrpc.getPollActivityTaskQueueMethod(), in);
    PollActivityTaskQueueResponse parsed = PollActivityTaskQueueResponse.parseFrom(out);

    assertThat(parsed.getWorkflowNamespace()).isEqualTo(VIRT);
    TaskTokens.Unwrapped u = TaskTokens.unwrap(parsed.getTaskToken().toByteArray());
    assertThat(u.physicalId()).isEqualTo(PHYS.id());
    assertThat(u.innerToken()).isEqualTo(inner.toByteArray());
    assertThat(parsed).isEqualTo(activityTask(VIRT, wrapped(inner)));
  }

  @Test
  void response_withWorkflowId_wrapsTheTokenWithThatWorkflow() throws Exception {
    ByteString inner = ByteString.copyFromUtf8("activity-token");
    byte[] out =
        translations.response(
            route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()),
            activityTask(PHYS_NAME, inner).toByteArray(),
            t,
            "wf-1");
    PollActivityTaskQueueResponse parsed = PollActivityTaskQueueResponse.parseFrom(out);
    TaskTokens.Unwrapped u = TaskTokens.unwrap(parsed.getTaskToken().toByteArray());
    assertThat(u.physicalId()).isEqualTo(PHYS.id());
    assertThat(u.workflowId()).isEqualTo("wf-1");
    assertThat(u.innerToken()).isEqualTo(inner.toByteArray());
    assertThat(parsed.getWorkflowNamespace()).isEqualTo(VIRT);
  }

  @Test
  void response_withoutWorkflowId_wrapsWithAnEmptyWorkflow() throws Exception {
    for (String none : new String[] {null, ""}) {
      byte[] out =
          translations.response(
              route(WorkflowServiceGrpc.getPollActivityTaskQueueMethod()),
              activityTask(PHYS_NAME, ByteString.copyFromUtf8("tok")).toByteArray(),
              t,
              none);
      ByteString token = PollActivityTaskQueueResponse.parseFrom(out).getTaskToken();
      assertThat(TaskTokens.unwrap(token.toByteArray()).workflowId()).isEmpty();
    }
  }

  @Test
  void response_thenRequest_tokenRoundTripsToTheBackendsBytes() throws Exception {
    ByteString inner = ByteString.copyFrom(new byte[300]);
    byte[] polled =
        response(
            WorkflowServiceGrpc.getPollActivityTaskQueueMethod(), activityTask(PHYS_NAME, inner));
    ByteString clientToken = PollActivityTaskQueueResponse.parseFrom(polled).getTaskToken();
    byte[] sent =
        request(
            WorkflowServiceGrpc.getRespondActivityTaskCompletedMethod(),
            activityCompleted(VIRT, clientToken));
    assertThat(RespondActivityTaskCompletedRequest.parseFrom(sent).getTaskToken()).isEqualTo(inner);
  }

  @Test
  void response_pollWorkflowTask_100EventHistoryNamespacesBecomeVirtual_othersUntouched()
      throws Exception {
    ByteString inner = ByteString.copyFromUtf8("workflow-token");
    PollWorkflowTaskQueueResponse in = workflowTask(PHYS_NAME, inner);
    assertThat(in.getHistory().getEventsCount()).isEqualTo(100);

    byte[] out = response(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(), in);
    PollWorkflowTaskQueueResponse parsed = PollWorkflowTaskQueueResponse.parseFrom(out);

    HistoryEvent first = parsed.getHistory().getEvents(0);
    assertThat(first.getWorkflowExecutionStartedEventAttributes().getParentWorkflowNamespace())
        .isEqualTo(VIRT);
    // *_namespace_id holds an id, not a name: left alone even when it equals the physical name
    assertThat(first.getWorkflowExecutionStartedEventAttributes().getParentWorkflowNamespaceId())
        .isEqualTo(PHYS_NAME);
    assertThat(TaskTokens.unwrap(parsed.getTaskToken().toByteArray()).innerToken())
        .isEqualTo(inner.toByteArray());
    assertThat(parsed).isEqualTo(workflowTask(VIRT, wrapped(inner)));
    assertThat(out).isEqualTo(workflowTask(VIRT, wrapped(inner)).toByteArray());
  }

  @Test
  void response_pollWorkflowTask_protocolMessageAnyBody_isTranslated() throws Exception {
    PollWorkflowTaskQueueResponse in =
        PollWorkflowTaskQueueResponse.newBuilder()
            .setTaskToken(ByteString.copyFromUtf8("tok"))
            .addMessages(
                Message.newBuilder()
                    .setId("m1")
                    .setProtocolInstanceId("update-1")
                    .setEventId(5)
                    .setBody(Any.pack(childStartedEvent(PHYS_NAME))))
            .build();
    byte[] out = response(WorkflowServiceGrpc.getPollWorkflowTaskQueueMethod(), in);
    Message msg = PollWorkflowTaskQueueResponse.parseFrom(out).getMessages(0);
    assertThat(msg.getBody().unpack(HistoryEvent.class)).isEqualTo(childStartedEvent(VIRT));
    assertThat(msg.getProtocolInstanceId()).isEqualTo("update-1");
    assertThat(msg.getEventId()).isEqualTo(5);
  }

  @Test
  void response_respondWorkflowTaskCompleted_eagerTaskTokensAreAllWrapped() throws Exception {
    ByteString wfToken = ByteString.copyFromUtf8("wf");
    ByteString a1 = ByteString.copyFromUtf8("act-1");
    ByteString a2 = ByteString.copyFromUtf8("act-2");
    RespondWorkflowTaskCompletedResponse in =
        RespondWorkflowTaskCompletedResponse.newBuilder()
            .setWorkflowTask(workflowTask(PHYS_NAME, wfToken))
            .addActivityTasks(activityTask(PHYS_NAME, a1))
            .addActivityTasks(activityTask(PHYS_NAME, a2))
            .setResetHistoryEventId(17)
            .build();
    byte[] out = response(WorkflowServiceGrpc.getRespondWorkflowTaskCompletedMethod(), in);
    RespondWorkflowTaskCompletedResponse parsed =
        RespondWorkflowTaskCompletedResponse.parseFrom(out);
    assertThat(
            TaskTokens.unwrap(parsed.getWorkflowTask().getTaskToken().toByteArray()).innerToken())
        .isEqualTo(wfToken.toByteArray());
    assertThat(
            TaskTokens.unwrap(parsed.getActivityTasks(1).getTaskToken().toByteArray()).innerToken())
        .isEqualTo(a2.toByteArray());
    assertThat(parsed)
        .isEqualTo(
            RespondWorkflowTaskCompletedResponse.newBuilder()
                .setWorkflowTask(workflowTask(VIRT, wrapped(wfToken)))
                .addActivityTasks(activityTask(VIRT, wrapped(a1)))
                .addActivityTasks(activityTask(VIRT, wrapped(a2)))
                .setResetHistoryEventId(17)
                .build());
  }

  @Test
  void response_startWorkflow_eagerTaskTokenWrapped_andLinkNamespaceVirtual() throws Exception {
    ByteString inner = ByteString.copyFromUtf8("eager");
    byte[] out =
        response(
            WorkflowServiceGrpc.getStartWorkflowExecutionMethod(), startResponse(PHYS_NAME, inner));
    StartWorkflowExecutionResponse parsed = StartWorkflowExecutionResponse.parseFrom(out);
    assertThat(parsed.getLink().getWorkflowEvent().getNamespace()).isEqualTo(VIRT);
    TaskTokens.Unwrapped u =
        TaskTokens.unwrap(parsed.getEagerWorkflowTask().getTaskToken().toByteArray());
    assertThat(u.physicalId()).isEqualTo(PHYS.id());
    assertThat(u.innerToken()).isEqualTo(inner.toByteArray());
    assertThat(parsed).isEqualTo(startResponse(VIRT, wrapped(inner)));
  }

  @Test
  void response_startWorkflowWithoutEagerTask_onlyTranslatesTheLink() throws Exception {
    StartWorkflowExecutionResponse in =
        StartWorkflowExecutionResponse.newBuilder()
            .setRunId("run-1")
            .setStarted(true)
            .setLink(workflowLink(PHYS_NAME))
            .build();
    byte[] out = response(WorkflowServiceGrpc.getStartWorkflowExecutionMethod(), in);
    assertThat(StartWorkflowExecutionResponse.parseFrom(out))
        .isEqualTo(in.toBuilder().setLink(workflowLink(VIRT)).build());
  }

  @Test
  void response_executeMultiOperation_startLinkAndEagerTokenTranslated() throws Exception {
    ByteString inner = ByteString.copyFromUtf8("eager");
    ExecuteMultiOperationResponse in =
        ExecuteMultiOperationResponse.newBuilder()
            .addResponses(
                ExecuteMultiOperationResponse.Response.newBuilder()
                    .setStartWorkflow(startResponse(PHYS_NAME, inner)))
            .build();
    byte[] out = response(WorkflowServiceGrpc.getExecuteMultiOperationMethod(), in);
    assertThat(ExecuteMultiOperationResponse.parseFrom(out).getResponses(0).getStartWorkflow())
        .isEqualTo(startResponse(VIRT, wrapped(inner)));
  }

  @Test
  void response_describeNamespace_infoNameBecomesVirtual() throws Exception {
    byte[] out =
        response(WorkflowServiceGrpc.getDescribeNamespaceMethod(), describeNamespace(PHYS_NAME));
    DescribeNamespaceResponse parsed = DescribeNamespaceResponse.parseFrom(out);
    assertThat(parsed.getNamespaceInfo().getName()).isEqualTo(VIRT);
    assertThat(parsed.getNamespaceInfo().getDescription()).isEqualTo(PHYS_NAME);
    assertThat(parsed)
        .isEqualTo(
            describeNamespace(VIRT).toBuilder()
                .setNamespaceInfo(
                    describeNamespace(VIRT).getNamespaceInfo().toBuilder()
                        .setDescription(PHYS_NAME))
                .build());
  }

  @Test
  void response_anotherNamespacesName_isNotOursToRename() {
    byte[] in = describeNamespace("someone-else").toByteArray();
    assertThat(
            translations.response(route(WorkflowServiceGrpc.getDescribeNamespaceMethod()), in, t))
        .isSameAs(in);
  }

  // ---- trailers ----

  @Test
  void trailers_namespaceNotFoundDetail_becomesVirtual_otherTrailersKept() throws Exception {
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.NOT_FOUND.value())
            .setMessage("Namespace phys is not found.")
            .addDetails(
                Any.pack(NamespaceNotFoundFailure.newBuilder().setNamespace(PHYS_NAME).build()))
            .build();
    Metadata trailers = new Metadata();
    trailers.put(Translations.STATUS_DETAILS, status.toByteArray());
    trailers.put(CUSTOM, "kept");

    Metadata out = translations.trailers(trailers, t);

    com.google.rpc.Status parsed =
        com.google.rpc.Status.parseFrom(out.get(Translations.STATUS_DETAILS));
    assertThat(parsed.getDetails(0).unpack(NamespaceNotFoundFailure.class).getNamespace())
        .isEqualTo(VIRT);
    assertThat(parsed.getCode()).isEqualTo(status.getCode());
    assertThat(parsed.getMessage()).isEqualTo(status.getMessage());
    assertThat(out.get(CUSTOM)).isEqualTo("kept");
    assertThat(out.getAll(Translations.STATUS_DETAILS)).hasSize(1);
  }

  @Test
  void trailers_multiOperationFailure_nestedStatusDetails_becomeVirtual() throws Exception {
    MultiOperationExecutionFailure multi =
        MultiOperationExecutionFailure.newBuilder()
            .addStatuses(
                MultiOperationExecutionFailure.OperationStatus.newBuilder()
                    .setCode(Status.Code.NOT_FOUND.value())
                    .setMessage("not found")
                    .addDetails(
                        Any.pack(
                            NamespaceNotFoundFailure.newBuilder().setNamespace(PHYS_NAME).build())))
            .addStatuses(
                MultiOperationExecutionFailure.OperationStatus.newBuilder()
                    .setCode(Status.Code.ABORTED.value())
                    .setMessage("aborted"))
            .addStatuses(
                MultiOperationExecutionFailure.OperationStatus.newBuilder()
                    .setCode(Status.Code.FAILED_PRECONDITION.value())
                    .addDetails(
                        Any.pack(
                            NamespaceNotActiveFailure.newBuilder()
                                .setNamespace(PHYS_NAME)
                                .setCurrentCluster("c1")
                                .setActiveCluster("c2")
                                .build())))
            .build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.ABORTED.value())
            .setMessage("MultiOperation could not be executed.")
            .addDetails(Any.pack(multi))
            .build();
    Metadata trailers = new Metadata();
    trailers.put(Translations.STATUS_DETAILS, status.toByteArray());

    Metadata out = translations.trailers(trailers, t);

    MultiOperationExecutionFailure parsed =
        com.google.rpc.Status.parseFrom(out.get(Translations.STATUS_DETAILS))
            .getDetails(0)
            .unpack(MultiOperationExecutionFailure.class);
    assertThat(
            parsed
                .getStatuses(0)
                .getDetails(0)
                .unpack(NamespaceNotFoundFailure.class)
                .getNamespace())
        .isEqualTo(VIRT);
    assertThat(parsed.getStatuses(1)).isEqualTo(multi.getStatuses(1));
    NamespaceNotActiveFailure notActive =
        parsed.getStatuses(2).getDetails(0).unpack(NamespaceNotActiveFailure.class);
    assertThat(notActive.getNamespace()).isEqualTo(VIRT);
    assertThat(notActive.getActiveCluster()).isEqualTo("c2");
  }

  @Test
  void trailers_detailsWithoutOurNamespace_areLeftAsTheyAre() {
    byte[] details =
        com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.ALREADY_EXISTS.value())
            .addDetails(
                Any.pack(
                    WorkflowExecutionAlreadyStartedFailure.newBuilder()
                        .setRunId("run-1")
                        .setStartRequestId("req-1")
                        .build()))
            .build()
            .toByteArray();
    Metadata trailers = new Metadata();
    trailers.put(Translations.STATUS_DETAILS, details);
    Metadata out = translations.trailers(trailers, t);
    assertThat(out).isSameAs(trailers);
    assertThat(out.get(Translations.STATUS_DETAILS)).isEqualTo(details);
  }

  @Test
  void trailers_withoutDetails_areReturnedUntouched() {
    Metadata trailers = new Metadata();
    trailers.put(CUSTOM, "x");
    assertThat(translations.trailers(trailers, t)).isSameAs(trailers);
    assertThat(trailers.get(CUSTOM)).isEqualTo("x");
  }

  // ---- status descriptions, headers, cache ----

  @Test
  void status_descriptionNamingThePhysicalNamespace_namesTheVirtualOne() {
    Status in = Status.NOT_FOUND.withDescription("Namespace phys is not found.");
    Status out = translations.status(in, t);
    assertThat(out.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(out.getDescription()).isEqualTo("Namespace virt is not found.");
  }

  @Test
  void status_physicalNameInsideALongerWord_isLeftAlone() {
    for (String d : new String[] {"physics failed", "phys-2 busy", "my.phys down", "phys_x"}) {
      Status in = Status.UNAVAILABLE.withDescription(d);
      assertThat(translations.status(in, t).getDescription()).as(d).isEqualTo(d);
    }
    Status none = Status.UNAVAILABLE;
    assertThat(translations.status(none, t)).isSameAs(none);
  }

  @Test
  void headersToBackend_namespaceHeaderIsPhysical_otherHeadersCopied() {
    Metadata client = new Metadata();
    client.put(Translations.NAMESPACE_HEADER, VIRT);
    client.put(CUSTOM, "v");
    Metadata out = Translations.headersToBackend(client, PHYS_NAME);
    assertThat(out.getAll(Translations.NAMESPACE_HEADER)).containsExactly(PHYS_NAME);
    assertThat(out.get(CUSTOM)).isEqualTo("v");
    assertThat(client.get(Translations.NAMESPACE_HEADER)).isEqualTo(VIRT);
  }

  @Test
  void headersToBackend_withoutNamespaceHeader_addsNone() {
    Metadata out = Translations.headersToBackend(new Metadata(), PHYS_NAME);
    assertThat(out.containsKey(Translations.NAMESPACE_HEADER)).isFalse();
  }

  @Test
  void of_samePair_isCached_andAChangedPairIsNot() {
    Translation a = translations.of(VIRT, PHYS);
    assertThat(translations.of(VIRT, PHYS)).isSameAs(a);
    Translation b = translations.of("other-virt", PHYS);
    assertThat(b.virtualName()).isEqualTo("other-virt");
    assertThat(translations.of(VIRT, PHYS.withWeight(5)).physical().weight()).isEqualTo(5);
  }

  // ---- messages ----

  private static StartWorkflowExecutionRequest startRequest(String namespace) {
    return StartWorkflowExecutionRequest.newBuilder()
        .setNamespace(namespace)
        .setWorkflowId("wf-1")
        .setWorkflowType(WorkflowType.newBuilder().setName("Greeting"))
        .setTaskQueue(TaskQueue.newBuilder().setName("tq"))
        .setInput(payloads("\"virt\""))
        .setIdentity("1234@host")
        .setRequestId("req-1")
        .setHeader(Header.newBuilder().putFields("trace", payload("virt")))
        .addLinks(workflowLink(namespace))
        .build();
  }

  private static Link workflowLink(String namespace) {
    return Link.newBuilder()
        .setWorkflowEvent(
            Link.WorkflowEvent.newBuilder()
                .setNamespace(namespace)
                .setWorkflowId("wf-1")
                .setRunId("run-1")
                .setEventRef(
                    Link.WorkflowEvent.EventReference.newBuilder()
                        .setEventId(1)
                        .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)))
        .build();
  }

  private static Payload payload(String json) {
    return Payload.newBuilder()
        .putMetadata("encoding", ByteString.copyFromUtf8("json/plain"))
        .setData(ByteString.copyFrom(json, StandardCharsets.UTF_8))
        .build();
  }

  private static Payloads payloads(String json) {
    return Payloads.newBuilder().addPayloads(payload(json)).build();
  }

  private static SignalExternalWorkflowExecutionCommandAttributes signalExternal(String ns) {
    return SignalExternalWorkflowExecutionCommandAttributes.newBuilder()
        .setNamespace(ns)
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId("other-wf"))
        .setSignalName("ping")
        .setInput(payloads("1"))
        .build();
  }

  private static RespondWorkflowTaskCompletedRequest completion(
      String namespace,
      ByteString token,
      String childNs,
      String signalNs,
      String cancelNs,
      String otherChildNs) {
    return RespondWorkflowTaskCompletedRequest.newBuilder()
        .setTaskToken(token)
        .setNamespace(namespace)
        .setIdentity("1234@host")
        .addCommands(
            Command.newBuilder()
                .setCommandType(CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)
                .setStartChildWorkflowExecutionCommandAttributes(
                    StartChildWorkflowExecutionCommandAttributes.newBuilder()
                        .setNamespace(childNs)
                        .setWorkflowId("child-1")
                        .setWorkflowType(WorkflowType.newBuilder().setName("Child"))
                        .setTaskQueue(TaskQueue.newBuilder().setName("tq"))
                        .setInput(payloads("\"virt\""))))
        .addCommands(
            Command.newBuilder()
                .setCommandType(CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION)
                .setSignalExternalWorkflowExecutionCommandAttributes(signalExternal(signalNs)))
        .addCommands(
            Command.newBuilder()
                .setCommandType(CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION)
                .setRequestCancelExternalWorkflowExecutionCommandAttributes(
                    RequestCancelExternalWorkflowExecutionCommandAttributes.newBuilder()
                        .setNamespace(cancelNs)
                        .setWorkflowId("other-wf")
                        .setReason("done")))
        .addCommands(
            Command.newBuilder()
                .setCommandType(CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION)
                .setStartChildWorkflowExecutionCommandAttributes(
                    StartChildWorkflowExecutionCommandAttributes.newBuilder()
                        .setNamespace(otherChildNs)
                        .setWorkflowId("child-2")))
        .addCommands(
            Command.newBuilder()
                .setCommandType(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK)
                .setScheduleActivityTaskCommandAttributes(
                    ScheduleActivityTaskCommandAttributes.newBuilder()
                        .setActivityId("1")
                        .setActivityType(ActivityType.newBuilder().setName("Say"))
                        .setInput(payloads("\"phys\""))))
        .build();
  }

  private static ExecuteMultiOperationRequest multiOp(String namespace) {
    return ExecuteMultiOperationRequest.newBuilder()
        .setNamespace(namespace)
        .addOperations(
            ExecuteMultiOperationRequest.Operation.newBuilder()
                .setStartWorkflow(startRequest(namespace)))
        .addOperations(
            ExecuteMultiOperationRequest.Operation.newBuilder()
                .setUpdateWorkflow(
                    UpdateWorkflowExecutionRequest.newBuilder()
                        .setNamespace(namespace)
                        .setWorkflowExecution(
                            WorkflowExecution.newBuilder().setWorkflowId("wf-1"))))
        .build();
  }

  private static RespondActivityTaskCompletedRequest activityCompleted(
      String namespace, ByteString token) {
    return RespondActivityTaskCompletedRequest.newBuilder()
        .setTaskToken(token)
        .setResult(payloads("{\"namespace\":\"virt\"}"))
        .setIdentity("1234@host")
        .setNamespace(namespace)
        .build();
  }

  private static PollActivityTaskQueueResponse activityTask(String namespace, ByteString token) {
    return PollActivityTaskQueueResponse.newBuilder()
        .setTaskToken(token)
        .setWorkflowNamespace(namespace)
        .setWorkflowType(WorkflowType.newBuilder().setName("Greeting"))
        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1").setRunId("r1"))
        .setActivityType(ActivityType.newBuilder().setName("Say"))
        .setActivityId("1")
        .setInput(payloads("\"phys\""))
        .setScheduledTime(Timestamp.newBuilder().setSeconds(1_700_000_000))
        .setAttempt(1)
        .build();
  }

  private static HistoryEvent childStartedEvent(String ns) {
    return HistoryEvent.newBuilder()
        .setEventId(7)
        .setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
        .setChildWorkflowExecutionStartedEventAttributes(
            ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                .setNamespace(ns)
                .setNamespaceId(PHYS_NAME)
                .setInitiatedEventId(6)
                .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("child-1")))
        .build();
  }

  /** 100 events; every namespace name field holds {@code ns}, ids and payloads hold "phys". */
  private static PollWorkflowTaskQueueResponse workflowTask(String ns, ByteString token) {
    History.Builder history = History.newBuilder();
    history.addEvents(
        HistoryEvent.newBuilder()
            .setEventId(1)
            .setEventType(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)
            .setEventTime(Timestamp.newBuilder().setSeconds(1_700_000_000))
            .setWorkflowExecutionStartedEventAttributes(
                WorkflowExecutionStartedEventAttributes.newBuilder()
                    .setWorkflowType(WorkflowType.newBuilder().setName("Parent"))
                    .setParentWorkflowNamespace(ns)
                    .setParentWorkflowNamespaceId(PHYS_NAME)
                    .setParentWorkflowExecution(
                        WorkflowExecution.newBuilder().setWorkflowId("grandparent"))
                    .setTaskQueue(TaskQueue.newBuilder().setName("tq"))
                    .setInput(payloads("\"phys\""))
                    .setIdentity("phys")));
    for (int id = 2; id <= 100; id++) {
      HistoryEvent.Builder e = HistoryEvent.newBuilder().setEventId(id).setTaskId(1000 + id);
      switch (id % 6) {
        case 0 ->
            e.setEventType(EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
                .setStartChildWorkflowExecutionInitiatedEventAttributes(
                    StartChildWorkflowExecutionInitiatedEventAttributes.newBuilder()
                        .setNamespace(ns)
                        .setNamespaceId(PHYS_NAME)
                        .setWorkflowId("child-" + id));
        case 1 ->
            e.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
                .setChildWorkflowExecutionStartedEventAttributes(
                    ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                        .setNamespace(ns)
                        .setNamespaceId(PHYS_NAME)
                        .setInitiatedEventId(id - 1)
                        .setWorkflowExecution(
                            WorkflowExecution.newBuilder().setWorkflowId("child-" + (id - 1))));
        case 2 ->
            e.setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED)
                .setChildWorkflowExecutionCompletedEventAttributes(
                    ChildWorkflowExecutionCompletedEventAttributes.newBuilder()
                        .setNamespace(ns)
                        .setNamespaceId(PHYS_NAME)
                        .setResult(payloads("\"phys\""))
                        .setInitiatedEventId(id - 2));
        case 3 ->
            e.setEventType(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
                .setActivityTaskScheduledEventAttributes(
                    ActivityTaskScheduledEventAttributes.newBuilder()
                        .setActivityId(String.valueOf(id))
                        .setActivityType(ActivityType.newBuilder().setName("phys"))
                        .setInput(payloads("\"phys\"")));
        case 4 ->
            e.setEventType(EventType.EVENT_TYPE_MARKER_RECORDED)
                .setMarkerRecordedEventAttributes(
                    MarkerRecordedEventAttributes.newBuilder()
                        .setMarkerName("phys")
                        .putDetails("data", payloads("\"phys\"")));
        default ->
            e.setEventType(EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
                .setWorkflowTaskScheduledEventAttributes(
                    WorkflowTaskScheduledEventAttributes.newBuilder()
                        .setTaskQueue(TaskQueue.newBuilder().setName("phys"))
                        .setAttempt(1));
      }
      if (id == 50) {
        // a child in another namespace: not ours to rename
        e.clearAttributes()
            .setEventType(EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED)
            .setChildWorkflowExecutionStartedEventAttributes(
                ChildWorkflowExecutionStartedEventAttributes.newBuilder()
                    .setNamespace("elsewhere"));
      }
      history.addEvents(e);
    }
    return PollWorkflowTaskQueueResponse.newBuilder()
        .setTaskToken(token)
        .setWorkflowExecution(WorkflowExecution.newBuilder().setWorkflowId("wf-1").setRunId("r1"))
        .setWorkflowType(WorkflowType.newBuilder().setName("Parent"))
        .setPreviousStartedEventId(3)
        .setStartedEventId(100)
        .setAttempt(1)
        .setHistory(history)
        .setNextPageToken(ByteString.copyFromUtf8("phys-page"))
        .setWorkflowExecutionTaskQueue(TaskQueue.newBuilder().setName("tq"))
        .build();
  }

  private static StartWorkflowExecutionResponse startResponse(String ns, ByteString token) {
    return StartWorkflowExecutionResponse.newBuilder()
        .setRunId("run-1")
        .setStarted(true)
        .setEagerWorkflowTask(workflowTask(ns, token))
        .setLink(workflowLink(ns))
        .build();
  }

  private static DescribeNamespaceResponse describeNamespace(String name) {
    return DescribeNamespaceResponse.newBuilder()
        .setNamespaceInfo(
            NamespaceInfo.newBuilder()
                .setName(name)
                .setId("uuid-1")
                .setDescription(PHYS_NAME)
                .setOwnerEmail("ops@example.com"))
        .setConfig(NamespaceConfig.newBuilder().setHistoryArchivalUri("file:///phys"))
        .setIsGlobalNamespace(false)
        .build();
  }
}
