package dev.tempura.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.temporal.api.common.v1.Payload;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The JSON that crosses the wire, through the SDK's default data converter, as a Go worker or
 * runner would see it.
 */
class WireFormatTest {
  static final String EXAMPLE_INPUT =
      "{ \"Count\": 10, \"Activity\": \"Echo\", \"Input\": { \"Message\": \"test\" } }";

  private static final DataConverter CONVERTER = DefaultDataConverter.STANDARD_INSTANCE;
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void theScenarioExampleInputDecodesIntoExecuteActivityInput() {
    ExecuteActivityInput input = decode(json(EXAMPLE_INPUT), ExecuteActivityInput.class);

    assertThat(input.count()).isEqualTo(10);
    assertThat(input.activity()).isEqualTo("Echo");
    assertThat(decode(input.input(), EchoInput.class)).isEqualTo(new EchoInput("test"));
  }

  @Test
  void executeActivityInputIsWrittenWithGoFieldNames() throws Exception {
    ExecuteActivityInput input =
        new ExecuteActivityInput(3, "Sleep", JSON.readTree("{\"SleepTimeInSeconds\":1}"));

    assertThat(JSON.readTree(encode(input)))
        .isEqualTo(
            JSON.readTree(
                "{\"Count\":3,\"Activity\":\"Sleep\",\"Input\":{\"SleepTimeInSeconds\":1}}"));
  }

  @Test
  void fieldNamesAreReadInAnyCaseAsGoDoes() {
    ExecuteActivityInput input =
        decode(
            json("{\"count\":2,\"ACTIVITY\":\"Echo\",\"input\":{\"message\":\"hi\"}}"),
            ExecuteActivityInput.class);

    assertThat(input.count()).isEqualTo(2);
    assertThat(input.activity()).isEqualTo("Echo");
    assertThat(decode(input.input(), EchoInput.class).message()).isEqualTo("hi");
  }

  @Test
  void aMissingOrNullActivityInputBecomesNullLikeGosNilInterface() {
    assertThat(
            decode(json("{\"Count\":1,\"Activity\":\"Sleep\"}"), ExecuteActivityInput.class)
                .input())
        .isNull();
    assertThat(
            decode(
                    json("{\"Count\":1,\"Activity\":\"Sleep\",\"Input\":null}"),
                    ExecuteActivityInput.class)
                .input())
        .isNull();
  }

  @Test
  void activityInputsIgnoreThePaddingTheDslAdds() {
    assertThat(decode(json("{\"Message\":\"m\",\"Padding\":\"AAEC\"}"), EchoInput.class))
        .isEqualTo(new EchoInput("m"));
    assertThat(decode(json("{\"SleepTimeInSeconds\":2,\"Padding\":\"AAEC\"}"), SleepInput.class))
        .isEqualTo(new SleepInput(2));
  }

  @Test
  void echoAnswersItsMessageAsAJsonString() {
    assertThat(
            new String(
                encodeBytes(new BenchmarkActivitiesImpl().echo(new EchoInput("test"))),
                StandardCharsets.UTF_8))
        .isEqualTo("\"test\"");
  }

  @Test
  void receiveSignalInputUsesCountAndName() throws Exception {
    assertThat(decode(json("{\"Count\":1,\"Name\":\"go\"}"), ReceiveSignalInput.class))
        .isEqualTo(new ReceiveSignalInput(1, "go"));
    assertThat(JSON.readTree(encode(new ReceiveSignalInput(2, "x"))))
        .isEqualTo(JSON.readTree("{\"Count\":2,\"Name\":\"x\"}"));
  }

  @Test
  void dslStepsUseOneLetterNamesAndOmitEmptyFieldsAsGoDoes() throws Exception {
    List<DslStep> steps =
        List.of(
            new DslStep("Echo", JSON.readTree("{\"Message\":\"test\"}"), null, 3, 0),
            new DslStep(null, null, List.of(new DslStep("Echo", null, null, 0, 512)), 0, 0));

    assertThat(JSON.readTree(encode(steps)))
        .isEqualTo(
            JSON.readTree(
                "[{\"a\":\"Echo\",\"i\":{\"Message\":\"test\"},\"r\":3},"
                    + "{\"c\":[{\"a\":\"Echo\",\"p\":512}]}]"));
  }

  @Test
  void runnerInputsAreSentAsTheJsonGiven() throws Exception {
    RunnerSettings settings = RunnerSettings.builder().input(EXAMPLE_INPUT).build();

    Object[] arguments = settings.arguments();

    assertThat(arguments).hasSize(1);
    assertThat(JSON.readTree(encode(arguments[0]))).isEqualTo(JSON.readTree(EXAMPLE_INPUT));
    assertThat(
            CONVERTER
                .toPayload(arguments[0])
                .orElseThrow()
                .getMetadataOrThrow("encoding")
                .toStringUtf8())
        .isEqualTo("json/plain");
  }

  private static Payload json(String text) {
    return CONVERTER.toPayload(RunnerSettings.parse(text)).orElseThrow();
  }

  private static <T> T decode(Payload payload, Class<T> type) {
    return CONVERTER.fromPayload(payload, type, type);
  }

  private static <T> T decode(JsonNode node, Class<T> type) {
    return decode(CONVERTER.toPayload(node).orElseThrow(), type);
  }

  private static String encode(Object value) {
    return new String(encodeBytes(value), StandardCharsets.UTF_8);
  }

  private static byte[] encodeBytes(Object value) {
    Optional<Payload> payload = CONVERTER.toPayload(value);
    return payload.orElseThrow().getData().toByteArray();
  }
}
