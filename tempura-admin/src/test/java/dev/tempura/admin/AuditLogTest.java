package dev.tempura.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditLogTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void secretQueryParametersAreRedactedByTheirDecodedName() {
    assertThat(
            AuditLog.query("token=a&name=b&%74oken=c&Password=d&x-api-key=e&key=f&monkey=g&trace"))
        .isEqualTo(
            "token=[redacted]&name=b&%74oken=[redacted]&Password=[redacted]&x-api-key=[redacted]"
                + "&key=[redacted]&monkey=g&trace");
    assertThat(AuditLog.query("access_token=a&api_key=b&client_secret=c&signature=d"))
        .isEqualTo(
            "access_token=[redacted]&api_key=[redacted]&client_secret=[redacted]&signature=[redacted]");
    assertThat(AuditLog.query("a=1&&b=%zz")).isEqualTo("a=1&&b=%zz");
    assertThat(AuditLog.query("")).isEmpty();
    assertThat(AuditLog.query(null)).isNull();
  }

  @Test
  void aRecordRedactsItsQueryAndBody_andKeepsTheRest() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AuditLog audit = AuditLog.toStream(new PrintStream(out, true, StandardCharsets.UTF_8));

    audit.record(
        new AuditLog.Event(
            Instant.parse("2025-01-01T12:00:00Z"),
            "10.0.0.7:51234",
            "ops",
            "token",
            "POST",
            "/namespace/virtual/create",
            "token=q-secret&trace=1",
            "{\"name\": \"a\", \"nested\": {\"password\": \"b-secret\"}}"
                .getBytes(StandardCharsets.UTF_8),
            200));

    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain("q-secret").doesNotContain("b-secret").endsWith("\n");
    JsonNode line = JSON.readTree(text);
    assertThat(line.get("query").asText()).isEqualTo("token=[redacted]&trace=1");
    assertThat(line.get("body").get("name").asText()).isEqualTo("a");
    assertThat(line.get("body").get("nested").get("password").asText()).isEqualTo("[redacted]");
    assertThat(line.get("identity").asText()).isEqualTo("ops");
    assertThat(line.get("outcome").asText()).isEqualTo("ok");
  }
}
