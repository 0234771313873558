package dev.tempura.store;

import dev.tempura.topology.ClusterAddress;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.PlacementSettings;
import dev.tempura.topology.Topology;
import dev.tempura.topology.VirtualNamespace;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopologyJsonTest {
  private static final Topology TOPOLOGY =
      Topology.EMPTY
          .with(VirtualNamespace.empty("payments"))
          .with(
              new VirtualNamespace(
                  "orders",
                  List.of(
                      new PhysicalNamespace("orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 3),
                      new PhysicalNamespace(
                          "orders-1", ClusterAddress.parse("b:7233"), PhysicalNamespaceStatus.CORDONED, 0)),
                  new PlacementSettings(
                      PlacementSettings.ADAPTIVE,
                      new PlacementSettings.Affinity(PlacementSettings.Affinity.REGEX, "^(order-\\d+)"))));

  @Test
  void decode_ofEncode_isTheSameTopologyInTheSameOrder() {
    Topology decoded = TopologyJson.decode(TopologyJson.encode(TOPOLOGY));

    assertThat(decoded).isEqualTo(TOPOLOGY);
    assertThat(decoded.virtualNamespaces().keySet()).containsExactly("payments", "orders");
  }

  @Test
  void encode_writesStoredFieldsOnly_notDerivedOnes() {
    String json = TopologyJson.encode(TOPOLOGY);

    assertThat(json)
        .contains("\"clusterAddress\":\"b:7233\"", "\"status\":\"CORDONED\"")
        .doesNotContain("\"id\"", "\"active\"");
  }

  @Test
  void decode_unknownFields_areIgnored() {
    String json =
        "{\"version\":1,\"writtenBy\":\"a later build\",\"virtualNamespaces\":[{\"name\":\"orders\","
            + "\"physicalNamespaces\":[{\"name\":\"orders-1\",\"clusterAddress\":\"a:7233\","
            + "\"status\":\"ACTIVE\",\"weight\":1,\"region\":\"eu\"}]}]}";

    Topology decoded = TopologyJson.decode(json);

    assertThat(decoded.version()).isEqualTo(1);
    assertThat(decoded.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .containsExactly(
            new PhysicalNamespace("orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 1));
  }

  @Test
  void decode_missingField_isRefused() {
    assertThatThrownBy(() -> TopologyJson.decode("{\"virtualNamespaces\":[]}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stored topology: missing field version");
  }

  @Test
  void decode_topologyWithoutPlacement_usesTheDefault() {
    String json =
        "{\"version\":1,\"virtualNamespaces\":[{\"name\":\"orders\",\"physicalNamespaces\":[]}]}";
    assertThat(TopologyJson.decode(json).virtualNamespace("orders").orElseThrow().placement())
        .isEqualTo(PlacementSettings.DEFAULT);
  }
}
