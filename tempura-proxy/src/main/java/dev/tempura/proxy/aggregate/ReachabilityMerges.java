package dev.tempura.proxy.aggregate;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import io.temporal.api.deployment.v1.VersionDrainageInfo;
import io.temporal.api.deployment.v1.WorkerDeploymentVersionInfo;
import io.temporal.api.enums.v1.VersionDrainageStatus;
import io.temporal.api.enums.v1.WorkerDeploymentVersionStatus;
import io.temporal.api.taskqueue.v1.BuildIdReachability;
import io.temporal.api.taskqueue.v1.TaskQueueReachability;
import io.temporal.api.taskqueue.v1.TaskQueueStats;
import io.temporal.api.taskqueue.v1.TaskQueueTypeInfo;
import io.temporal.api.taskqueue.v1.TaskQueueVersionInfo;
import io.temporal.api.workflowservice.v1.DescribeTaskQueueResponse;
import io.temporal.api.workflowservice.v1.DescribeWorkerDeploymentVersionResponse;
import io.temporal.api.workflowservice.v1.GetDeploymentReachabilityResponse;
import io.temporal.api.workflowservice.v1.GetWorkerTaskReachabilityResponse;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reachability and drainage are per-backend facts: a build or version is reachable where a workflow
 * pinned to it still runs, and that may be on one backend only. Merged conservatively, so that
 * nothing is ever shown safe to retire while some backend still needs it: reachable if reachable
 * anywhere (the most reachable value wins), drained only when drained everywhere. Answers come in
 * topology order, the first active physical namespace first; what is not per-backend state is taken
 * from it.
 */
final class ReachabilityMerges {
  private ReachabilityMerges() {}

  /**
   * How reachable a {@code BuildIdTaskReachability} or {@code DeploymentReachability} value (they
   * share their numbers) says a build is, higher is more: REACHABLE, then UNSPECIFIED (a backend
   * that could not tell, or a value newer than this API, must not make the build look retirable),
   * then CLOSED_WORKFLOWS_ONLY, then UNREACHABLE.
   */
  static int reachabilityRank(int value) {
    return switch (value) {
      case 1 -> 4; // REACHABLE
      case 2 -> 2; // CLOSED_WORKFLOWS_ONLY
      case 3 -> 1; // UNREACHABLE
      default -> 3; // UNSPECIFIED, or unknown
    };
  }

  /** The most reachable of the values, by {@link #reachabilityRank}. */
  static int mostReachable(List<Integer> values) {
    int best = values.get(0);
    for (int v : values) {
      if (reachabilityRank(v) > reachabilityRank(best)) {
        best = v;
      }
    }
    return best;
  }

  /**
   * Per build id and task queue, every reachability any backend reports (a union: a build that can
   * still get tasks of open workflows on one backend can get them in the namespace). Builds and
   * queues in the first answer's order, then any only others list.
   */
  static GetWorkerTaskReachabilityResponse workerTaskReachability(
      List<GetWorkerTaskReachabilityResponse> answers) {
    Map<String, Map<String, Set<Integer>>> byBuild = new LinkedHashMap<>();
    for (GetWorkerTaskReachabilityResponse r : answers) {
      for (BuildIdReachability b : r.getBuildIdReachabilityList()) {
        Map<String, Set<Integer>> queues =
            byBuild.computeIfAbsent(b.getBuildId(), k -> new LinkedHashMap<>());
        for (TaskQueueReachability q : b.getTaskQueueReachabilityList()) {
          queues
              .computeIfAbsent(q.getTaskQueue(), k -> new LinkedHashSet<>())
              .addAll(q.getReachabilityValueList());
        }
      }
    }
    GetWorkerTaskReachabilityResponse.Builder out = GetWorkerTaskReachabilityResponse.newBuilder();
    byBuild.forEach(
        (build, queues) -> {
          BuildIdReachability.Builder b = BuildIdReachability.newBuilder().setBuildId(build);
          queues.forEach(
              (queue, values) ->
                  b.addTaskQueueReachability(
                      TaskQueueReachability.newBuilder()
                          .setTaskQueue(queue)
                          .addAllReachabilityValue(values.stream().sorted().toList())));
          out.addBuildIdReachability(b);
        });
    return out.build();
  }

  /**
   * The most reachable answer; its deployment info from the first. {@code last_update_time} is the
   * oldest of all, since the merged value is only as fresh as its stalest part.
   */
  static GetDeploymentReachabilityResponse deploymentReachability(
      List<GetDeploymentReachabilityResponse> answers) {
    GetDeploymentReachabilityResponse.Builder out = answers.get(0).toBuilder();
    out.setReachabilityValue(
        mostReachable(answers.stream().map(r -> r.getReachabilityValue()).toList()));
    Timestamp oldest = null;
    for (GetDeploymentReachabilityResponse r : answers) {
      if (r.hasLastUpdateTime()
          && (oldest == null || Timestamps.compare(r.getLastUpdateTime(), oldest) < 0)) {
        oldest = r.getLastUpdateTime();
      }
    }
    if (oldest != null) {
      out.setLastUpdateTime(oldest);
    }
    return out.build();
  }

  /**
   * A worker deployment version as the virtual namespace sees it: drained only when every backend
   * says drained (one still draining, or one without drainage information, keeps it from being
   * drained); its status DRAINED only when DRAINED everywhere; task queue statistics added up per
   * queue. Everything else (written by broadcast, so alike) from the first.
   */
  static DescribeWorkerDeploymentVersionResponse deploymentVersion(
      List<DescribeWorkerDeploymentVersionResponse> answers) {
    DescribeWorkerDeploymentVersionResponse first = answers.get(0);
    DescribeWorkerDeploymentVersionResponse.Builder out = first.toBuilder();
    WorkerDeploymentVersionInfo.Builder info = out.getWorkerDeploymentVersionInfoBuilder();
    mergeDrainage(info, answers);
    mergeStatus(info, answers);
    Map<String, DescribeWorkerDeploymentVersionResponse.VersionTaskQueue.Builder> queues =
        new LinkedHashMap<>();
    for (DescribeWorkerDeploymentVersionResponse r : answers) {
      for (DescribeWorkerDeploymentVersionResponse.VersionTaskQueue q :
          r.getVersionTaskQueuesList()) {
        String key = q.getTypeValue() + "/" + q.getName();
        DescribeWorkerDeploymentVersionResponse.VersionTaskQueue.Builder merged = queues.get(key);
        if (merged == null) {
          queues.put(key, q.toBuilder());
          continue;
        }
        if (q.hasStats()) {
          merged.setStats(
              merged.hasStats() ? addStats(merged.getStats(), q.getStats()) : q.getStats());
        }
        q.getStatsByPriorityKeyMap()
            .forEach(
                (k, v) -> {
                  TaskQueueStats had = merged.getStatsByPriorityKeyMap().get(k);
                  merged.putStatsByPriorityKey(k, had == null ? v : addStats(had, v));
                });
      }
    }
    out.clearVersionTaskQueues();
    queues.values().forEach(out::addVersionTaskQueues);
    return out.build();
  }

  private static void mergeDrainage(
      WorkerDeploymentVersionInfo.Builder info,
      List<DescribeWorkerDeploymentVersionResponse> answers) {
    boolean any = false;
    boolean allDrained = true;
    boolean anyDraining = false;
    Timestamp lastChanged = null;
    Timestamp oldestCheck = null;
    for (DescribeWorkerDeploymentVersionResponse r : answers) {
      WorkerDeploymentVersionInfo v = r.getWorkerDeploymentVersionInfo();
      if (!v.hasDrainageInfo()) {
        allDrained = false;
        continue;
      }
      any = true;
      VersionDrainageInfo d = v.getDrainageInfo();
      allDrained &= d.getStatus() == VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED;
      anyDraining |= d.getStatus() == VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING;
      if (d.hasLastChangedTime()
          && (lastChanged == null || Timestamps.compare(d.getLastChangedTime(), lastChanged) > 0)) {
        lastChanged = d.getLastChangedTime();
      }
      if (d.hasLastCheckedTime()
          && (oldestCheck == null || Timestamps.compare(d.getLastCheckedTime(), oldestCheck) < 0)) {
        oldestCheck = d.getLastCheckedTime();
      }
    }
    if (!any) {
      return;
    }
    VersionDrainageInfo.Builder d =
        info.hasDrainageInfo()
            ? info.getDrainageInfo().toBuilder()
            : VersionDrainageInfo.newBuilder();
    d.setStatus(
        allDrained
            ? VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED
            : anyDraining
                ? VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING
                // drained on some, no drainage information on others: not drained
                : VersionDrainageStatus.VERSION_DRAINAGE_STATUS_UNSPECIFIED);
    if (lastChanged != null) {
      d.setLastChangedTime(lastChanged);
    }
    if (oldestCheck != null) {
      d.setLastCheckedTime(oldestCheck);
    }
    info.setDrainageInfo(d);
  }

  private static void mergeStatus(
      WorkerDeploymentVersionInfo.Builder info,
      List<DescribeWorkerDeploymentVersionResponse> answers) {
    if (info.getStatus()
        != WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED) {
      return;
    }
    WorkerDeploymentVersionStatus other = null;
    for (DescribeWorkerDeploymentVersionResponse r : answers) {
      WorkerDeploymentVersionStatus s = r.getWorkerDeploymentVersionInfo().getStatus();
      if (s == WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING) {
        other = s;
        break;
      }
      if (s != WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED
          && other == null) {
        other = s;
      }
    }
    if (other != null) {
      info.setStatus(other);
    }
  }

  /**
   * The enhanced-mode {@code versions_info} of a task queue over all backends: every build id any
   * backend reports; per task queue type, pollers of all and statistics added up; the most
   * reachable task reachability.
   */
  static void versionsInfo(
      DescribeTaskQueueResponse.Builder out, List<DescribeTaskQueueResponse> answers) {
    Map<String, TaskQueueVersionInfo.Builder> merged = new LinkedHashMap<>();
    for (DescribeTaskQueueResponse r : answers) {
      r.getVersionsInfoMap()
          .forEach(
              (build, v) -> {
                TaskQueueVersionInfo.Builder m = merged.get(build);
                if (m == null) {
                  merged.put(build, v.toBuilder());
                  return;
                }
                m.setTaskReachabilityValue(
                    mostReachable(
                        List.of(m.getTaskReachabilityValue(), v.getTaskReachabilityValue())));
                v.getTypesInfoMap()
                    .forEach(
                        (type, t) -> {
                          TaskQueueTypeInfo had = m.getTypesInfoMap().get(type);
                          m.putTypesInfo(type, had == null ? t : addTypeInfo(had, t));
                        });
              });
    }
    out.clearVersionsInfo();
    merged.forEach((build, v) -> out.putVersionsInfo(build, v.build()));
  }

  private static TaskQueueTypeInfo addTypeInfo(TaskQueueTypeInfo a, TaskQueueTypeInfo b) {
    TaskQueueTypeInfo.Builder out = a.toBuilder().addAllPollers(b.getPollersList());
    if (b.hasStats()) {
      out.setStats(a.hasStats() ? addStats(a.getStats(), b.getStats()) : b.getStats());
    }
    return out.build();
  }

  /** Backlogs and rates added up, the oldest backlog age, rate limiting active if anywhere. */
  static TaskQueueStats addStats(TaskQueueStats a, TaskQueueStats b) {
    TaskQueueStats.Builder into = a.toBuilder();
    into.setApproximateBacklogCount(
        a.getApproximateBacklogCount() + b.getApproximateBacklogCount());
    if (Durations.compare(b.getApproximateBacklogAge(), a.getApproximateBacklogAge()) > 0) {
      into.setApproximateBacklogAge(b.getApproximateBacklogAge());
    }
    into.setTasksAddRate(a.getTasksAddRate() + b.getTasksAddRate());
    into.setTasksDispatchRate(a.getTasksDispatchRate() + b.getTasksDispatchRate());
    into.setRateLimitingActive(a.getRateLimitingActive() || b.getRateLimitingActive());
    return into.build();
  }
}
