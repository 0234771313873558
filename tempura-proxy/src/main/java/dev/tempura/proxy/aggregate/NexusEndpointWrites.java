package dev.tempura.proxy.aggregate;

import dev.tempura.proxy.call.Errors;
import dev.tempura.topology.ClusterAddress;
import io.grpc.StatusRuntimeException;
import io.temporal.api.nexus.v1.Endpoint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The order of a Nexus endpoint write across the copy clusters ({@link NexusEndpoints}), and the
 * error of one that stopped half way: it names where the write was applied and where not, and says
 * that the same request completes it.
 */
final class NexusEndpointWrites {
  private NexusEndpointWrites() {}

  /**
   * Applies {@code op} to the copy clusters at {@code indexes}: the first alone (the primary, or
   * the copy whose id the client named), then the rest together. Completes with one answer per copy
   * cluster (null where nothing was done); fails naming where it was and was not applied. The copy
   * clusters not in {@code indexes} count as applied already (an earlier attempt's).
   */
  static CompletableFuture<List<Endpoint>> inOrder(
      NexusEndpointCopies.Copies copies,
      List<Integer> indexes,
      String verb,
      Function<Integer, CompletableFuture<Endpoint>> op) {
    Endpoint[] out = new Endpoint[copies.on().size()];
    Set<Integer> done = new LinkedHashSet<>();
    for (int i = 0; i < out.length; i++) {
      if (!indexes.contains(i)) {
        done.add(i);
      }
    }
    int first = indexes.get(0);
    return op.apply(first)
        .handle(
            (e, error) -> {
              if (error != null) {
                throw done.isEmpty()
                    ? Errors.toStatus(error)
                    : partial(copies, done, indexes, verb, error);
              }
              out[first] = e;
              done.add(first);
              return rest(copies, indexes.subList(1, indexes.size()), verb, op, out, done);
            })
        .thenCompose(f -> f);
  }

  /** As {@link #inOrder}, but the last index alone after all the others (deletes). */
  static CompletableFuture<Void> inOrderLast(
      NexusEndpointCopies.Copies copies,
      List<Integer> indexes,
      Function<Integer, CompletableFuture<Endpoint>> op) {
    Endpoint[] out = new Endpoint[copies.on().size()];
    List<Integer> before = indexes.subList(0, indexes.size() - 1);
    int last = indexes.get(indexes.size() - 1);
    Set<Integer> done = new LinkedHashSet<>();
    return rest(copies, before, "deleted", op, out, done)
        .thenCompose(
            v ->
                op.apply(last)
                    .handle(
                        (e, error) -> {
                          if (error != null) {
                            throw done.isEmpty()
                                ? Errors.toStatus(error)
                                : partial(copies, done, indexes, "deleted", error);
                          }
                          return null;
                        }));
  }

  /** Applies {@code op} to {@code indexes} together, adding each success to {@code done}. */
  static CompletableFuture<List<Endpoint>> rest(
      NexusEndpointCopies.Copies copies,
      List<Integer> indexes,
      String verb,
      Function<Integer, CompletableFuture<Endpoint>> op,
      Endpoint[] out,
      Set<Integer> done) {
    List<CompletableFuture<Endpoint>> each = new ArrayList<>();
    for (int i : indexes) {
      each.add(op.apply(i));
    }
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .handle(
            (v, ignored) -> {
              Throwable firstError = null;
              for (int k = 0; k < indexes.size(); k++) {
                try {
                  out[indexes.get(k)] = each.get(k).join();
                  done.add(indexes.get(k));
                } catch (RuntimeException e) {
                  if (firstError == null) {
                    firstError = e;
                  }
                }
              }
              if (firstError != null) {
                // nothing applied anywhere: the plain error, nothing to complete
                throw done.isEmpty()
                    ? Errors.toStatus(firstError)
                    : partial(copies, done, indexes, verb, firstError);
              }
              return java.util.Arrays.asList(out);
            });
  }

  /**
   * A write applied on some clusters and not on others: the failing cluster's status code when it
   * is about the request, else UNAVAILABLE (retryable); the message names both sides and says that
   * the same call completes it.
   */
  private static StatusRuntimeException partial(
      NexusEndpointCopies.Copies copies,
      Set<Integer> done,
      List<Integer> attempted,
      String verb,
      Throwable error) {
    StatusRuntimeException cause = Errors.toStatus(error);
    List<ClusterAddress> applied = new ArrayList<>();
    List<ClusterAddress> notApplied = new ArrayList<>();
    for (int i = 0; i < copies.on().size(); i++) {
      if (done.contains(i)) {
        applied.add(copies.on().get(i).clusterAddress());
      } else if (attempted.contains(i)) {
        notApplied.add(copies.on().get(i).clusterAddress());
      }
    }
    return cause
        .getStatus()
        .withDescription(
            "Nexus endpoint is incomplete: "
                + verb
                + " on "
                + applied
                + " but not on "
                + notApplied
                + " ("
                + cause.getStatus().getCode()
                + (cause.getStatus().getDescription() == null
                    ? ""
                    : ": " + cause.getStatus().getDescription())
                + "); send the same request again to complete it")
        .asRuntimeException();
  }
}
