package dev.tempura.faults;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of the reliability table: what one fault did to the workflows a client started. Each test
 * appends its row to {@code target/faults/results.jsonl}; {@link ReliabilityReport} renders the
 * rows.
 *
 * @param order where the row goes in the table
 * @param fault what was done, in a few words
 * @param setup the processes involved
 * @param issued starts the client meant to make
 * @param acknowledged starts the client saw acknowledged (at once, after SDK retries, or on a
 *     client retry)
 * @param completed acknowledged workflows that completed
 * @param workflowFailures acknowledged workflows that closed otherwise (failed, timed out, ...)
 * @param startAttemptsFailed start attempts that failed after the SDK's own retries
 * @param retriedThenAcknowledged starts with a failed attempt that a client retry got acknowledged
 * @param landedDespiteFailure of those, starts whose failed attempt had in fact started the
 *     workflow (the retry answered "already started")
 * @param neverAcknowledged starts that failed every attempt; the client knows they did not happen
 * @param lost acknowledged workflows that neither completed nor failed by the end of the drain, not
 *     counting {@code lostWithBackend}
 * @param lostWithBackend acknowledged workflows that lived on a backend that was killed: the
 *     in-memory server's state dies with it, as a cluster's would if its database were lost
 * @param placedOnLiveBackendsAfterFault workflows acknowledged after the fault began, all of which
 *     the surviving backends hold (the kill rows)
 * @param reachableThroughProxy finished workflows a describe through a live proxy found
 * @param checkedThroughProxy finished workflows asked for through a live proxy
 * @param longestStartGapMillis the longest time between two acknowledged starts during the load
 * @param recoveryMillis from the end of the fault until every workflow acknowledged before then had
 *     finished; -1 if some never did
 * @param scenarioMillis the test's whole run time
 * @param notes anything the numbers do not say
 */
record FaultResult(
    int order,
    String fault,
    String setup,
    int issued,
    int acknowledged,
    int completed,
    int workflowFailures,
    int startAttemptsFailed,
    int retriedThenAcknowledged,
    int landedDespiteFailure,
    int neverAcknowledged,
    int lost,
    int lostWithBackend,
    int placedOnLiveBackendsAfterFault,
    int reachableThroughProxy,
    int checkedThroughProxy,
    long longestStartGapMillis,
    long recoveryMillis,
    long scenarioMillis,
    String notes) {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Path resultsFile() {
    return Path.of(System.getProperty("tempura.faults.out", "target/faults"))
        .resolve("results.jsonl");
  }

  /** Appends this row as one JSON line. */
  void append(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(
          file,
          JSON.writeValueAsString(this) + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every row in {@code file}, the last one of each fault winning, in table order. */
  static List<FaultResult> read(Path file) {
    try {
      java.util.Map<String, FaultResult> byFault = new java.util.LinkedHashMap<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          FaultResult r = JSON.readValue(line, FaultResult.class);
          byFault.put(r.fault(), r);
        }
      }
      List<FaultResult> rows = new ArrayList<>(byFault.values());
      rows.sort(java.util.Comparator.comparingInt(FaultResult::order));
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
