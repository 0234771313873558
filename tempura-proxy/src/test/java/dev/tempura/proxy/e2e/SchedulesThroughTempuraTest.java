package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.tempura.proxy.routing.Keyspace;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.temporal.api.common.v1.WorkflowType;
import io.temporal.api.enums.v1.ScheduleOverlapPolicy;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.schedule.v1.IntervalSpec;
import io.temporal.api.schedule.v1.ScheduleAction;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.workflow.v1.NewWorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.CountSchedulesRequest;
import io.temporal.api.workflowservice.v1.CreateScheduleRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesRequest;
import io.temporal.api.workflowservice.v1.ListSchedulesResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc.WorkflowServiceBlockingStub;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.client.schedules.Schedule;
import io.temporal.client.schedules.ScheduleActionStartWorkflow;
import io.temporal.client.schedules.ScheduleClient;
import io.temporal.client.schedules.ScheduleClientOptions;
import io.temporal.client.schedules.ScheduleDescription;
import io.temporal.client.schedules.ScheduleHandle;
import io.temporal.client.schedules.ScheduleIntervalSpec;
import io.temporal.client.schedules.ScheduleListDescription;
import io.temporal.client.schedules.ScheduleOptions;
import io.temporal.client.schedules.ScheduleSpec;
import io.temporal.client.schedules.ScheduleState;
import io.temporal.client.schedules.ScheduleUpdate;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedules through Tempura over two physical namespaces (pa, pb), each a {@link ScheduleBackend}
 * in front of its own TestServer, with one worker polling through the proxy. A schedule lives on
 * one backend; the workflows it starts were never started through Tempura.
 */
class SchedulesThroughTempuraTest {
  private static final String QUEUE = "scheduled";

  /** The schedule calls routed by schedule id, to the one backend that holds it. */
  private static final List<String> BY_ID_CALLS =
      List.of(
          "CreateSchedule",
          "DescribeSchedule",
          "UpdateSchedule",
          "PatchSchedule",
          "DeleteSchedule");

  @TempDir static Path dir;
  private static ScheduleBackend sa;
  private static ScheduleBackend sb;
  private static ProxyFixture tempura;
  private static WorkflowClient client;
  private static ScheduleClient schedules;

  @BeforeAll
  static void setUp() {
    sa = ScheduleBackend.start();
    sb = ScheduleBackend.start();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("pa", sa.address());
    tempura.addPhysical("pb", sb.address());
    client = tempura.newClient();
    WorkerFactory factory = tempura.newWorkerFactory(client);
    Worker worker = factory.newWorker(QUEUE);
    worker.registerWorkflowImplementationTypes(TestWorkflows.InteractiveImpl.class);
    factory.start();
    schedules =
        ScheduleClient.newInstance(
            client.getWorkflowServiceStubs(),
            ScheduleClientOptions.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build());
  }

  @AfterAll
  static void tearDown() {
    tempura.close();
    sa.close();
    sb.close();
  }

  /** One of the two backends, with the physical namespace it serves. */
  private record Backend(ScheduleBackend server, String physical) {}

  /** The backend the schedule's mapping names, and the other one. */
  private static Backend[] ownerAndOther(String scheduleId) {
    String mapped =
        tempura.mappings().get(Keyspace.SCHEDULE.key(ProxyFixture.VIRTUAL, scheduleId)).join();
    assertThat(mapped).as("mapping of schedule %s", scheduleId).isNotNull();
    Backend a = new Backend(sa, "pa");
    Backend b = new Backend(sb, "pb");
    return mapped.startsWith("pa@") ? new Backend[] {a, b} : new Backend[] {b, a};
  }

  private static String physicalId(Backend b) {
    return b.physical() + "@" + b.server().address();
  }

  private static Schedule interactiveEvery(Duration interval, String workflowId, boolean paused) {
    return Schedule.newBuilder()
        .setAction(
            ScheduleActionStartWorkflow.newBuilder()
                .setWorkflowType(TestWorkflows.Interactive.class)
                .setArguments("tick")
                .setOptions(
                    WorkflowOptions.newBuilder()
                        .setWorkflowId(workflowId)
                        .setTaskQueue(QUEUE)
                        .build())
                .build())
        .setSpec(
            ScheduleSpec.newBuilder()
                .setIntervals(List.of(new ScheduleIntervalSpec(interval)))
                .build())
        .setState(ScheduleState.newBuilder().setPaused(paused).build())
        .build();
  }

  /** The workflows {@code backend} started for {@code scheduleId}, in order. */
  private static List<ScheduleBackend.Started> startedBy(Backend backend, String scheduleId) {
    return backend.server().started().stream()
        .filter(s -> s.scheduleId().equals(scheduleId))
        .toList();
  }

  @Test
  void
      aScheduleCreatedThroughTempura_livesOnOneBackend_whichEveryScheduleCallReaches_andItsWorkflowsAreReachable()
          throws TimeoutException {
    String id = "ticker";
    // the other test's schedules make calls too: count this test's from here
    Map<String, Integer> before = new HashMap<>();
    for (String method : BY_ID_CALLS) {
      before.put("pa/" + method, sa.calls(method).size());
      before.put("pb/" + method, sb.calls(method).size());
    }
    ScheduleHandle handle =
        schedules.createSchedule(
            id,
            interactiveEvery(Duration.ofSeconds(1), "ticked", false),
            ScheduleOptions.newBuilder().build());
    Backend[] pair = ownerAndOther(id);
    Backend owner = pair[0];
    Backend other = pair[1];
    assertThat(owner.server().scheduleIds(owner.physical())).contains(id);
    assertThat(other.server().scheduleIds(other.physical())).doesNotContain(id);

    // the first tick starts a workflow; it waits for a signal, so (overlap SKIP) no other starts
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !startedBy(owner, id).isEmpty());
    ScheduleBackend.Started first = startedBy(owner, id).get(0);
    String firstId = first.execution().getWorkflowId();
    // named as Temporal's scheduler names them: <workflow id>-<nominal time to the second>
    assertThat(firstId).matches("ticked-\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");

    ScheduleDescription described = handle.describe();
    assertThat(described.getInfo().getNumActions()).isEqualTo(1);
    assertThat(described.getInfo().getRunningActions()).hasSize(1);

    // never started through Tempura, yet found through it, on the schedule's backend
    WorkflowStub firstStub = client.newUntypedWorkflowStub(firstId);
    assertThat(firstStub.describe().getWorkflowExecutionInfo().getStatus())
        .isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING);
    assertThat(tempura.mappings().get(Keyspace.WORKFLOW.key(ProxyFixture.VIRTUAL, firstId)).join())
        .isEqualTo(physicalId(owner));

    // from now on once an hour: nothing more starts by itself while the test runs
    handle.update(
        input -> {
          Schedule s = input.getDescription().getSchedule();
          return new ScheduleUpdate(
              Schedule.newBuilder(s)
                  .setSpec(
                      ScheduleSpec.newBuilder(s.getSpec())
                          .setIntervals(List.of(new ScheduleIntervalSpec(Duration.ofHours(1))))
                          .build())
                  .build());
        });
    assertThat(handle.describe().getSchedule().getSpec().getIntervals())
        .extracting(ScheduleIntervalSpec::getEvery)
        .containsExactly(Duration.ofHours(1));

    // a manual trigger names its workflow by the current second: past the first one's second,
    // it cannot be mistaken for (and deduplicated into) the first
    Awaitility.await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Instant.now().getEpochSecond() > first.nominalTime().getEpochSecond());
    handle.trigger(ScheduleOverlapPolicy.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> startedBy(owner, id).size() == 2);
    String secondId = startedBy(owner, id).get(1).execution().getWorkflowId();
    assertThat(secondId).startsWith("ticked-").isNotEqualTo(firstId);

    for (String workflowId : List.of(firstId, secondId)) {
      WorkflowStub stub = client.newUntypedWorkflowStub(workflowId);
      stub.signal("finish");
      assertThat(stub.getResult(10, TimeUnit.SECONDS, String.class)).isEqualTo("tick:");
      assertThat(
              tempura
                  .mappings()
                  .get(Keyspace.WORKFLOW.key(ProxyFixture.VIRTUAL, workflowId))
                  .join())
          .isEqualTo(physicalId(owner));
    }
    assertThat(handle.describe().getInfo().getNumActions()).isEqualTo(2);

    assertThat(
            schedules
                .listSchedules()
                .map(ScheduleListDescription::getScheduleId)
                .filter(id::equals))
        .as("listed once, though both backends were asked")
        .hasSize(1);

    handle.delete();
    assertThat(owner.server().scheduleIds(owner.physical())).doesNotContain(id);

    BiFunction<Backend, String, Integer> callsSince =
        (b, method) -> b.server().calls(method).size() - before.get(b.physical() + "/" + method);
    assertThat(callsSince.apply(owner, "CreateSchedule")).isEqualTo(1);
    assertThat(callsSince.apply(owner, "UpdateSchedule")).isEqualTo(1);
    assertThat(callsSince.apply(owner, "PatchSchedule")).isEqualTo(1);
    assertThat(callsSince.apply(owner, "DeleteSchedule")).isEqualTo(1);
    assertThat(callsSince.apply(owner, "DescribeSchedule")).isPositive();
    for (String method : BY_ID_CALLS) {
      assertThat(callsSince.apply(other, method))
          .as("%s on the backend without the schedule", method)
          .isZero();
    }
    for (Backend b : pair) {
      assertThat(b.server().namespacesSeen())
          .as("namespaces seen by %s", b.physical())
          .containsOnly(b.physical());
    }
  }

  @Test
  void aScheduleCreatedOnItsClusterDirectly_isFoundThroughTempura_andRecordedThere()
      throws InterruptedException {
    String id = "made-on-pb";
    ManagedChannel direct = NettyChannelBuilder.forTarget(sb.address()).usePlaintext().build();
    try {
      WorkflowServiceGrpc.newBlockingStub(direct)
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .createSchedule(
              CreateScheduleRequest.newBuilder()
                  .setNamespace("pb")
                  .setScheduleId(id)
                  .setRequestId(UUID.randomUUID().toString())
                  .setSchedule(
                      io.temporal.api.schedule.v1.Schedule.newBuilder()
                          .setSpec(
                              io.temporal.api.schedule.v1.ScheduleSpec.newBuilder()
                                  .addInterval(
                                      IntervalSpec.newBuilder()
                                          .setInterval(
                                              com.google.protobuf.Duration.newBuilder()
                                                  .setSeconds(3600))))
                          .setAction(
                              ScheduleAction.newBuilder()
                                  .setStartWorkflow(
                                      NewWorkflowExecutionInfo.newBuilder()
                                          .setWorkflowId("direct-wf")
                                          .setWorkflowType(
                                              WorkflowType.newBuilder().setName("Interactive"))
                                          .setTaskQueue(TaskQueue.newBuilder().setName(QUEUE))))
                          .setState(
                              io.temporal.api.schedule.v1.ScheduleState.newBuilder()
                                  .setPaused(true)))
                  .build());
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(tempura.mappings().get(Keyspace.SCHEDULE.key(ProxyFixture.VIRTUAL, id)).join())
        .isNull();

    ScheduleHandle handle = schedules.getHandle(id);
    ScheduleDescription described = handle.describe();

    assertThat(
            ((ScheduleActionStartWorkflow) described.getSchedule().getAction())
                .getOptions()
                .getWorkflowId())
        .isEqualTo("direct-wf");
    assertThat(tempura.mappings().get(Keyspace.SCHEDULE.key(ProxyFixture.VIRTUAL, id)).join())
        .isEqualTo("pb@" + sb.address());
    handle.delete();
    assertThat(sb.scheduleIds("pb")).doesNotContain(id);
  }

  @Test
  void manySchedules_spreadOverBothBackends_listAndCountThroughTempuraOnceEach() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String id = String.format("paused-%02d", i);
      ids.add(id);
      // paused: these only need to exist
      schedules.createSchedule(
          id,
          interactiveEvery(Duration.ofHours(1), "never-" + i, true),
          ScheduleOptions.newBuilder().build());
    }
    for (String id : ids) {
      Backend[] pair = ownerAndOther(id);
      assertThat(pair[0].server().scheduleIds(pair[0].physical())).contains(id);
      assertThat(pair[1].server().scheduleIds(pair[1].physical())).doesNotContain(id);
    }
    // with 20 ids, rendezvous hashing puts some on each (all on one: about 1 in 500,000)
    assertThat(sa.scheduleIds("pa")).isNotEmpty();
    assertThat(sb.scheduleIds("pb")).isNotEmpty();
    int total = sa.scheduleIds("pa").size() + sb.scheduleIds("pb").size();

    WorkflowServiceBlockingStub stub = client.getWorkflowServiceStubs().blockingStub();
    List<String> listed = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListSchedulesResponse page =
          stub.listSchedules(
              ListSchedulesRequest.newBuilder()
                  .setNamespace(ProxyFixture.VIRTUAL)
                  .setMaximumPageSize(3)
                  .setNextPageToken(token)
                  .build());
      sizes.add(page.getSchedulesCount());
      page.getSchedulesList().forEach(s -> listed.add(s.getScheduleId()));
      token = page.getNextPageToken();
    } while (!token.isEmpty());

    assertThat(listed).doesNotHaveDuplicates().hasSize(total).containsAll(ids);
    assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(3);
    assertThat(
            stub.countSchedules(
                    CountSchedulesRequest.newBuilder().setNamespace(ProxyFixture.VIRTUAL).build())
                .getCount())
        .isEqualTo(total);

    for (String id : ids) {
      schedules.getHandle(id).delete();
    }
    assertThat(sa.scheduleIds("pa")).doesNotContainAnyElementsOf(ids);
    assertThat(sb.scheduleIds("pb")).doesNotContainAnyElementsOf(ids);
  }
}
