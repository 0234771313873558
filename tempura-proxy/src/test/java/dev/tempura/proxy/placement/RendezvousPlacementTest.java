package dev.tempura.proxy.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RendezvousPlacementTest {
  private static final int IDS = 100_000;

  private final RendezvousPlacement placement = new RendezvousPlacement();

  private static PhysicalNamespace ns(String name, int weight) {
    return new PhysicalNamespace(
        name, ClusterAddress.parse("10.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, weight);
  }

  private static String id(int i) {
    return "order-" + i;
  }

  @Test
  void choose_sameIdAndCandidates_isDeterministicAcrossInstances() {
    List<PhysicalNamespace> candidates = List.of(ns("a", 1), ns("b", 2), ns("c", 1));
    RendezvousPlacement other = new RendezvousPlacement();
    for (int i = 0; i < 10_000; i++) {
      PhysicalNamespace first = placement.choose(id(i), candidates);
      assertThat(placement.choose(id(i), candidates)).isEqualTo(first);
      assertThat(other.choose(id(i), List.copyOf(candidates))).isEqualTo(first);
    }
  }

  @Test
  void choose_orderOfCandidates_doesNotChangeTheChoice() {
    List<PhysicalNamespace> candidates = List.of(ns("a", 1), ns("b", 3), ns("c", 1), ns("d", 2));
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      List<PhysicalNamespace> shuffled = new ArrayList<>(candidates);
      Collections.shuffle(shuffled, random);
      assertThat(placement.choose(id(i), shuffled))
          .as("id %s", id(i))
          .isEqualTo(placement.choose(id(i), candidates));
    }
  }

  @Test
  void choose_weightsOneToThree_splitIdsAbout25To75() {
    PhysicalNamespace a = ns("a", 1);
    PhysicalNamespace b = ns("b", 3);
    Map<PhysicalNamespace, Integer> counts = count(List.of(a, b));
    assertThat(share(counts, a)).isCloseTo(25.0, within(3.0));
    assertThat(share(counts, b)).isCloseTo(75.0, within(3.0));
  }

  @Test
  void choose_equalWeightsOverThree_splitIdsAboutEvenly() {
    PhysicalNamespace a = ns("a", 1);
    PhysicalNamespace b = ns("b", 1);
    PhysicalNamespace c = ns("c", 1);
    Map<PhysicalNamespace, Integer> counts = count(List.of(a, b, c));
    for (PhysicalNamespace p : List.of(a, b, c)) {
      assertThat(share(counts, p)).as("share of %s", p.name()).isCloseTo(100.0 / 3, within(2.0));
    }
  }

  @Test
  void choose_sameNameOnTwoClusters_areDistinctCandidatesSharingTheLoad() {
    PhysicalNamespace east =
        new PhysicalNamespace(
            "orders", ClusterAddress.parse("east:7233"), PhysicalNamespaceStatus.ACTIVE, 1);
    PhysicalNamespace west =
        new PhysicalNamespace(
            "orders", ClusterAddress.parse("west:7233"), PhysicalNamespaceStatus.ACTIVE, 1);
    Map<PhysicalNamespace, Integer> counts = count(List.of(east, west));
    assertThat(share(counts, east)).isCloseTo(50.0, within(2.0));
  }

  @Test
  void choose_addingAThirdCandidate_onlyMovesIdsToTheNewOne_aboutAThird() {
    PhysicalNamespace a = ns("a", 1);
    PhysicalNamespace b = ns("b", 1);
    PhysicalNamespace c = ns("c", 1);
    int moved = 0;
    for (int i = 0; i < IDS; i++) {
      PhysicalNamespace before = placement.choose(id(i), List.of(a, b));
      PhysicalNamespace after = placement.choose(id(i), List.of(a, b, c));
      if (!after.equals(before)) {
        assertThat(after).as("id %s moved from %s", id(i), before.name()).isEqualTo(c);
        moved++;
      }
    }
    assertThat(100.0 * moved / IDS).isCloseTo(100.0 / 3, within(2.0));
  }

  @Test
  void choose_raisingOneWeight_onlyMovesIdsToThatCandidate() {
    PhysicalNamespace a = ns("a", 1);
    PhysicalNamespace b = ns("b", 1);
    PhysicalNamespace c = ns("c", 1);
    PhysicalNamespace heavierC = c.withWeight(3);
    for (int i = 0; i < 20_000; i++) {
      PhysicalNamespace before = placement.choose(id(i), List.of(a, b, c));
      PhysicalNamespace after = placement.choose(id(i), List.of(a, b, heavierC));
      if (!after.name().equals(before.name())) {
        assertThat(after.name()).as("id %s moved from %s", id(i), before.name()).isEqualTo("c");
      }
    }
  }

  @Test
  void choose_zeroWeightCandidate_isNeverChosen() {
    PhysicalNamespace zero = ns("zero", 0);
    List<PhysicalNamespace> candidates = List.of(ns("a", 1), zero, ns("b", 1));
    for (int i = 0; i < 20_000; i++) {
      assertThat(placement.choose(id(i), candidates)).isNotEqualTo(zero);
    }
  }

  @Test
  void choose_onlyOnePositiveWeight_alwaysChoosesIt() {
    PhysicalNamespace only = ns("only", 5);
    List<PhysicalNamespace> candidates = List.of(ns("z1", 0), only, ns("z2", 0));
    for (int i = 0; i < 1_000; i++) {
      assertThat(placement.choose(id(i), candidates)).isEqualTo(only);
    }
  }

  @Test
  void choose_allWeightsZero_isIllegal() {
    assertThatThrownBy(() -> placement.choose("wf", List.of(ns("a", 0), ns("b", 0))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void choose_noCandidates_isIllegal() {
    assertThatThrownBy(() -> placement.choose("wf", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void choose_emptyAndUnicodeIds_areAccepted() {
    List<PhysicalNamespace> candidates = List.of(ns("a", 1), ns("b", 1));
    assertThat(placement.choose("", candidates)).isIn(candidates);
    assertThat(placement.choose("ワークフロー-1", candidates)).isIn(candidates);
  }

  private Map<PhysicalNamespace, Integer> count(List<PhysicalNamespace> candidates) {
    Map<PhysicalNamespace, Integer> counts = new HashMap<>();
    for (int i = 0; i < IDS; i++) {
      counts.merge(placement.choose(id(i), candidates), 1, Integer::sum);
    }
    return counts;
  }

  private static double share(Map<PhysicalNamespace, Integer> counts, PhysicalNamespace p) {
    return 100.0 * counts.getOrDefault(p, 0) / IDS;
  }
}
