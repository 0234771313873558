package dev.tempura.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tempura.app.ServeSettings;
import dev.tempura.app.TempuraServer;
import dev.tempura.local.TemporalClusters;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.client.WorkflowOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tempura namespace delete VIRTUAL} and the removals of {@code topology apply}, against a
 * whole Tempura in front of an in-memory Temporal server on which one workflow stays open (no
 * worker polls its task queue).
 */
class NamespaceDeleteTest {
  @TempDir Path dataDir;
  @TempDir Path files;
  private TemporalClusters temporal;
  private TempuraServer server;
  private WorkflowServiceStubs stubs;
  private String url;
  private String cluster;

  @BeforeEach
  void start() throws IOException {
    temporal = TemporalClusters.start(1);
    cluster = temporal.address(0);
    server = TempuraServer.start(ServeSettings.loopback(dataDir));
    url = "http://127.0.0.1:" + server.adminPort();
    assertThat(CliRun.namespace(url, "create", "orders").exitCode()).isZero();
    assertThat(CliRun.namespace(url, "add", "orders", "orders-a", cluster).exitCode()).isZero();
    stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder()
                .setTarget("127.0.0.1:" + server.grpcPort())
                .build());
    WorkflowClient client =
        WorkflowClient.newInstance(
            stubs, WorkflowClientOptions.newBuilder().setNamespace("orders").build());
    client
        .newUntypedWorkflowStub(
            "Waits",
            WorkflowOptions.newBuilder()
                .setWorkflowId("order-1")
                .setTaskQueue("nobody-polls")
                .build())
        .start();
  }

  @AfterEach
  void stop() {
    if (stubs != null) {
      stubs.shutdownNow();
      stubs.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
    if (temporal != null) {
      temporal.close();
    }
  }

  @Test
  void deleteVirtual_holdingAnOpenWorkflow_isRefusedSayingToPassForce_andForceDeletesIt() {
    CliRun refused = CliRun.namespace(url, "delete", "orders");
    CliRun stillThere = CliRun.namespace(url, "get", "orders");
    CliRun forced = CliRun.namespace(url, "delete", "orders", "--force");
    CliRun gone = CliRun.namespace(url, "get", "orders");

    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.out()).isEmpty();
    assertThat(refused.err())
        .isEqualTo(
            "Virtual namespace 'orders' still holds open workflows ('orders-a@"
                + cluster
                + "': 1 open): wait until they finish, or pass --force\n");
    assertThat(stillThere.exitCode()).isZero();
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).isEqualTo("Virtual namespace 'orders' deleted\n");
    assertThat(gone.exitCode()).isEqualTo(1);
    assertThat(gone.err()).isEqualTo("Virtual namespace 'orders' not found\n");
  }

  @Test
  void deleteVirtual_emptyOrUnknown_andPhysicalWithTwoNames() {
    CliRun.namespace(url, "create", "billing");

    CliRun empty = CliRun.namespace(url, "delete", "billing");
    CliRun unknown = CliRun.namespace(url, "delete", "nope");
    CliRun physical = CliRun.namespace(url, "delete", "orders", "orders-a");

    assertThat(empty.exitCode()).isZero();
    assertThat(empty.out()).isEqualTo("Virtual namespace 'billing' deleted\n");
    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).isEqualTo("Virtual namespace 'nope' not found\n");
    assertThat(physical.exitCode()).isEqualTo(1);
    assertThat(physical.err())
        .isEqualTo(
            "Physical namespace 'orders-a' is active: cordon it and let it drain first, or pass --force\n");
  }

  @Test
  void apply_removingAPhysicalNamespaceWithAnOpenWorkflow_isRefusedUnlessForced() throws Exception {
    Path file = files.resolve("topology.json");
    Files.writeString(file, "{\"virtual_namespaces\": [{\"name\": \"orders\"}]}");

    CliRun dryRun =
        CliRun.tempura("topology", "apply", "-f", file.toString(), "--dry-run", "--admin", url);
    CliRun refused = CliRun.tempura("topology", "apply", "-f", file.toString(), "--admin", url);
    CliRun forced =
        CliRun.tempura("topology", "apply", "-f", file.toString(), "--force", "--admin", url);

    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.out())
        .startsWith("- physical namespace 'orders-a@" + cluster + "' from 'orders'\n");
    assertThat(refused.exitCode()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo(
            "the file removes physical namespaces that still hold open workflows ('orders-a@"
                + cluster
                + "': 1 open): cordon and drain them first, or pass --force\n");
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).endsWith("Applied 1 change: topology version 3\n");
  }
}
