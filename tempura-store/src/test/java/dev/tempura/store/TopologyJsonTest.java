package dev.tempura.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.topology.ClusterAddress;
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
                      new PhysicalNamespace(
                          "orders-1",
                          ClusterAddress.parse("a:7233"),
                          PhysicalNamespaceStatus.ACTIVE,
                          3),
                      new PhysicalNamespace(
                          "orders-1",
                          ClusterAddress.parse("b:7233"),
                          PhysicalNamespaceStatus.CORDONED,
                          0)),
                  new PlacementSettings(
                      PlacementSettings.ADAPTIVE,
                      new PlacementSettings.Affinity(
                          PlacementSettings.Affinity.REGEX, "^(order-\\d+)"))));

  @Test
  void decode_ofEncode_isTheSameTopologyInTheSameOrder() {
    Topology decoded = TopologyJson.decode(TopologyJson.encode(TOPOLOGY));

    assertThat(decoded).isEqualTo(TOPOLOGY);
    assertThat(decoded.virtualNamespaces().keySet()).containsExactly("payments", "orders");
  }

  @Test
  void existingWorkflows_isWrittenOnlyWhenDeclared_andReadBack() {
    Topology t =
        Topology.EMPTY.with(
            dev.tempura.topology.VirtualNamespace.empty("v")
                .with(
                    new dev.tempura.topology.PhysicalNamespace(
                        "adopted",
                        dev.tempura.topology.ClusterAddress.parse("a:7233"),
                        dev.tempura.topology.PhysicalNamespaceStatus.ACTIVE,
                        1,
                        true))
                .with(
                    new dev.tempura.topology.PhysicalNamespace(
                        "fresh",
                        dev.tempura.topology.ClusterAddress.parse("b:7233"),
                        dev.tempura.topology.PhysicalNamespaceStatus.ACTIVE,
                        1)));
    String json = TopologyJson.encode(t);
    assertThat(json).containsOnlyOnce("existingWorkflows");
    Topology decoded = TopologyJson.decode(json);
    assertThat(decoded).isEqualTo(t);
  }

  @Test
  void existingWorkflows_thatIsNotABoolean_rejectsThatEntryOnly() {
    Topology decoded =
        TopologyJson.decode(
            "{\"version\": 1, \"virtualNamespaces\": [{\"name\": \"v\", \"physicalNamespaces\": ["
                + "{\"name\": \"x\", \"clusterAddress\": \"a:7233\", \"status\": \"ACTIVE\","
                + " \"weight\": 1, \"existingWorkflows\": \"yes\"},"
                + "{\"name\": \"y\", \"clusterAddress\": \"b:7233\", \"status\": \"ACTIVE\","
                + " \"weight\": 1}]}]}");
    assertThat(decoded.virtualNamespace("v").orElseThrow().physicalNamespaces())
        .extracting(dev.tempura.topology.PhysicalNamespace::name)
        .containsExactly("y");
    assertThat(decoded.rejected())
        .singleElement()
        .extracting(Topology.Rejected::reason)
        .asString()
        .contains("existingWorkflows");
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
            new PhysicalNamespace(
                "orders-1", ClusterAddress.parse("a:7233"), PhysicalNamespaceStatus.ACTIVE, 1));
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

  /**
   * A store written by an older version, or by hand: the bad entries of the reproduction.
   */
  private static final String OLDER_STORE =
      "{\"version\":7,\"virtualNamespaces\":["
          + "{\"name\":\"orders\",\"physicalNamespaces\":["
          + "{\"name\":\"orders-1\",\"clusterAddress\":\"a:7233\",\"status\":\"ACTIVE\",\"weight\":1},"
          + "{\"name\":\"orders-2\",\"clusterAddress\":\"cluster b:7233\",\"status\":\"ACTIVE\",\"weight\":1},"
          + "{\"name\":\"orders-3\",\"clusterAddress\":\"http://evil:80/x\",\"status\":\"ACTIVE\",\"weight\":1},"
          + "{\"name\":\"orders-4 \",\"clusterAddress\":\"d:7233\",\"status\":\"ACTIVE\",\"weight\":1},"
          + "{\"name\":\"orders-5\",\"clusterAddress\":\"e:7233\",\"status\":\"SIDEWAYS\",\"weight\":1}]},"
          + "{\"name\":\"\\u001b]0;pwned\",\"physicalNamespaces\":[]},"
          + "{\"name\":\"alpha\",\"physicalNamespaces\":["
          + "{\"name\":\"shared\",\"clusterAddress\":\"s:7233\",\"status\":\"ACTIVE\",\"weight\":1},"
          + "{\"name\":\"alpha-own\",\"clusterAddress\":\"s:7233\",\"status\":\"ACTIVE\",\"weight\":1}]},"
          + "{\"name\":\"beta\",\"physicalNamespaces\":["
          + "{\"name\":\"shared\",\"clusterAddress\":\"S:7233\",\"status\":\"ACTIVE\",\"weight\":1}]}]}";

  @Test
  void decode_ofAStoreWithInvalidEntries_servesTheValidOnes_andKeepsTheRestAsideWithTheirReasons() {
    Topology decoded = TopologyJson.decode(OLDER_STORE);

    assertThat(decoded.version()).isEqualTo(7);
    assertThat(decoded.virtualNamespaces()).containsOnlyKeys("orders", "alpha", "beta");
    assertThat(decoded.virtualNamespace("orders").orElseThrow().physicalNamespaces())
        .extracting(PhysicalNamespace::name)
        .containsExactly("orders-1");
    assertThat(decoded.virtualNamespace("alpha").orElseThrow().physicalNamespaces())
        .extracting(PhysicalNamespace::name)
        .containsExactly("alpha-own");
    assertThat(decoded.virtualNamespace("beta").orElseThrow().physicalNamespaces()).isEmpty();
    assertThat(decoded.rejected())
        .extracting(Topology.Rejected::virtualNamespace)
        .containsExactly("orders", "orders", "orders", "orders", null, "alpha", "beta");
    assertThat(decoded.rejected().get(0).reason()).contains("cluster b:7233", "spaces");
    assertThat(decoded.rejected().get(1).reason()).contains("no scheme allowed");
    assertThat(decoded.rejected().get(2).reason()).contains("white space");
    assertThat(decoded.rejected().get(3).reason()).contains("SIDEWAYS");
    assertThat(decoded.rejected().get(4).reason()).contains("control and format characters");
    assertThat(decoded.rejected().get(5).reason()).contains("also in virtual namespace 'beta'");
    assertThat(decoded.rejected().get(6).reason()).contains("also in virtual namespace 'alpha'");
    assertThat(decoded.rejected())
        .allSatisfy(r -> assertThat(r.reason()).doesNotContain("\n", "\u001b"));
  }

  @Test
  void rejectedEntries_surviveTheNextWrite_andAreNotServedAfterIt() {
    Topology decoded = TopologyJson.decode(OLDER_STORE);
    Topology next = decoded.with(VirtualNamespace.empty("payments"));

    Topology reread = TopologyJson.decode(TopologyJson.encode(next));

    assertThat(reread.version()).isEqualTo(8);
    assertThat(reread.rejected()).isEqualTo(decoded.rejected());
    assertThat(reread.virtualNamespaces()).isEqualTo(next.virtualNamespaces());
  }

  @Test
  void decode_ofSomethingThatIsNotATopologyAtAll_isRefused() {
    assertThatThrownBy(() -> TopologyJson.decode("not json"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopologyJson.decode("{\"version\":1}"))
        .hasMessage("stored topology: missing field virtualNamespaces");
    assertThat(TopologyJson.versionHint("{\"version\":5}")).isEqualTo(5);
    assertThat(TopologyJson.versionHint("not json")).isZero();
  }
}
