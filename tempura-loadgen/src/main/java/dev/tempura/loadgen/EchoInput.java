package dev.tempura.loadgen;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The argument of the {@code Echo} activity: {@code {"Message": "test"}}. Unknown fields are
 * ignored because benchmark-workers' DSL adds a {@code Padding} field to grow histories.
 */
@JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EchoInput(@JsonProperty("Message") String message) {}
