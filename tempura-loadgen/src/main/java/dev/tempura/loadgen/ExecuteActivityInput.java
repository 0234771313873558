package dev.tempura.loadgen;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * The argument of {@code ExecuteActivity}: {@code {"Count": 10, "Activity": "Echo", "Input":
 * {"Message": "test"}}}.
 *
 * <p>Field names match benchmark-workers' Go struct, which has no json tags, so Go writes them
 * capitalised and reads them in any case; the case-insensitive format keeps a lowercase client
 * working against this worker as it would against theirs.
 *
 * @param input passed to every activity untouched, whatever its shape; null when absent
 */
@JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecuteActivityInput(
    @JsonProperty("Count") int count,
    @JsonProperty("Activity") String activity,
    @JsonProperty("Input") JsonNode input) {

  public ExecuteActivityInput {
    // an explicit JSON null and an absent field both reach Go's worker as a nil interface
    input = input == null || input.isNull() || input.isMissingNode() ? null : input;
  }
}
