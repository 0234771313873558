package dev.tempura.loadgen;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One step of the {@code DSL} workflow, with benchmark-workers' one-letter JSON names: {@code {"a":
 * "Echo", "i": {"Message": "test"}, "r": 3, "p": 1024}} runs an activity, {@code {"c": [...]}} runs
 * the nested steps as a child {@code DSL} workflow.
 *
 * @param activity the activity type to run, if any
 * @param input that activity's argument
 * @param child steps for a child workflow, if any
 * @param repeat how many times to run the step; below 1 means once
 * @param paddingSize bytes of {@code Padding} added to an object input, to grow the history
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DslStep(
    @JsonProperty("a") String activity,
    @JsonProperty("i") JsonNode input,
    @JsonProperty("c") List<DslStep> child,
    @JsonProperty("r") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int repeat,
    @JsonProperty("p") @JsonInclude(JsonInclude.Include.NON_DEFAULT) int paddingSize) {

  public DslStep {
    input = input == null || input.isNull() || input.isMissingNode() ? null : input;
    child = child == null ? List.of() : List.copyOf(child);
  }
}
