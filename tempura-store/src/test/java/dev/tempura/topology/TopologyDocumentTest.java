package dev.tempura.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ClusterAddress A = ClusterAddress.parse("a:7233");
  private static final ClusterAddress B = ClusterAddress.parse("b:7233");

  private static final Topology TOPOLOGY =
      new Topology(4, java.util.Map.of(), List.of())
          .with(
              new VirtualNamespace(
                  "orders",
                  List.of(
                      new PhysicalNamespace("orders-a", A, PhysicalNamespaceStatus.ACTIVE, 2),
                      new PhysicalNamespace("orders-b", B, PhysicalNamespaceStatus.CORDONED, 1)),
                  new PlacementSettings(
                      PlacementSettings.ADAPTIVE,
                      new PlacementSettings.Affinity(PlacementSettings.Affinity.PREFIX, "-"))));

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void parse_ofToJson_isTheSameTopology_andNoChange() {
    TopologyDocument.Desired desired = TopologyDocument.parse(TopologyDocument.toJson(TOPOLOGY));

    assertThat(desired.expectedVersion()).isEqualTo(5);
    assertThat(desired.topology().virtualNamespaces()).isEqualTo(TOPOLOGY.virtualNamespaces());
    assertThat(TopologyDocument.diff(TOPOLOGY, desired.topology())).isEmpty();
  }

  @Test
  void diff_namesEveryChange_oneLineEach() throws Exception {
    Topology desired =
        TopologyDocument.parse(
                json(
                    """
                    {"virtual_namespaces": [
                      {"name": "orders", "placement": {"policy": "rendezvous"},
                       "physical_namespaces": [
                         {"name": "orders-a", "cluster_address": "a:7233", "weight": 3},
                         {"name": "orders-c", "cluster_address": "c:7233"}]},
                      {"name": "payments"}]}
                    """))
            .topology();

    assertThat(TopologyDocument.diff(TOPOLOGY, desired))
        .containsExactly(
            "~ virtual namespace 'orders': placement adaptive, affinity prefix '-' -> rendezvous",
            "- physical namespace 'orders-b@b:7233' from 'orders'",
            "~ physical namespace 'orders-a@a:7233' in 'orders': active, weight 2 -> active, weight 3",
            "+ physical namespace 'orders-c@c:7233' in 'orders' (active, weight 1)",
            "+ virtual namespace 'payments' (placement rendezvous)");
  }

  @Test
  void parse_refusesWhatTheAdminApiRefuses_namingWhere() {
    assertThatThrownBy(
            () ->
                TopologyDocument.parse(
                    json(
                        "{\"virtual_namespaces\": [{\"name\": \"v\", \"physical_namespaces\":"
                            + " [{\"name\": \"p\", \"cluster_address\": \"cluster b:7233\"}]}]}")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "virtual_namespaces[0] ('v').physical_namespaces[0]: cluster_address 'cluster b:7233'");
    assertThatThrownBy(
            () -> TopologyDocument.parse(json("{\"virtual_namespaces\": [], \"dry_run\": true}")))
        .hasMessageStartingWith("topology: unknown field 'dry_run'");
    assertThatThrownBy(
            () -> TopologyDocument.parse(json("{\"virtual_namespaces\": [{\"name\": \"v \"}]}")))
        .hasMessageContaining("white space");
    assertThatThrownBy(
            () ->
                TopologyDocument.parse(
                    json(
                        "{\"virtual_namespaces\": [{\"name\": \"v\", \"physical_namespaces\":"
                            + " [{\"name\": \"p\", \"cluster_address\": \"a:7233\", \"colour\": 1}]}]}")))
        .hasMessageContaining("unknown field 'colour'");
    assertThatThrownBy(
            () ->
                TopologyDocument.parse(
                    json("{\"virtual_namespaces\": [{\"name\": \"v\"}, {\"name\": \"v\"}]}")))
        .hasMessageContaining("listed twice");
  }

  @Test
  void parse_refusesAPhysicalNamespaceInTwoVirtualNamespaces() {
    assertThatThrownBy(
            () ->
                TopologyDocument.parse(
                    json(
                        "{\"virtual_namespaces\": ["
                            + "{\"name\": \"alpha\", \"physical_namespaces\": [{\"name\": \"p\", \"cluster_address\": \"a:7233\"}]},"
                            + "{\"name\": \"beta\", \"physical_namespaces\": [{\"name\": \"p\", \"cluster_address\": \"A:7233\"}]}]}")))
        .hasMessageContaining("is in both virtual namespaces 'alpha' and 'beta'");
  }

  @Test
  void keepingStoredAddresses_keepsTheIdsMappingsAreKeyedBy() throws Exception {
    Topology current =
        Topology.EMPTY.with(
            new VirtualNamespace(
                "v",
                List.of(
                    new PhysicalNamespace(
                        "p",
                        ClusterAddress.parse("Temporal-A:7233"),
                        PhysicalNamespaceStatus.ACTIVE,
                        1))));
    Topology desired =
        TopologyDocument.parse(
                json(
                    "{\"virtual_namespaces\": [{\"name\": \"v\", \"physical_namespaces\":"
                        + " [{\"name\": \"p\", \"cluster_address\": \"temporal-a:7233\", \"weight\": 2}]}]}"))
            .topology();

    Topology kept = TopologyDocument.keepingStoredAddresses(current, desired);

    assertThat(kept.virtualNamespace("v").orElseThrow().physicalNamespaces().get(0).id())
        .isEqualTo("p@Temporal-A:7233");
  }
}
