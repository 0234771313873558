package dev.tempura.store.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.MappingKey;
import org.junit.jupiter.api.Test;

class LayoutTest {

  @Test
  void mappingKey_prefixesTheNamespaceWithItsLength() {
    assertThat(Layout.mappingKey(new MappingKey("orders", "order-42")))
        .isEqualTo("6:ordersorder-42");
  }

  @Test
  void mappingKey_sameNamespace_sharesOnePrefix() {
    assertThat(Layout.mappingKey(new MappingKey("a:b", "x")))
        .startsWith("3:a:b")
        .isNotEqualTo(Layout.mappingKey(new MappingKey("a", ":bx")));
  }

  @Test
  void decodeMappingKey_roundTripsAnyNames() {
    for (MappingKey key :
        new MappingKey[] {
          new MappingKey("orders", "order-42"),
          new MappingKey("a:b", ":c"),
          new MappingKey("12345678901", ""),
          new MappingKey("", "x"),
          new MappingKey("ü 🍤", "ü"),
        }) {
      assertThat(Layout.decodeMappingKey(Layout.mappingKey(key))).as("%s", key).isEqualTo(key);
    }
  }

  @Test
  void decodeMappingKey_malformed_isRefused() {
    assertThatThrownBy(() -> Layout.decodeMappingKey("orders"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Layout.decodeMappingKey("9:short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a mapping key: 9:short");
  }

  @Test
  void value_roundTripsIdAndExpiry() {
    byte[] value = Layout.value("orders-1@a:7233 ✓", 1_700_000_000_123L);

    assertThat(Layout.physicalId(value)).isEqualTo("orders-1@a:7233 ✓");
    assertThat(Layout.expiresAt(value)).isEqualTo(1_700_000_000_123L);
  }

  @Test
  void expiryKey_sortsByExpiryThenKey() {
    String early = Layout.expiryKey(0xff, "6:orderszzz");
    String late = Layout.expiryKey(0x1000, "6:ordersaaa");

    assertThat(early).isEqualTo("00000000000000ff6:orderszzz");
    assertThat(early).isLessThan(late);
    assertThat(Layout.expiryKey(Long.MAX_VALUE, "k")).isGreaterThan(late);
  }

  @Test
  void expiryKey_roundTripsExpiryAndMappingKey() {
    String expiryKey = Layout.expiryKey(1_700_000_000_123L, "6:orders0123456789abcdef");

    assertThat(Layout.expiryOf(expiryKey)).isEqualTo(1_700_000_000_123L);
    assertThat(Layout.mappingKeyOf(expiryKey)).isEqualTo("6:orders0123456789abcdef");
  }
}
