package dev.tempura.app.sandbox;

import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import dev.tempura.app.sandbox.AdminClient.Exchange;
import dev.tempura.app.sandbox.BenchmarkWorkflows.EchoInput;
import dev.tempura.app.sandbox.BenchmarkWorkflows.ExecuteActivityInput;
import io.temporal.client.WorkflowClient;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The scale-out scenario, shortened and in-process: two in-memory Temporal clusters, Tempura in
 * front of them, a virtual namespace on cluster A under load, then cluster B added under the same
 * load through the admin API, and a count of where the workflows ran.
 */
final class ScenarioRunner {
  static final String VIRTUAL_NAMESPACE = "my-app-namespace";
  static final String NAMESPACE_A = "namespace-a";
  static final String NAMESPACE_B = "namespace-b";
  /** The scenario's runner argument: {@code {"Count": 10, "Activity": "Echo", "Input": ...}}. */
  static final ExecuteActivityInput INPUT =
      new ExecuteActivityInput(10, "Echo", new EchoInput("test"));

  private static final List<String> PHASES = List.of("namespace-a only", "namespace-b added");
  // the scenario's TEMPORAL_WORKFLOW_TASK_POLLERS and TEMPORAL_ACTIVITY_TASK_POLLERS
  private static final int WORKFLOW_TASK_POLLERS = 16;
  private static final int ACTIVITY_TASK_POLLERS = 8;

  private final PrintWriter out;
  private final int concurrency;
  private final Duration phaseLength;

  /**
   * @param out where the narration and the table go
   * @param duration the whole load, split into two equal phases
   */
  ScenarioRunner(PrintWriter out, int concurrency, Duration duration) {
    this.out = out;
    this.concurrency = concurrency;
    this.phaseLength = duration.dividedBy(2);
  }

  ScenarioResult run() throws IOException, InterruptedException {
    Path dataDir = Files.createTempDirectory("tempura-sandbox-");
    try {
      return runWith(dataDir);
    } finally {
      deleteTree(dataDir);
    }
  }

  private ScenarioResult runWith(Path dataDir) throws IOException, InterruptedException {
    try (TemporalClusters clusters = TemporalClusters.start(2);
        TempuraServer tempura = TempuraServer.start(ServeSettings.loopback(dataDir));
        SdkConnections sdk = new SdkConnections()) {
      String clusterA = clusters.address(0);
      String clusterB = clusters.address(1);
      say("Cluster A: in-memory Temporal server at %s", clusterA);
      say("Cluster B: in-memory Temporal server at %s", clusterB);
      say("Tempura:   gRPC at 127.0.0.1:%d, admin API at http://127.0.0.1:%d",
          tempura.grpcPort(), tempura.adminPort());
      AdminClient admin = new AdminClient(URI.create("http://127.0.0.1:" + tempura.adminPort()));

      say("%nStep 1: route virtual namespace %s to cluster A only", VIRTUAL_NAMESPACE);
      show(admin, admin.createVirtualNamespace(VIRTUAL_NAMESPACE));
      show(admin, admin.addPhysicalNamespace(VIRTUAL_NAMESPACE, NAMESPACE_A, clusterA));

      WorkflowClient client = sdk.client("127.0.0.1:" + tempura.grpcPort(), VIRTUAL_NAMESPACE);
      startWorker(sdk.workerFactory(client));
      AtomicInteger phase = new AtomicInteger(1);
      LoadDriver load = new LoadDriver(client, INPUT, concurrency, phase::get);
      say("%nStep 2: apply load through Tempura: worker on task queue %s, %d concurrent"
              + " ExecuteActivity{Count: %d, Activity: %s} workflows",
          BenchmarkWorkflows.TASK_QUEUE, concurrency, INPUT.count(), INPUT.activity());
      say("Phase 1 (%s): %s of load", PHASES.get(0), seconds(phaseLength));
      load.start();
      Thread.sleep(phaseLength.toMillis());

      say("%nStep 4: scale out under load: add %s on cluster B", NAMESPACE_B);
      // switched before the call: a start sent while it runs may already land on namespace-b
      phase.set(2);
      show(admin, admin.addPhysicalNamespace(VIRTUAL_NAMESPACE, NAMESPACE_B, clusterB));
      say("Phase 2 (%s): %s of load", PHASES.get(1), seconds(phaseLength));
      Thread.sleep(phaseLength.toMillis());

      say("%nLoad stopped; waiting for the %d workflows in flight", load.inFlight());
      long drainStart = System.nanoTime();
      boolean drained = load.stop();
      Duration drain = Duration.ofNanos(System.nanoTime() - drainStart);
      if (drained) {
        say("They finished within %s", seconds(drain));
      } else {
        say("Some were still running after %s; they count as not completed", seconds(drain));
      }
      List<LoadDriver.Run> runs = load.runs();
      say("%nSteps 3 and 5: where the %d workflows ran, by DescribeWorkflowExecution on %s at"
              + " cluster A and %s at cluster B, bypassing Tempura; start latency as the clients"
              + " measured it%n",
          runs.size(), NAMESPACE_A, NAMESPACE_B);
      Map<String, List<Census.Found>> where =
          Census.locate(
              runs.stream().map(LoadDriver.Run::workflowId).toList(),
              List.of(
                  new Census.Target(NAMESPACE_A, sdk.stubs(clusterA)),
                  new Census.Target(NAMESPACE_B, sdk.stubs(clusterB))));
      ScenarioResult result =
          ScenarioResult.tally(
              PHASES,
              List.of(NAMESPACE_A, NAMESPACE_B),
              runs,
              load.startFailures(),
              where,
              List.of(NAMESPACE_A, NAMESPACE_B));
      TextReport.print(result, out);
      return result;
    }
  }

  private static void startWorker(WorkerFactory factory) {
    Worker worker =
        factory.newWorker(
            BenchmarkWorkflows.TASK_QUEUE,
            WorkerOptions.newBuilder()
                .setMaxConcurrentWorkflowTaskPollers(WORKFLOW_TASK_POLLERS)
                .setMaxConcurrentActivityTaskPollers(ACTIVITY_TASK_POLLERS)
                .build());
    worker.registerWorkflowImplementationTypes(BenchmarkWorkflows.ExecuteActivityImpl.class);
    worker.registerActivitiesImplementations(new BenchmarkWorkflows.EchoImpl());
    factory.start();
  }

  /** Prints an admin call as the equivalent curl command, then the admin API's answer. */
  private void show(AdminClient admin, Exchange exchange) {
    say("$ curl -X POST %s -d '%s'", admin.base().resolve(exchange.path()), exchange.body());
    say("%s", exchange.answer());
  }

  private void say(String format, Object... args) {
    out.printf(Locale.ROOT, format + "%n", args);
    out.flush();
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(ScenarioRunner::delete);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
