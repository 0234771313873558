package dev.tempura.proxy.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Timestamps;
import io.temporal.api.deployment.v1.VersionDrainageInfo;
import io.temporal.api.deployment.v1.WorkerDeploymentVersionInfo;
import io.temporal.api.enums.v1.BuildIdTaskReachability;
import io.temporal.api.enums.v1.DeploymentReachability;
import io.temporal.api.enums.v1.TaskReachability;
import io.temporal.api.enums.v1.VersionDrainageStatus;
import io.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
import io.temporal.api.taskqueue.v1.BuildIdReachability;
import io.temporal.api.taskqueue.v1.PollerInfo;
import io.temporal.api.taskqueue.v1.RateLimit;
import io.temporal.api.taskqueue.v1.RateLimitConfig;
import io.temporal.api.taskqueue.v1.TaskQueueConfig;
import io.temporal.api.taskqueue.v1.TaskQueueReachability;
import io.temporal.api.taskqueue.v1.TaskQueueStats;
import io.temporal.api.taskqueue.v1.TaskQueueTypeInfo;
import io.temporal.api.taskqueue.v1.TaskQueueVersionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionResponse;
import io.temporal.api.workflowservice.v1.GetDeploymentReachabilityResponse;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each merge of {@link ReachabilityMerges} on hand-made answers: reachable if reachable anywhere,
 * drained only when drained everywhere.
 */
class ReachabilityMergesTest {

  private static GetWorkerTaskReachabilityResponse workerReachability(
      String build, String queue, TaskReachability... values) {
    return GetWorkerTaskReachabilityResponse.newBuilder()
        .addBuildIdReachability(
            BuildIdReachability.newBuilder()
                .setBuildId(build)
                .addTaskQueueReachability(
                    TaskQueueReachability.newBuilder()
                        .setTaskQueue(queue)
                        .addAllReachability(List.of(values))))
        .build();
  }

  @Test
  void workerTaskReachability_isTheUnionOfEveryBackendsReachability() {
    GetWorkerTaskReachabilityResponse a =
        workerReachability("1.0", "q", TaskReachability.TASK_REACHABILITY_CLOSED_WORKFLOWS);
    GetWorkerTaskReachabilityResponse b =
        workerReachability(
            "1.0",
            "q",
            TaskReachability.TASK_REACHABILITY_OPEN_WORKFLOWS,
            TaskReachability.TASK_REACHABILITY_EXISTING_WORKFLOWS);
    GetWorkerTaskReachabilityResponse onlyB = workerReachability("2.0", "q");

    GetWorkerTaskReachabilityResponse merged =
        ReachabilityMerges.workerTaskReachability(
            List.of(
                a,
                b.toBuilder()
                    .addAllBuildIdReachability(onlyB.getBuildIdReachabilityList())
                    .build()));

    assertThat(merged.getBuildIdReachabilityList())
        .extracting(BuildIdReachability::getBuildId)
        .containsExactly("1.0", "2.0");
    assertThat(merged.getBuildIdReachability(0).getTaskQueueReachability(0).getReachabilityList())
        .containsExactly(
            TaskReachability.TASK_REACHABILITY_EXISTING_WORKFLOWS,
            TaskReachability.TASK_REACHABILITY_OPEN_WORKFLOWS,
            TaskReachability.TASK_REACHABILITY_CLOSED_WORKFLOWS);
  }

  @Test
  void deploymentReachability_mostReachableWins_andTheOldestUpdateTime() {
    GetDeploymentReachabilityResponse unreachable =
        GetDeploymentReachabilityResponse.newBuilder()
            .setReachability(DeploymentReachability.DEPLOYMENT_REACHABILITY_UNREACHABLE)
            .setLastUpdateTime(Timestamps.fromSeconds(200))
            .build();
    GetDeploymentReachabilityResponse closedOnly =
        unreachable.toBuilder()
            .setReachability(DeploymentReachability.DEPLOYMENT_REACHABILITY_CLOSED_WORKFLOWS_ONLY)
            .setLastUpdateTime(Timestamps.fromSeconds(100))
            .build();
    GetDeploymentReachabilityResponse reachable =
        unreachable.toBuilder()
            .setReachability(DeploymentReachability.DEPLOYMENT_REACHABILITY_REACHABLE)
            .build();

    assertThat(
            ReachabilityMerges.deploymentReachability(List.of(unreachable, closedOnly))
                .getReachability())
        .isEqualTo(DeploymentReachability.DEPLOYMENT_REACHABILITY_CLOSED_WORKFLOWS_ONLY);
    GetDeploymentReachabilityResponse merged =
        ReachabilityMerges.deploymentReachability(List.of(unreachable, closedOnly, reachable));
    assertThat(merged.getReachability())
        .isEqualTo(DeploymentReachability.DEPLOYMENT_REACHABILITY_REACHABLE);
    assertThat(merged.getLastUpdateTime()).isEqualTo(Timestamps.fromSeconds(100));
    assertThat(
            ReachabilityMerges.deploymentReachability(List.of(unreachable, unreachable))
                .getReachability())
        .isEqualTo(DeploymentReachability.DEPLOYMENT_REACHABILITY_UNREACHABLE);
  }

  @Test
  void unspecifiedReachability_neverLetsABuildLookRetirable() {
    assertThat(
            ReachabilityMerges.mostReachable(
                List.of(
                    BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE_VALUE,
                    BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED_VALUE)))
        .isEqualTo(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNSPECIFIED_VALUE);
  }

  private static DescribeWorkerDeploymentVersionResponse version(
      WorkerDeploymentVersionStatus status, VersionDrainageStatus drainage, long checkedAt) {
    WorkerDeploymentVersionInfo.Builder info =
        WorkerDeploymentVersionInfo.newBuilder().setDeploymentName("d").setStatus(status);
    if (drainage != null) {
      info.setDrainageInfo(
          VersionDrainageInfo.newBuilder()
              .setStatus(drainage)
              .setLastChangedTime(Timestamps.fromSeconds(checkedAt - 10))
              .setLastCheckedTime(Timestamps.fromSeconds(checkedAt)));
    }
    return DescribeWorkerDeploymentVersionResponse.newBuilder()
        .setWorkerDeploymentVersionInfo(info)
        .addVersionTaskQueues(
            DescribeWorkerDeploymentVersionResponse.VersionTaskQueue.newBuilder()
                .setName("q")
                .setStats(TaskQueueStats.newBuilder().setApproximateBacklogCount(2)))
        .build();
  }

  @Test
  void deploymentVersion_drainedOnlyWhenDrainedEverywhere() {
    DescribeWorkerDeploymentVersionResponse drained =
        version(
            WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED,
            VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED,
            500);
    DescribeWorkerDeploymentVersionResponse draining =
        version(
            WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING,
            VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING,
            300);

    DescribeWorkerDeploymentVersionResponse merged =
        ReachabilityMerges.deploymentVersion(List.of(drained, draining));
    WorkerDeploymentVersionInfo info = merged.getWorkerDeploymentVersionInfo();
    assertThat(info.getDrainageInfo().getStatus())
        .isEqualTo(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING);
    assertThat(info.getStatus())
        .isEqualTo(WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING);
    assertThat(info.getDrainageInfo().getLastCheckedTime()).isEqualTo(Timestamps.fromSeconds(300));
    assertThat(info.getDrainageInfo().getLastChangedTime()).isEqualTo(Timestamps.fromSeconds(490));
    assertThat(merged.getVersionTaskQueuesList()).hasSize(1);
    assertThat(merged.getVersionTaskQueues(0).getStats().getApproximateBacklogCount()).isEqualTo(4);

    DescribeWorkerDeploymentVersionResponse both =
        ReachabilityMerges.deploymentVersion(List.of(drained, drained));
    assertThat(both.getWorkerDeploymentVersionInfo().getDrainageInfo().getStatus())
        .isEqualTo(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
    assertThat(both.getWorkerDeploymentVersionInfo().getStatus())
        .isEqualTo(WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED);
  }

  @Test
  void deploymentVersion_aBackendWithoutDrainageInfo_keepsItFromBeingDrained() {
    DescribeWorkerDeploymentVersionResponse drained =
        version(
            WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED,
            VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED,
            500);
    DescribeWorkerDeploymentVersionResponse current =
        version(WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT, null, 0);

    WorkerDeploymentVersionInfo info =
        ReachabilityMerges.deploymentVersion(List.of(drained, current))
            .getWorkerDeploymentVersionInfo();
    assertThat(info.getDrainageInfo().getStatus())
        .isNotEqualTo(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
    assertThat(info.getStatus())
        .isEqualTo(WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT);
  }

  @Test
  void describeTaskQueueEnhanced_versionsOfAll_mostReachable_pollersAndStatsOfAll() {
    DescribeTaskQueueResponse a =
        DescribeTaskQueueResponse.newBuilder()
            .putVersionsInfo(
                "1.0",
                TaskQueueVersionInfo.newBuilder()
                    .setTaskReachability(
                        BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_UNREACHABLE)
                    .putTypesInfo(
                        1,
                        TaskQueueTypeInfo.newBuilder()
                            .addPollers(PollerInfo.newBuilder().setIdentity("w-a"))
                            .setStats(TaskQueueStats.newBuilder().setApproximateBacklogCount(1))
                            .build())
                    .build())
            .build();
    DescribeTaskQueueResponse b =
        DescribeTaskQueueResponse.newBuilder()
            .putVersionsInfo(
                "1.0",
                TaskQueueVersionInfo.newBuilder()
                    .setTaskReachability(
                        BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE)
                    .putTypesInfo(
                        1,
                        TaskQueueTypeInfo.newBuilder()
                            .addPollers(PollerInfo.newBuilder().setIdentity("w-b"))
                            .setStats(TaskQueueStats.newBuilder().setApproximateBacklogCount(5))
                            .build())
                    .build())
            .putVersionsInfo(
                "2.0",
                TaskQueueVersionInfo.newBuilder()
                    .setTaskReachability(
                        BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE)
                    .build())
            .build();

    DescribeTaskQueueResponse merged = Merges.describeTaskQueue(List.of(a, b));

    assertThat(merged.getVersionsInfoMap()).containsOnlyKeys("1.0", "2.0");
    TaskQueueVersionInfo v1 = merged.getVersionsInfoMap().get("1.0");
    assertThat(v1.getTaskReachability())
        .isEqualTo(BuildIdTaskReachability.BUILD_ID_TASK_REACHABILITY_REACHABLE);
    assertThat(v1.getTypesInfoMap().get(1).getPollersList())
        .extracting(PollerInfo::getIdentity)
        .containsExactly("w-a", "w-b");
    assertThat(v1.getTypesInfoMap().get(1).getStats().getApproximateBacklogCount()).isEqualTo(6);
  }

  @Test
  void describeTaskQueue_rateLimitsAreTheSumOfTheBackendsShares() {
    DescribeTaskQueueResponse share =
        DescribeTaskQueueResponse.newBuilder()
            .setConfig(
                TaskQueueConfig.newBuilder()
                    .setQueueRateLimit(
                        RateLimitConfig.newBuilder()
                            .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(5f)))
                    .setFairnessKeysRateLimitDefault(
                        RateLimitConfig.newBuilder()
                            .setRateLimit(RateLimit.newBuilder().setRequestsPerSecond(1.5f))))
            .setEffectiveRateLimit(
                DescribeTaskQueueResponse.EffectiveRateLimit.newBuilder().setRequestsPerSecond(5f))
            .build();

    DescribeTaskQueueResponse merged = Merges.describeTaskQueue(List.of(share, share));

    assertThat(merged.getConfig().getQueueRateLimit().getRateLimit().getRequestsPerSecond())
        .isEqualTo(10f);
    assertThat(
            merged
                .getConfig()
                .getFairnessKeysRateLimitDefault()
                .getRateLimit()
                .getRequestsPerSecond())
        .isEqualTo(3f);
    assertThat(merged.getEffectiveRateLimit().getRequestsPerSecond()).isEqualTo(10f);
  }
}
