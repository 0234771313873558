package dev.tempura.proxy.poll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Tasks as they cross replicas through the store, and what is refused when read back. */
class HeldTaskTest {
  @Test
  void roundTrip_keepsBytesArrivalAndOrigin_evenWithSeparatorsInTheOrigin() {
    byte[] task = {0, 1, 2, (byte) 0xff, '|'};
    HeldTask held = HeldTask.of(task, 1_765_000_000_123L, "name|with|bars");
    HeldTask back = HeldTask.decode(held.encode());
    assertThat(back.id()).isEqualTo(held.id());
    assertThat(back.arrivedMillis()).isEqualTo(1_765_000_000_123L);
    assertThat(back.response()).containsExactly(task);
    assertThat(back.from()).isEqualTo("name|with|bars");
  }

  @Test
  void eachOfferHasItsOwnId() {
    byte[] task = {1};
    assertThat(HeldTask.of(task, 0, "a").id()).isNotEqualTo(HeldTask.of(task, 0, "a").id());
  }

  @Test
  void whatThisVersionDidNotWrite_isRefusedWithAReason() {
    assertThatThrownBy(() -> HeldTask.decode("2|id|1|AQ==|a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a held task");
    assertThatThrownBy(() -> HeldTask.decode("garbage"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HeldTask.decode("1|id|soon|AQ==|a"))
        .hasMessageContaining("arrival time");
    assertThatThrownBy(() -> HeldTask.decode("1|id|1||a")).hasMessageContaining("empty");
    assertThatThrownBy(() -> HeldTask.decode("1|id|1|not base64!|a"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
