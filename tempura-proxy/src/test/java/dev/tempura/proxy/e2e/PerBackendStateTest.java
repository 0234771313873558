package dev.tempura.proxy.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.temporal.api.deployment.v1.VersionDrainageInfo;
import io.temporal.api.deployment.v1.WorkerDeploymentVersionInfo;
import io.temporal.api.enums.v1.BuildIdTaskReachability;
import io.temporal.api.enums.v1.DeploymentReachability;
import io.temporal.api.enums.v1.DescribeTaskQueueMode;
import io.temporal.api.enums.v1.TaskReachability;
import io.temporal.api.enums.v1.VersionDrainageStatus;
import io.temporal.api.taskqueue.v1.BuildIdReachability;
import io.temporal.api.taskqueue.v1.TaskQueue;
import io.temporal.api.taskqueue.v1.TaskQueueReachability;
import io.temporal.api.taskqueue.v1.TaskQueueVersionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueRequest;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionResponse;
import io.temporal.api.workflowservice.v1.GetDeploymentReachabilityRequest;
import io.temporal.api.workflowservice.v1.GetDeploymentReachabilityResponse;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityRequest;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reachability and drainage are per-backend state. Through Tempura over two recording backends,
 * where only the second (not the first active one, which used to answer alone) still runs workflows
 * of a build: the build is reachable, and the version is not drained.
 */
class PerBackendStateTest {
  @TempDir Path dir;
  private RecordingBackend first;
  private RecordingBackend second;
  private ProxyFixture tempura;
  private ManagedChannel channel;

  @BeforeEach
  void setUp() {
    first = new RecordingBackend();
    second = new RecordingBackend();
    tempura = ProxyFixture.start(dir);
    tempura.createVirtual();
    tempura.addPhysical("ns-first", first.address());
    tempura.addPhysical("ns-second", second.address());
    channel = ManagedChannelBuilder.forTarget(tempura.target()).usePlaintext().build();
  }

  @AfterEach
  void tearDown() {
    channel.shutdownNow();
    tempura.close();
    first.close();
    second.close();
  }

  private WorkflowServiceGrpc.WorkflowServiceBlockingStub stub() {
    return WorkflowServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static void answer(
      RecordingBackend backend, MethodDescriptor<?, ?> method, Message response) {
    backend.reply(method, req -> RecordingBackend.Reply.of(response.toByteArray()));
  }

  @Test
  void deploymentReachability_reachableOnOneBackend_isReachable() {
    answer(
        first,
        WorkflowServiceGrpc.getGetDeploymentReachabilityMethod(),
        GetDeploymentReachabilityResponse.newBuilder()
            .setReachability(DeploymentReachability.DEPLOYMENT_REACHABILITY_UNREACHABLE)
            .build());
    answer(
        second,
        WorkflowServiceGrpc.getGetDeploymentReachabilityMethod(),
        GetDeploymentReachabilityResponse.newBuilder()
            .setReachability(DeploymentReachability.DEPLOYMENT_REACHABILITY_REACHABLE)
            .build());

    GetDeploymentReachabilityResponse r =
        stub()
            .getDeploymentReachability(
                GetDeploymentReachabilityRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .build());

    assertThat(r.getReachability())
        .isEqualTo(DeploymentReachability.DEPLOYMENT_REACHABILITY_REACHABLE);
    assertThat(first.received(WorkflowServiceGrpc.getGetDeploymentReachabilityMethod())).hasSize(1);
    assertThat(second.received(WorkflowServiceGrpc.getGetDeploymentReachabilityMethod()))
        .hasSize(1);
  }

  @Test
  void workerTaskReachability_isTheUnionOverBackends() {
    answer(
        first,
        WorkflowServiceGrpc.getGetWorkerTaskReachabilityMethod(),
        GetWorkerTaskReachabilityResponse.newBuilder()
            .addBuildIdReachability(
                BuildIdReachability.newBuilder()
                    .setBuildId("1.0")
                    .addTaskQueueReachability(TaskQueueReachability.newBuilder().setTaskQueue("q")))
            .build());
    answer(
        second,
        WorkflowServiceGrpc.getGetWorkerTaskReachabilityMethod(),
        GetWorkerTaskReachabilityResponse.newBuilder()
            .addBuildIdReachability(
                BuildIdReachability.newBuilder()
                    .setBuildId("1.0")
                    .addTaskQueueReachability(
                        TaskQueueReachability.newBuilder()
                            .setTaskQueue("q")
                            .addReachability(TaskReachability.TASK_REACHABILITY_OPEN_WORKFLOWS)))
            .build());

    GetWorkerTaskReachabilityResponse r =
        stub()
            .getWorkerTaskReachability(
                GetWorkerTaskReachabilityRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .addBuildIds("1.0")
                    .build());

    assertThat(r.getBuildIdReachability(0).getTaskQueueReachability(0).getReachabilityList())
        .containsExactly(TaskReachability.TASK_REACHABILITY_OPEN_WORKFLOWS);
  }

  private static DescribeWorkerDeploymentVersionResponse version(VersionDrainageStatus s) {
    return DescribeWorkerDeploymentVersionResponse.newBuilder()
        .setWorkerDeploymentVersionInfo(
            WorkerDeploymentVersionInfo.newBuilder()
                .setDeploymentName("d")
                .setDrainageInfo(VersionDrainageInfo.newBuilder().setStatus(s)))
        .build();
  }

  @Test
  void deploymentVersion_drainedOnOneBackendOnly_isDraining() {
    answer(
        first,
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        version(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED));
    answer(
        second,
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        version(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING));

    DescribeWorkerDeploymentVersionResponse r = describeVersion();

    assertThat(r.getWorkerDeploymentVersionInfo().getDrainageInfo().getStatus())
        .isEqualTo(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING);
  }

  @Test
  void deploymentVersion_unknownToOneBackend_isThatOfTheOthers() {
    answer(
        first,
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        version(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED));
    second.reply(
        WorkflowServiceGrpc.getDescribeWorkerDeploymentVersionMethod(),
        req -> RecordingBackend.Reply.error(Status.NOT_FOUND, new Metadata()));

    assertThat(describeVersion().getWorkerDeploymentVersionInfo().getDrainageInfo().getStatus())
        .isEqualTo(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
  }

  private DescribeWorkerDeploymentVersionResponse describeVersion() {
    return stub()
        .describeWorkerDeploymentVersion(
            DescribeWorkerDeploymentVersionRequest.newBuilder()
                .setNamespace(ProxyFixture.VIRTUAL)
                .build());
  }

  @Test
  void describeTaskQueueEnhanced_buildReachableOnOneBackend_isReachable() {
    answer(
        first,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .putVersionsInfo(
                "1.0",
                TaskQueueVersionInfo.newBuilder()
                    .setTaskReachability(
                        BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE)
                    .build())
            .build());
    answer(
        second,
        WorkflowServiceGrpc.getDescribeTaskQueueMethod(),
        DescribeTaskQueueResponse.newBuilder()
            .putVersionsInfo(
                "1.0",
                TaskQueueVersionInfo.newBuilder()
                    .setTaskReachability(
                        BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE)
                    .build())
            .build());

    DescribeTaskQueueResponse r =
        stub()
            .describeTaskQueue(
                DescribeTaskQueueRequest.newBuilder()
                    .setNamespace(ProxyFixture.VIRTUAL)
                    .setTaskQueue(TaskQueue.newBuilder().setName("q"))
                    .setApiMode(DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED)
                    .setReportTaskReachability(true)
                    .build());

    assertThat(r.getVersionsInfoMap().get("1.0").getTaskReachability())
        .isEqualTo(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE);
  }
}
