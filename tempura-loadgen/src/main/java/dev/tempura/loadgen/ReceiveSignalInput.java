package dev.tempura.loadgen;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The argument of {@code ReceiveSignal}: {@code {"Count": 1, "Name": "go"}} waits for one signal
 * named {@code go}. As in benchmark-workers, a missing argument means a count of zero, so the
 * workflow completes without waiting.
 */
@JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ReceiveSignalInput(
    @JsonProperty("Count") int count, @JsonProperty("Name") String name) {}
