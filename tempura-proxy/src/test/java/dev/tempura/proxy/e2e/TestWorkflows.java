package dev.tempura.proxy.e2e;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The workflows and activities the end-to-end tests run through Tempura. */
final class TestWorkflows {
  private TestWorkflows() {}

  @ActivityInterface
  public interface Echo {
    String echo(String message);
  }

  static final class EchoImpl implements Echo {
    @Override
    public String echo(String message) {
      return message;
    }
  }

  /** The benchmark-workers shape: Count sequential Echo activities. */
  @WorkflowInterface
  public interface ExecuteActivity {
    @WorkflowMethod
    int run(int count, String message);
  }

  public static final class ExecuteActivityImpl implements ExecuteActivity {
    private final Echo echo =
        Workflow.newActivityStub(
            Echo.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());

    @Override
    public int run(int count, String message) {
      int done = 0;
      for (int i = 0; i < count; i++) {
        if (echo.echo(message).equals(message)) {
          done++;
        }
      }
      return done;
    }
  }

  /** Signals, queries and updates against a workflow that waits to be told to finish. */
  @WorkflowInterface
  public interface Interactive {
    @WorkflowMethod
    String run(String name);

    @SignalMethod
    void add(String item);

    @SignalMethod
    void finish();

    @QueryMethod
    List<String> items();

    @UpdateMethod
    int addAndCount(String item);
  }

  public static final class InteractiveImpl implements Interactive {
    private final List<String> items = new ArrayList<>();
    private boolean finished;

    @Override
    public String run(String name) {
      Workflow.await(() -> finished);
      return name + ":" + String.join(",", items);
    }

    @Override
    public void add(String item) {
      items.add(item);
    }

    @Override
    public void finish() {
      finished = true;
    }

    @Override
    public List<String> items() {
      return items;
    }

    @Override
    public int addAndCount(String item) {
      items.add(item);
      return items.size();
    }
  }

  /** Starts an Interactive child with a known id and waits for both it and its own signal. */
  @WorkflowInterface
  public interface Parent {
    @WorkflowMethod
    String run(String childId);

    @SignalMethod
    void finish();
  }

  public static final class ParentImpl implements Parent {
    private boolean finished;

    @Override
    public String run(String childId) {
      Interactive child =
          Workflow.newChildWorkflowStub(
              Interactive.class, ChildWorkflowOptions.newBuilder().setWorkflowId(childId).build());
      Promise<String> result = Async.function(child::run, "child");
      Workflow.getWorkflowExecution(child).get();
      Workflow.await(() -> finished);
      return "parent+" + result.get();
    }

    @Override
    public void finish() {
      finished = true;
    }
  }

  /** Hands its task token out and returns without completing: another client completes it. */
  @ActivityInterface
  public interface External {
    String waitForExternal(String key);
  }

  static final Map<String, byte[]> TOKENS = new ConcurrentHashMap<>();

  static final class ExternalImpl implements External {
    @Override
    public String waitForExternal(String key) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      TOKENS.put(key, ctx.getTaskToken());
      ctx.doNotCompleteOnReturn();
      return null;
    }
  }

  /** Counts with a heartbeat per step; the first attempt fails midway and the retry resumes. */
  @ActivityInterface
  public interface Counter {
    String count(int to);
  }

  static final class CounterImpl implements Counter {
    @Override
    public String count(int to) {
      ActivityExecutionContext ctx = Activity.getExecutionContext();
      int start = ctx.getHeartbeatDetails(Integer.class).orElse(0);
      int attempt = ctx.getInfo().getAttempt();
      for (int i = start; i < to; i++) {
        ctx.heartbeat(i + 1);
        if (attempt == 1 && i + 1 == to / 2) {
          throw new IllegalStateException("failing attempt 1 on purpose after " + (i + 1));
        }
      }
      return "attempt " + attempt + " resumed at " + start;
    }
  }

  @WorkflowInterface
  public interface ActivityFeatures {
    @WorkflowMethod
    String run(String key);
  }

  public static final class ActivityFeaturesImpl implements ActivityFeatures {
    private final External external =
        Workflow.newActivityStub(
            External.class,
            ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build());
    private final Counter counter =
        Workflow.newActivityStub(
            Counter.class,
            ActivityOptions.newBuilder()
                .setStartToCloseTimeout(Duration.ofSeconds(30))
                .setRetryOptions(
                    RetryOptions.newBuilder()
                        .setInitialInterval(Duration.ofMillis(100))
                        .setMaximumAttempts(3)
                        .build())
                .build());

    @Override
    public String run(String key) {
      String fromOutside = external.waitForExternal(key);
      String counted = counter.count(10);
      return fromOutside + "|" + counted;
    }
  }

  /**
   * Continues as new a few times, then waits for a signal: later runs keep the workflow's mapping.
   */
  @WorkflowInterface
  public interface Chain {
    @WorkflowMethod
    String run(int remaining);

    @SignalMethod
    void finish();
  }

  public static final class ChainImpl implements Chain {
    private boolean finished;

    @Override
    public String run(int remaining) {
      if (remaining > 0) {
        Workflow.continueAsNew(remaining - 1);
      }
      Workflow.await(() -> finished);
      return "last run";
    }

    @Override
    public void finish() {
      finished = true;
    }
  }

  /** Fails its first attempt; the retry (a new run of the same id) waits for a signal. */
  @WorkflowInterface
  public interface Retried {
    @WorkflowMethod
    String run();

    @SignalMethod
    void finish();
  }

  public static final class RetriedImpl implements Retried {
    private boolean finished;

    @Override
    public String run() {
      if (Workflow.getInfo().getAttempt() == 1) {
        throw io.temporal.failure.ApplicationFailure.newFailure(
            "first attempt fails on purpose", "test");
      }
      Workflow.await(() -> finished);
      return "attempt " + Workflow.getInfo().getAttempt();
    }

    @Override
    public void finish() {
      finished = true;
    }
  }
}
