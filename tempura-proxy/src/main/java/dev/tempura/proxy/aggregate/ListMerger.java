package dev.tempura.proxy.aggregate;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.tempura.proxy.aggregate.CompositePageToken.Cursor;
import dev.tempura.proxy.aggregate.CompositePageToken.Mode;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Status;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Pages through a list across every physical namespace.
 *
 * <p><b>Ordered</b> (workflow executions): a k-way merge in Temporal's default visibility order
 * (open first, then by close time, newest first; ties by start time, newest first). Each backend is
 * asked for enough items past its cursor to fill a whole page, and only items that no backend can
 * still precede are returned, so pages are exact even when a backend caps its page size.
 * <b>Concat</b> (unordered scans and everything else): backends one after another, in a stable
 * order, each page filled across the boundary. Either way the page size is honoured and every item
 * is returned once, as long as the data does not change between pages (as for Temporal itself).
 */
final class ListMerger {
  private static final int DEFAULT_PAGE_SIZE = 1000;

  private static final Comparator<Timestamp> NEWEST_FIRST =
      ((Comparator<Timestamp>) ListMerger::compareTimestamps).reversed();

  /** Open workflows (no close time) first; then by close time, then start time, newest first. */
  static final Comparator<Message> VISIBILITY_ORDER =
      Comparator.<Message, Timestamp>comparing(
              m ->
                  ((WorkflowExecutionInfo) m).hasCloseTime()
                      ? ((WorkflowExecutionInfo) m).getCloseTime()
                      : null,
              Comparator.nullsFirst(NEWEST_FIRST))
          .thenComparing(m -> ((WorkflowExecutionInfo) m).getStartTime(), NEWEST_FIRST)
          .thenComparing(m -> ((WorkflowExecutionInfo) m).getExecution().getRunId());

  private static int compareTimestamps(Timestamp a, Timestamp b) {
    int c = Long.compare(a.getSeconds(), b.getSeconds());
    return c != 0 ? c : Integer.compare(a.getNanos(), b.getNanos());
  }

  /**
   * How one list method looks.
   *
   * @param itemsFields the repeated fields of the response that hold the items
   * @param pageSizeField the request's page size field, or null when it has none
   * @param ordered merge in visibility order (only for WorkflowExecutionInfo items)
   */
  record Spec(List<String> itemsFields, String pageSizeField, boolean ordered) {}

  private final Spec spec;
  private final Fanout fanout;
  private final Message request;
  private final Message responsePrototype;
  private final Descriptor reqType;
  private final Descriptor respType;

  ListMerger(Spec spec, Fanout fanout, Message request, Message responsePrototype) {
    this.spec = spec;
    this.fanout = fanout;
    this.request = request;
    this.responsePrototype = responsePrototype;
    this.reqType = request.getDescriptorForType();
    this.respType = responsePrototype.getDescriptorForType();
  }

  CompletableFuture<Message> run(VirtualNamespace vns, String methodName) {
    int pageSize = pageSize();
    boolean ordered = spec.ordered() && !hasCustomOrder();
    int binding = binding(methodName);
    byte[] token =
        ((ByteString) request.getField(reqType.findFieldByName("next_page_token"))).toByteArray();
    List<PhysicalNamespace> backends = new ArrayList<>(vns.physicalNamespaces());
    backends.sort(Comparator.comparing(PhysicalNamespace::id));
    List<Cursor> cursors;
    if (token.length == 0) {
      cursors = new ArrayList<>();
      for (PhysicalNamespace p : backends) {
        cursors.add(new Cursor(p.id(), new byte[0], 0, false));
      }
    } else {
      CompositePageToken decoded;
      try {
        decoded = CompositePageToken.decode(token, binding);
      } catch (IllegalArgumentException e) {
        throw Status.INVALID_ARGUMENT
            .withDescription("invalid page token: " + e.getMessage())
            .asRuntimeException();
      }
      cursors = new ArrayList<>(decoded.cursors);
    }
    return ordered
        ? ordered(vns, cursors, pageSize, binding)
        : concat(vns, cursors, pageSize, binding);
  }

  private int pageSize() {
    if (spec.pageSizeField() == null) {
      return DEFAULT_PAGE_SIZE;
    }
    int n = ((Number) request.getField(reqType.findFieldByName(spec.pageSizeField()))).intValue();
    return n > 0 ? n : DEFAULT_PAGE_SIZE;
  }

  private boolean hasCustomOrder() {
    FieldDescriptor q = reqType.findFieldByName("query");
    if (q == null) {
      return false;
    }
    // quoted values ('Report: order by region') are data, not clauses
    String unquoted =
        ((String) request.getField(q))
            .replaceAll("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"|`[^`]*`", "''");
    return unquoted.toUpperCase(Locale.ROOT).matches("(?s).*\\bORDER\\s+BY\\b.*");
  }

  /** Ties the token to the method and every request field but the paging ones. */
  private int binding(String methodName) {
    Message.Builder b = request.toBuilder();
    b.clearField(reqType.findFieldByName("next_page_token"));
    if (spec.pageSizeField() != null) {
      b.clearField(reqType.findFieldByName(spec.pageSizeField()));
    }
    return 31 * methodName.hashCode() + Arrays.hashCode(b.build().toByteArray());
  }

  private record Page(PhysicalNamespace from, List<Message> items, byte[] next) {}

  private CompletableFuture<Page> fetch(PhysicalNamespace p, byte[] token, int size) {
    Message.Builder b = request.toBuilder();
    b.setField(reqType.findFieldByName("next_page_token"), ByteString.copyFrom(token));
    if (spec.pageSizeField() != null) {
      b.setField(reqType.findFieldByName(spec.pageSizeField()), size);
    }
    return fanout
        .send(p, b.build(), responsePrototype)
        .thenApply(
            a -> {
              List<Message> items = new ArrayList<>();
              for (String f : spec.itemsFields()) {
                for (Object o : (List<?>) a.message().getField(respType.findFieldByName(f))) {
                  items.add((Message) o);
                }
              }
              byte[] next =
                  ((ByteString) a.message().getField(respType.findFieldByName("next_page_token")))
                      .toByteArray();
              return new Page(p, items, next);
            });
  }

  private static PhysicalNamespace find(VirtualNamespace vns, String id) {
    return vns.find(id).orElse(null);
  }

  private CompletableFuture<Message> ordered(
      VirtualNamespace vns, List<Cursor> cursors, int n, int binding) {
    List<CompletableFuture<Page>> pages = new ArrayList<>();
    List<Cursor> live = new ArrayList<>();
    for (Cursor c : cursors) {
      PhysicalNamespace p = find(vns, c.physicalId());
      if (c.done() || p == null) {
        continue; // a physical namespace removed mid-listing has nothing more to give
      }
      live.add(c);
      pages.add(fetch(p, c.token(), c.skip() + n));
    }
    return CompletableFuture.allOf(pages.toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              // candidates per backend, past what earlier pages consumed
              List<List<Message>> candidates = new ArrayList<>();
              Message boundary = null;
              for (int i = 0; i < live.size(); i++) {
                Page page = pages.get(i).join();
                int skip = Math.min(live.get(i).skip(), page.items().size());
                List<Message> rest = page.items().subList(skip, page.items().size());
                candidates.add(rest);
                if (page.next().length > 0 && !rest.isEmpty()) {
                  // this backend has more beyond its last candidate: nothing after it is safe yet
                  Message last = rest.get(rest.size() - 1);
                  if (boundary == null || VISIBILITY_ORDER.compare(last, boundary) < 0) {
                    boundary = last;
                  }
                }
              }
              int[] taken = new int[live.size()];
              List<Message> out = new ArrayList<>(n);
              while (out.size() < n) {
                int best = -1;
                for (int i = 0; i < candidates.size(); i++) {
                  if (taken[i] < candidates.get(i).size()
                      && (best < 0
                          || VISIBILITY_ORDER.compare(
                                  candidates.get(i).get(taken[i]),
                                  candidates.get(best).get(taken[best]))
                              < 0)) {
                    best = i;
                  }
                }
                if (best < 0) {
                  break;
                }
                Message next = candidates.get(best).get(taken[best]);
                if (boundary != null && VISIBILITY_ORDER.compare(next, boundary) > 0) {
                  break;
                }
                out.add(next);
                taken[best]++;
              }
              List<Cursor> nextCursors = new ArrayList<>();
              for (Cursor c : cursors) {
                int i = live.indexOf(c);
                if (i < 0) {
                  nextCursors.add(new Cursor(c.physicalId(), c.token(), c.skip(), true));
                  continue;
                }
                nextCursors.add(advance(c, pages.get(i).join(), c.skip() + taken[i]));
              }
              return build(out, new CompositePageToken(Mode.ORDERED, binding, nextCursors));
            });
  }

  private CompletableFuture<Message> concat(
      VirtualNamespace vns, List<Cursor> cursors, int n, int binding) {
    List<Message> out = new ArrayList<>(n);
    List<Cursor> state = new ArrayList<>(cursors);
    return concatStep(vns, state, 0, out, n)
        .thenApply(v -> build(out, new CompositePageToken(Mode.CONCAT, binding, state)));
  }

  /** Fills {@code out} from the first unfinished backend on, one page call at a time. */
  private CompletableFuture<Void> concatStep(
      VirtualNamespace vns, List<Cursor> state, int from, List<Message> out, int n) {
    int i = from;
    while (i < state.size()
        && (state.get(i).done() || find(vns, state.get(i).physicalId()) == null)) {
      Cursor c = state.get(i);
      state.set(i, new Cursor(c.physicalId(), new byte[0], 0, true));
      i++;
    }
    if (i >= state.size() || out.size() >= n) {
      return CompletableFuture.completedFuture(null);
    }
    int index = i;
    Cursor c = state.get(index);
    int want = n - out.size();
    return fetch(find(vns, c.physicalId()), c.token(), c.skip() + want)
        .thenCompose(
            page -> {
              int skip = Math.min(c.skip(), page.items().size());
              List<Message> rest = page.items().subList(skip, page.items().size());
              int take = Math.min(want, rest.size());
              out.addAll(rest.subList(0, take));
              Cursor next = advance(c, page, c.skip() + take);
              state.set(index, next);
              if (out.size() >= n) {
                return CompletableFuture.completedFuture(null);
              }
              return concatStep(vns, state, next.done() ? index + 1 : index, out, n);
            });
  }

  /**
   * Where a backend stands after {@code consumed} items counted from its cursor's token: still
   * inside the page fetched, or past it (a backend that capped the page size may leave part of the
   * skip for its next page).
   */
  private static Cursor advance(Cursor c, Page page, int consumed) {
    if (consumed < page.items().size()) {
      return new Cursor(c.physicalId(), c.token(), consumed, false);
    }
    if (page.next().length == 0) {
      return new Cursor(c.physicalId(), new byte[0], 0, true);
    }
    return new Cursor(c.physicalId(), page.next(), consumed - page.items().size(), false);
  }

  private Message build(List<Message> items, CompositePageToken token) {
    Message.Builder b = responsePrototype.newBuilderForType();
    // items of several repeated fields (ListWorkers) go back to the field they came from
    Map<Descriptor, FieldDescriptor> fieldByType = new HashMap<>();
    for (String f : spec.itemsFields()) {
      FieldDescriptor fd = respType.findFieldByName(f);
      fieldByType.put(fd.getMessageType(), fd);
    }
    for (Message m : items) {
      b.addRepeatedField(fieldByType.get(m.getDescriptorForType()), m);
    }
    if (!token.allDone()) {
      b.setField(respType.findFieldByName("next_page_token"), ByteString.copyFrom(token.encode()));
    }
    return b.build();
  }
}
