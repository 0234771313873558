package dev.tempura.loadgen;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The argument of the {@code Sleep} activity: {@code {"SleepTimeInSeconds": 3}}. */
@JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SleepInput(@JsonProperty("SleepTimeInSeconds") int sleepTimeInSeconds) {}
