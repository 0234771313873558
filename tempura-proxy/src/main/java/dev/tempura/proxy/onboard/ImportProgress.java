package dev.tempura.proxy.onboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Locale;

/**
 * Where the import of one adopted physical namespace stands, as stored in the {@link
 * dev.tempura.store.ProgressStore} after every page, so that a restarted (or another) replica
 * resumes from the last page written instead of from scratch.
 *
 * <pre>{@code
 * {"state": "importing", "phase": "open", "listing": "visibility", "page_token": "base64...",
 *  "imported": 300, "mapped_elsewhere": 0, "pages": 3, "last_error": null,
 *  "started_at": 1700000000000, "updated_at": 1700000001000, "finished_at": 0, "owner": "..."}
 * }</pre>
 *
 * @param pageToken the token of the next page to list in {@code phase}; null for its first page
 * @param imported listed executions whose mapping names this namespace (new or already there)
 * @param mappedElsewhere listed executions whose id was already mapped to another namespace
 * @param owner the replica running the import; with {@code updatedAt}, its lease
 */
record ImportProgress(
    State state,
    Phase phase,
    Listing listing,
    byte[] pageToken,
    long imported,
    long mappedElsewhere,
    long pages,
    String lastError,
    long startedAt,
    long updatedAt,
    long finishedAt,
    String owner) {
  private static final ObjectMapper JSON = new ObjectMapper();

  enum State {
    /** Listing and writing; starts for unmapped ids are looked for on the namespace first. */
    IMPORTING,
    /** Every listed id is mapped; starts are placed as usual. */
    DONE,
    /** Listing keeps failing; retried, and starts are still looked for there first. */
    FAILED
  }

  /** Open executions first (they matter most), then closed ones still inside retention. */
  enum Phase {
    OPEN,
    CLOSED
  }

  /** Which visibility API lists the executions. */
  enum Listing {
    /** {@code ListWorkflowExecutions} with an {@code ExecutionStatus} query. */
    VISIBILITY,
    /**
     * {@code ListOpenWorkflowExecutions} / {@code ListClosedWorkflowExecutions}, for a backend that
     * answers UNIMPLEMENTED to the query API (the in-memory test server).
     */
    LEGACY
  }

  static ImportProgress begin(String owner, long now) {
    return new ImportProgress(
        State.IMPORTING, Phase.OPEN, Listing.VISIBILITY, null, 0, 0, 0, null, now, now, 0, owner);
  }

  ImportProgress claimedBy(String newOwner, long now) {
    return new ImportProgress(
        state,
        phase,
        listing,
        pageToken,
        imported,
        mappedElsewhere,
        pages,
        lastError,
        startedAt,
        now,
        finishedAt,
        newOwner);
  }

  /** After a page was listed and every id on it written. */
  ImportProgress afterPage(byte[] nextToken, int importedOnPage, int elsewhereOnPage, long now) {
    boolean lastPage = nextToken == null || nextToken.length == 0;
    Phase nextPhase = phase;
    byte[] token = lastPage ? null : nextToken;
    State nextState = State.IMPORTING;
    long finished = 0;
    if (lastPage && phase == Phase.OPEN) {
      nextPhase = Phase.CLOSED;
    } else if (lastPage) {
      nextState = State.DONE;
      finished = now;
    }
    return new ImportProgress(
        nextState,
        nextPhase,
        listing,
        token,
        imported + importedOnPage,
        mappedElsewhere + elsewhereOnPage,
        pages + 1,
        null,
        startedAt,
        now,
        finished,
        owner);
  }

  ImportProgress failing(String error, boolean failed, long now) {
    return new ImportProgress(
        failed ? State.FAILED : State.IMPORTING,
        phase,
        listing,
        pageToken,
        imported,
        mappedElsewhere,
        pages,
        error,
        startedAt,
        now,
        finishedAt,
        owner);
  }

  ImportProgress withListing(Listing next) {
    return new ImportProgress(
        state,
        phase,
        next,
        pageToken,
        imported,
        mappedElsewhere,
        pages,
        lastError,
        startedAt,
        updatedAt,
        finishedAt,
        owner);
  }

  /** The phase from its first page again: the backend no longer knows the stored token. */
  ImportProgress withoutPageToken() {
    return new ImportProgress(
        state,
        phase,
        listing,
        null,
        imported,
        mappedElsewhere,
        pages,
        lastError,
        startedAt,
        updatedAt,
        finishedAt,
        owner);
  }

  String encode() {
    ObjectNode node = JSON.createObjectNode();
    node.put("state", state.name().toLowerCase(Locale.ROOT));
    node.put("phase", phase.name().toLowerCase(Locale.ROOT));
    node.put("listing", listing.name().toLowerCase(Locale.ROOT));
    node.put(
        "page_token", pageToken == null ? null : Base64.getEncoder().encodeToString(pageToken));
    node.put("imported", imported);
    node.put("mapped_elsewhere", mappedElsewhere);
    node.put("pages", pages);
    node.put("last_error", lastError);
    node.put("started_at", startedAt);
    node.put("updated_at", updatedAt);
    node.put("finished_at", finishedAt);
    node.put("owner", owner);
    return node.toString();
  }

  /**
   * Reads a stored record, checked field by field; unknown fields (of a newer version) are ignored.
   *
   * @throws IllegalArgumentException naming what is wrong, for anything that is not a record
   */
  static ImportProgress decode(String json) {
    JsonNode node;
    try {
      node = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object");
    }
    String token = optionalText(node, "page_token");
    byte[] pageToken;
    try {
      pageToken = token == null ? null : Base64.getDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("page_token: not base64");
    }
    return new ImportProgress(
        enumOf(State.class, node, "state"),
        enumOf(Phase.class, node, "phase"),
        enumOf(Listing.class, node, "listing"),
        pageToken,
        count(node, "imported"),
        count(node, "mapped_elsewhere"),
        count(node, "pages"),
        optionalText(node, "last_error"),
        count(node, "started_at"),
        count(node, "updated_at"),
        count(node, "finished_at"),
        optionalText(node, "owner"));
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IllegalArgumentException(field + ": missing or not a string");
    }
    try {
      return Enum.valueOf(type, v.textValue().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": unknown value '" + v.textValue() + "'");
    }
  }

  private static long count(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
      throw new IllegalArgumentException(field + ": missing or not an integer >= 0");
    }
    return v.longValue();
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + ": not a string");
    }
    return v.textValue();
  }
}
