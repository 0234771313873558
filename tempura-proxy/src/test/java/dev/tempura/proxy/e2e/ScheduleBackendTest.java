package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Durations;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.Schedule;
import io.temporal.api.schedule.v1.ScheduleAction;
import io.temporal.api.schedule.v1.ScheduleActionResult;
import io.temporal.api.schedule.v1.SchedulePatch;
import io.temporal.api.schedule.v1.SchedulePolicies;
import io.temporal.api.schedule.v1.ScheduleSpec;
import io.temporal.api.schedule.v1.ScheduleState;
import io.temporal.api.schedule.v1.TriggerImmediatelyRequest;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountSchedulesRequest;
import io.temporal.api.workflowservice.v1.CreateScheduleRequest;
import io.temporal.api.workflowservice.v1.DeleteScheduleRequest;
import io.temporal.api.workflowservice.v1.DescribeScheduleRequest;
import io.temporal.api.workflowservice.v1.DescribeScheduleResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.ListScheduleMatchingTimesRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesResponse;
import io.temporal.api.workflowservice.v1.PatchScheduleRequest;
import io.temporal.api.workflowservice.v1.UpdateScheduleRequest;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.ScheduleActionExecutionStartWorkflow;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleAlreadyRunningException;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schedule backend against its own TestServer, with a real SDK worker polling through it. Each
 * test uses its own namespace or schedule ids, so they share one backend.
 */
class ScheduleBackendTest {
  private static final String NS = "sched-ns";
  private static final String QUEUE = "ticks";

  @WorkflowInterface
  public interface Tick {
    @WorkflowMethod
    String tick(String message);
  }

  public static final class TickImpl implements Tick {
    @Override
    public String tick(String message) {
      return "tock:" + message;
    }
  }

  private static ScheduleBackend backend;
  private static WorkflowServiceStubs service;
  private static WorkflowClient client;
  private static WorkerFactory factory;
  private static WorkflowServiceBlockingStub stub;

  @BeforeAll
  static void setUp() {
    backend = ScheduleBackend.start();
    service =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(backend.address()).build());
    client =
        WorkflowClient.newInstance(
            service, WorkflowClientOptions.newBuilder().setNamespace(NS).build());
    factory = WorkerFactory.newInstance(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TickImpl.class);
    factory.start();
    stub = service.blockingStub();
  }

  @AfterAll
  static void tearDown() {
    factory.shutdownNow();
    factory.awaitTermination(10, TimeUnit.SECONDS);
    service.shutdownNow();
    backend.close();
  }

  private static WorkflowServiceBlockingStub stub() {
    return stub.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static Schedule everySeconds(long seconds, String workflowId, String queue) {
    return Schedule.newBuilder()
        .setSpec(
            ScheduleSpec.newBuilder()
                .addInterval(IntervalSpec.newBuilder().setInterval(Durations.fromSeconds(seconds))))
        .setAction(
            ScheduleAction.newBuilder()
                .setStartWorkflow(
                    NewWorkflowExecutionInfo.newBuilder()
                        .setWorkflowId(workflowId)
                        .setWorkflowType(WorkflowType.newBuilder().setName("Tick"))
                        .setTaskQueue(TaskQueue.newBuilder().setName(queue))
                        .setInput(
                            DefaultDataConverter.STANDARD_INSTANCE.toPayloads("hi").orElseThrow())))
        .build();
  }

  private static void create(String ns, String id, Schedule schedule) {
    stub()
        .createSchedule(
            CreateScheduleRequest.newBuilder()
                .setNamespace(ns)
                .setScheduleId(id)
                .setSchedule(schedule)
                .setRequestId("create-" + id)
                .build());
  }

  private static DescribeScheduleResponse describe(String ns, String id) {
    return stub()
        .describeSchedule(
            DescribeScheduleRequest.newBuilder().setNamespace(ns).setScheduleId(id).build());
  }

  private static void delete(String ns, String id) {
    stub()
        .deleteSchedule(
            DeleteScheduleRequest.newBuilder().setNamespace(ns).setScheduleId(id).build());
  }

  private static List<ScheduleBackend.Started> startedBy(String ns, String id) {
    return backend.started().stream()
        .filter(s -> s.namespace().equals(ns) && s.scheduleId().equals(id))
        .toList();
  }

  private static Status.Code code(Throwable t) {
    return ((StatusRuntimeException) t).getStatus().getCode();
  }

  @Test
  void startsAWorkflowEverySecondUntilDeleted() {
    create(NS, "every-second", everySeconds(1, "tick", QUEUE));

    // two actions need at most two whole seconds after creation; the rest is slack for the worker
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                describe(NS, "every-second").getInfo().getRecentActionsList().stream()
                        .filter(
                            a ->
                                a.getStartWorkflowStatus()
                                    == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED)
                        .count()
                    >= 2);

    DescribeScheduleResponse d = describe(NS, "every-second");
    assertThat(d.getInfo().getActionCount()).isGreaterThanOrEqualTo(2);
    assertThat(d.getInfo().getFutureActionTimesCount()).isEqualTo(ScheduleBackend.FUTURE_TIMES);
    assertThat(d.getSchedule().getSpec().getInterval(0).getInterval())
        .isEqualTo(Durations.fromSeconds(1));
    for (ScheduleActionResult a : d.getInfo().getRecentActionsList()) {
      Instant scheduled = ScheduleBackend.instant(a.getScheduleTime());
      WorkflowExecution e = a.getStartWorkflowResult();
      // Temporal's naming: the action's id, a dash, the nominal time in whole seconds
      assertThat(e.getWorkflowId()).isEqualTo("tick-" + scheduled);
      assertThat(e.getWorkflowId()).matches("tick-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
      assertThat(scheduled.getNano()).isZero();
    }
    // the started workflows are real ones on the TestServer, results and all
    WorkflowExecution first = d.getInfo().getRecentActions(0).getStartWorkflowResult();
    assertThat(
            client
                .newUntypedWorkflowStub(
                    first.getWorkflowId(), Optional.of(first.getRunId()), Optional.empty())
                .getResult(String.class))
        .isEqualTo("tock:hi");

    delete(NS, "every-second");
    int atDelete = startedBy(NS, "every-second").size();

    // over more than two interval boundaries nothing new may start
    Awaitility.await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(4))
        .until(() -> startedBy(NS, "every-second").size() == atDelete);
    assertThatThrownBy(() -> describe(NS, "every-second"))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND))
        .hasMessageContaining("workflow not found for ID: temporal-sys-scheduler:every-second");
  }

  @Test
  void relaysEveryOtherCallToTheTestServer() {
    WorkflowStub wf =
        client.newUntypedWorkflowStub(
            "Tick",
            WorkflowOptions.newBuilder().setWorkflowId("direct").setTaskQueue(QUEUE).build());
    WorkflowExecution started = wf.start("direct");

    assertThat(wf.getResult(String.class)).isEqualTo("tock:direct");
    assertThat(
            stub()
                .describeWorkflowExecution(
                    DescribeWorkflowExecutionRequest.newBuilder()
                        .setNamespace(NS)
                        .setExecution(started)
                        .build())
                .getWorkflowExecutionInfo()
                .getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED);
    assertThat(backend.calls("StartWorkflowExecution")).isNotEmpty();
    assertThat(backend.calls("PollWorkflowTaskQueue")).isNotEmpty();
    assertThat(backend.namespacesSeen()).contains(NS);
  }

  @Test
  void skipsWhileTheLastRunIsStillOpenByDefault() {
    String ns = "sched-skip";
    // nobody polls this queue, so the first run stays open
    create(ns, "skipper", everySeconds(1, "slow", "nobody-polls"));

    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> describe(ns, "skipper").getInfo().getOverlapSkipped() >= 1);

    DescribeScheduleResponse d = describe(ns, "skipper");
    assertThat(d.getInfo().getActionCount()).isEqualTo(1);
    assertThat(d.getInfo().getRunningWorkflowsList())
        .containsExactly(d.getInfo().getRecentActions(0).getStartWorkflowResult());
    delete(ns, "skipper");
  }

  @Test
  void pausedSchedulesOnlyActWhenTriggered() {
    String ns = "sched-pause";
    Schedule paused =
        everySeconds(1, "manual", "nobody-polls").toBuilder()
            .setState(ScheduleState.newBuilder().setPaused(true).setNotes("created paused"))
            .setPolicies(
                SchedulePolicies.newBuilder()
                    .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL))
            .build();
    create(ns, "paused", paused);

    stub()
        .patchSchedule(
            PatchScheduleRequest.newBuilder()
                .setNamespace(ns)
                .setScheduleId("paused")
                .setPatch(
                    SchedulePatch.newBuilder()
                        .setTriggerImmediately(TriggerImmediatelyRequest.getDefaultInstance()))
                .build());

    assertThat(startedBy(ns, "paused")).hasSize(1);
    assertThat(startedBy(ns, "paused").get(0).execution().getWorkflowId()).startsWith("manual-");
    // paused, it starts nothing on its own over more than one interval
    Awaitility.await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> startedBy(ns, "paused").size() == 1);

    stub()
        .patchSchedule(
            PatchScheduleRequest.newBuilder()
                .setNamespace(ns)
                .setScheduleId("paused")
                .setPatch(SchedulePatch.newBuilder().setUnpause("go"))
                .build());
    Awaitility.await()
        .atMost(Duration.ofSeconds(4))
        .until(() -> startedBy(ns, "paused").size() >= 2);
    DescribeScheduleResponse d = describe(ns, "paused");
    assertThat(d.getSchedule().getState().getPaused()).isFalse();
    assertThat(d.getSchedule().getState().getNotes()).isEqualTo("go");
    delete(ns, "paused");
  }

  @Test
  void updateReplacesTheScheduleAndLimitsAreHonoured() {
    String ns = "sched-update";
    create(ns, "upd", everySeconds(3600, "hourly", "nobody-polls"));
    long token = describe(ns, "upd").getConflictToken().asReadOnlyByteBuffer().getLong();

    Schedule limited =
        everySeconds(1, "limited", "nobody-polls").toBuilder()
            .setPolicies(
                SchedulePolicies.newBuilder()
                    .setOverlapPolicy(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL))
            .setState(ScheduleState.newBuilder().setLimitedActions(true).setRemainingActions(2))
            .build();
    stub()
        .updateSchedule(
            UpdateScheduleRequest.newBuilder()
                .setNamespace(ns)
                .setScheduleId("upd")
                .setSchedule(limited)
                .setConflictToken(describe(ns, "upd").getConflictToken())
                .build());

    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> startedBy(ns, "upd").size() == 2);
    Awaitility.await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> startedBy(ns, "upd").size() == 2);
    DescribeScheduleResponse d = describe(ns, "upd");
    assertThat(d.getConflictToken().asReadOnlyByteBuffer().getLong()).isEqualTo(token + 1);
    assertThat(d.getSchedule().getState().getRemainingActions()).isZero();
    assertThat(d.getInfo().getFutureActionTimesList()).isEmpty();
    assertThat(startedBy(ns, "upd"))
        .allSatisfy(s -> assertThat(s.execution().getWorkflowId()).startsWith("limited-"));
    delete(ns, "upd");
  }

  @Test
  void duplicateAndUnknownIdsAreRefusedLikeTemporal() {
    String ns = "sched-errors";
    create(ns, "dup", everySeconds(3600, "dup", "nobody-polls"));
    // the same request again is a retry and succeeds; a different one is a duplicate
    create(ns, "dup", everySeconds(3600, "dup", "nobody-polls"));

    assertThatThrownBy(
            () ->
                stub()
                    .createSchedule(
                        CreateScheduleRequest.newBuilder()
                            .setNamespace(ns)
                            .setScheduleId("dup")
                            .setSchedule(everySeconds(3600, "dup", "nobody-polls"))
                            .setRequestId("another")
                            .build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.ALREADY_EXISTS))
        .hasMessageContaining("temporal-sys-scheduler:dup");
    // the same id in another namespace is another schedule
    create("sched-errors-2", "dup", everySeconds(3600, "dup", "nobody-polls"));

    for (Runnable call :
        List.<Runnable>of(
            () -> describe(ns, "missing"),
            () -> delete(ns, "missing"),
            () ->
                stub()
                    .patchSchedule(
                        PatchScheduleRequest.newBuilder()
                            .setNamespace(ns)
                            .setScheduleId("missing")
                            .setPatch(SchedulePatch.newBuilder().setPause("x"))
                            .build()),
            () ->
                stub()
                    .updateSchedule(
                        UpdateScheduleRequest.newBuilder()
                            .setNamespace(ns)
                            .setScheduleId("missing")
                            .setSchedule(everySeconds(3600, "x", "q"))
                            .build()),
            () ->
                stub()
                    .listScheduleMatchingTimes(
                        ListScheduleMatchingTimesRequest.newBuilder()
                            .setNamespace(ns)
                            .setScheduleId("missing")
                            .build()))) {
      assertThatThrownBy(call::run)
          .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.NOT_FOUND));
    }
    // what it does not model it refuses, rather than never firing
    assertThatThrownBy(
            () ->
                create(
                    ns,
                    "cron",
                    everySeconds(1, "c", "q").toBuilder()
                        .setSpec(ScheduleSpec.newBuilder().addCronString("* * * * *"))
                        .build()))
        .satisfies(e -> assertThat(code(e)).isEqualTo(Status.Code.INVALID_ARGUMENT));
    delete(ns, "dup");
    delete("sched-errors-2", "dup");
  }

  @Test
  void listsCountsAndComputesMatchingTimes() {
    String ns = "sched-list";
    for (String id : List.of("c", "a", "b")) {
      create(ns, id, everySeconds(3600, "wf-" + id, "nobody-polls"));
    }
    ListSchedulesResponse first =
        stub()
            .listSchedules(
                ListSchedulesRequest.newBuilder().setNamespace(ns).setMaximumPageSize(2).build());
    ListSchedulesResponse second =
        stub()
            .listSchedules(
                ListSchedulesRequest.newBuilder()
                    .setNamespace(ns)
                    .setMaximumPageSize(2)
                    .setNextPageToken(first.getNextPageToken())
                    .build());

    assertThat(first.getSchedulesList())
        .extracting(e -> e.getScheduleId())
        .containsExactly("a", "b");
    assertThat(second.getSchedulesList()).extracting(e -> e.getScheduleId()).containsExactly("c");
    assertThat(second.getNextPageToken()).isEmpty();
    assertThat(first.getSchedules(0).getInfo().getWorkflowType().getName()).isEqualTo("Tick");
    assertThat(first.getSchedules(0).getInfo().getFutureActionTimesCount())
        .isEqualTo(ScheduleBackend.LIST_ENTRY_TIMES);
    assertThat(
            stub()
                .countSchedules(CountSchedulesRequest.newBuilder().setNamespace(ns).build())
                .getCount())
        .isEqualTo(3);

    Schedule phased =
        everySeconds(1, "p", "q").toBuilder()
            .setSpec(
                ScheduleSpec.newBuilder()
                    .addInterval(
                        IntervalSpec.newBuilder()
                            .setInterval(Durations.fromSeconds(10))
                            .setPhase(Durations.fromSeconds(3))))
            .build();
    stub()
        .updateSchedule(
            UpdateScheduleRequest.newBuilder()
                .setNamespace(ns)
                .setScheduleId("a")
                .setSchedule(phased)
                .build());
    Instant from = Instant.parse("2026-11-22T01:00:00Z");
    List<Instant> times =
        stub()
            .listScheduleMatchingTimes(
                ListScheduleMatchingTimesRequest.newBuilder()
                    .setNamespace(ns)
                    .setScheduleId("a")
                    .setStartTime(ScheduleBackend.timestamp(from))
                    .setEndTime(ScheduleBackend.timestamp(from.plusSeconds(33)))
                    .build())
            .getStartTimeList()
            .stream()
            .map(ScheduleBackend::instant)
            .toList();

    assertThat(times)
        .containsExactly(
            from.plusSeconds(3), from.plusSeconds(13), from.plusSeconds(23), from.plusSeconds(33));
    for (String id : List.of("a", "b", "c")) {
      delete(ns, id);
    }
  }

  @Test
  void theSdkScheduleClientWorksAgainstIt() {
    ScheduleClient schedules =
        ScheduleClient.newInstance(
            service, ScheduleClientOptions.newBuilder().setNamespace(NS).build());
    io.temporal.client.schedules.Schedule schedule =
        io.temporal.client.schedules.Schedule.newBuilder()
            .setAction(
                ScheduleActionStartWorkflow.newBuilder()
                    .setWorkflowType(Tick.class)
                    .setArguments("sdk")
                    .setOptions(
                        WorkflowOptions.newBuilder()
                            .setWorkflowId("sdk-tick")
                            .setTaskQueue(QUEUE)
                            .build())
                    .build())
            .setSpec(
                io.temporal.client.schedules.ScheduleSpec.newBuilder()
                    .setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofHours(1))))
                    .build())
            .build();

    ScheduleHandle handle =
        schedules.createSchedule(
            "sdk-schedule",
            schedule,
            ScheduleOptions.newBuilder().setTriggerImmediately(true).build());
    ScheduleDescription description = handle.describe();

    assertThat(description.getInfo().getNumActions()).isEqualTo(1);
    ScheduleActionExecutionStartWorkflow action =
        (ScheduleActionExecutionStartWorkflow)
            description.getInfo().getRecentActions().get(0).getAction();
    assertThat(action.getWorkflowId()).startsWith("sdk-tick-");
    assertThat(client.newUntypedWorkflowStub(action.getWorkflowId()).getResult(String.class))
        .isEqualTo("tock:sdk");
    assertThatThrownBy(
            () ->
                schedules.createSchedule(
                    "sdk-schedule", schedule, ScheduleOptions.newBuilder().build()))
        .isInstanceOf(ScheduleAlreadyRunningException.class);
    assertThat(schedules.listSchedules().map(s -> s.getScheduleId()).toList())
        .contains("sdk-schedule");
    handle.delete();
    assertThat(backend.scheduleIds(NS)).doesNotContain("sdk-schedule");
  }
}
