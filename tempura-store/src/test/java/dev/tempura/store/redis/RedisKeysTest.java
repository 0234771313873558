package dev.tempura.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tempura.store.MappingKey;
import dev.tempura.store.redis.RedisKeys.ScanPosition;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
  private final RedisKeys keys = new RedisKeys("tempura:");

  @Test
  void mappingKey_prefixesTheNamespaceWithItsLengthInUtf8Bytes() {
    assertThat(keys.mappingKey(new MappingKey("orders", "order-42")))
        .isEqualTo("tempura:wf:6:orders:order-42");
    assertThat(keys.mappingKey(new MappingKey("ördérs", "x"))).isEqualTo("tempura:wf:8:ördérs:x");
    assertThat(keys.mappingKey(new MappingKey("🍤", "x"))).isEqualTo("tempura:wf:4:🍤:x");
  }

  @Test
  void decodeMappingKey_roundTripsAnyNames() {
    for (MappingKey key :
        new MappingKey[] {
          new MappingKey("orders", "order-42"),
          new MappingKey("a:b", ":c:"),
          new MappingKey("12:x", "y"),
          new MappingKey("", ""),
          new MappingKey("🍤 ü", "wf:1:x:y"),
        }) {
      assertThat(keys.decodeMappingKey(keys.mappingKey(key))).as("%s", key).isEqualTo(key);
    }
  }

  @Test
  void decodeMappingKey_foreignKeys_areNotMappings() {
    assertThat(keys.decodeMappingKey("other:wf:6:orders:x")).isNull();
    assertThat(keys.decodeMappingKey("tempura:topology")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:x:orders:x")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:6orders:x")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:99:short:x")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:6:ordersx")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:-1:x")).isNull();
    assertThat(keys.decodeMappingKey("tempura:wf:9999999999:x")).isNull();
    // a length that ends inside a two-byte character
    assertThat(keys.decodeMappingKey("tempura:wf:1:ö:x")).isNull();
  }

  @Test
  void mappingPattern_escapesGlobCharactersOfThePrefix() {
    assertThat(new RedisKeys("t[1]*?\\:").mappingPattern()).isEqualTo("t\\[1\\]\\*\\?\\\\:wf:*");
    assertThat(keys.mappingPattern()).isEqualTo("tempura:wf:*");
  }

  @Test
  void topologyKeyAndChannel_shareOneName() {
    assertThat(keys.topologyKey()).isEqualTo("tempura:topology");
    assertThat(keys.topologyChannel()).isEqualTo("tempura:topology");
  }

  @Test
  void cursors_roundTripInTheirOwnModeOnly() {
    ScanPosition standalone = new ScanPosition(ScanPosition.STANDALONE, "123456789012");
    ScanPosition cluster = new ScanPosition(5461, "17");

    assertThat(RedisKeys.decodeCursor(RedisKeys.encodeCursor(standalone), false))
        .isEqualTo(standalone);
    assertThat(RedisKeys.decodeCursor(RedisKeys.encodeCursor(cluster), true)).isEqualTo(cluster);
    assertThatThrownBy(() -> RedisKeys.decodeCursor(RedisKeys.encodeCursor(cluster), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cursor: not a scan cursor of this store");
    assertThatThrownBy(() -> RedisKeys.decodeCursor(RedisKeys.encodeCursor(standalone), true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void cursors_tamperedWith_areRefused() {
    for (String plain : new String[] {"s", "sx", "s-1", "c16384:0", "c:0", "c1:", "c1:x", "x1"}) {
      String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(UTF_8));
      assertThatThrownBy(() -> RedisKeys.decodeCursor(cursor, plain.startsWith("c")))
          .as(plain)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("cursor: not a scan cursor of this store");
    }
  }
}
