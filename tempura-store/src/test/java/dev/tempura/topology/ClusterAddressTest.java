package dev.tempura.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterAddressTest {

  @ParameterizedTest
  @CsvSource({
    "cluster-a.example.com:7233, cluster-a.example.com, 7233",
    "localhost:7233, localhost, 7233",
    "temporal_frontend:7233, temporal_frontend, 7233",
    "10.0.0.7:1, 10.0.0.7, 1",
    "[::1]:7233, ::1, 7233",
    "[2001:db8::7]:65535, 2001:db8::7, 65535",
    "[::ffff:10.0.0.1]:7233, ::ffff:10.0.0.1, 7233",
  })
  void parse_acceptsHostAndPort(String text, String host, int port) {
    ClusterAddress address = ClusterAddress.parse(text);

    assertThat(address.host()).isEqualTo(host);
    assertThat(address.port()).isEqualTo(port);
    assertThat(address.toString()).isEqualTo(text);
  }

  /** Every address the issue reproduced the outage with, and their relatives. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "cluster b:7233",
        "h:7233 ",
        " h:7233",
        "not an address",
        "localhost",
        "localhost:99999",
        "localhost:0",
        "localhost:-1",
        "localhost:",
        ":7233",
        "http://evil:80/x",
        "evil:80/x",
        "user@host:7233",
        "host:7233\n",
        "ho\u001bst:7233",
        "::1:7233",
        "[::1]",
        "[::1]7233",
        "[host]:7233",
        "[1:2:3:4:5:6:7:8:9]:7233",
        "999.1.1.1:7233",
        "1.2.3:7233",
        "-leading.example.com:7233",
        "a..b:7233",
        "",
      })
  void parse_refusesAnythingButHostAndPort_withOneReadableLine(String text) {
    assertThatThrownBy(() -> ClusterAddress.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("cluster_address")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\u001b"));
  }

  @Test
  void parse_namesWhatIsWrong() {
    assertThatThrownBy(() -> ClusterAddress.parse("cluster b:7233"))
        .hasMessage(
            "cluster_address 'cluster b:7233': contains spaces or control characters (expected: host:port)");
    assertThatThrownBy(() -> ClusterAddress.parse("localhost"))
        .hasMessage(
            "cluster_address 'localhost': no port (expected: host:port, as in localhost:7233)");
    assertThatThrownBy(() -> ClusterAddress.parse("localhost:99999"))
        .hasMessage(
            "cluster_address 'localhost:99999': port 99999 is out of range (expected: 1-65535)");
    assertThatThrownBy(() -> ClusterAddress.parse("http://evil:80/x"))
        .hasMessageContaining("no scheme allowed");
  }

  @Test
  void sameCluster_ignoresTheCaseOfHostNames() {
    assertThat(
            ClusterAddress.parse("Cluster-A:7233")
                .sameCluster(ClusterAddress.parse("cluster-a:7233")))
        .isTrue();
    assertThat(
            ClusterAddress.parse("cluster-a:7233")
                .sameCluster(ClusterAddress.parse("cluster-a:7234")))
        .isFalse();
  }
}
