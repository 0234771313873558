package dev.tempura.proxy.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.tempura.proxy.backend.BackendCaller;
import dev.tempura.proxy.backend.BackendChannels;
import dev.tempura.proxy.call.ProxyCall;
import dev.tempura.proxy.routing.ByteMarshaller;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.translate.Translations;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import dev.tempura.topology.VirtualNamespace;
import io.grpc.Context;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsResponse;
import io.temporal.api.workflowservice.v1.WorkflowServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ListMerger} over hand-made pages: the ordered k-way merge in visibility order, the concat
 * of unordered listings, and the composite page token that carries each backend's place.
 *
 * <p>ListMerger reaches its backends through {@link Fanout} and {@link BackendCaller}, which call a
 * cluster address; so the backends here are one small local server that answers
 * ListWorkflowExecutions from lists the test sets, per physical namespace, with its own offset
 * tokens and, if asked, a cap on its page size. No Temporal server is involved.
 */
class ListMergerTest {
  private static final String METHOD =
      WorkflowServiceGrpc.getListWorkflowExecutionsMethod().getFullMethodName();
  private static final String VIRTUAL = "virt";

  private static Server server;
  private static BackendChannels channels;
  private static RoutingTable routes;
  private static Translations translations;
  private static ClusterAddress address;

  /** physical namespace name → its executions, in the backend's own (visibility) order */
  private static final Map<String, List<WorkflowExecutionInfo>> lists = new ConcurrentHashMap<>();

  /** physical namespace name → the largest page it answers */
  private static final Map<String, Integer> caps = new ConcurrentHashMap<>();

  private static final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startBackend() throws IOException {
    MethodDescriptor<byte[], byte[]> list =
        WorkflowServiceGrpc.getListWorkflowExecutionsMethod().toBuilder(
                ByteMarshaller.INSTANCE, ByteMarshaller.INSTANCE)
            .build();
    ServerMethodDefinition<byte[], byte[]> definition =
        ServerMethodDefinition.create(
            list,
            ServerCalls.asyncUnaryCall(
                (request, answer) -> {
                  try {
                    answer.onNext(
                        page(ListWorkflowExecutionsRequest.parseFrom(request)).toByteArray());
                    answer.onCompleted();
                  } catch (InvalidProtocolBufferException | RuntimeException e) {
                    answer.onError(
                        Status.INTERNAL.withDescription(e.toString()).asRuntimeException());
                  }
                }));
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .fallbackHandlerRegistry(
                new HandlerRegistry() {
                  @Override
                  public ServerMethodDefinition<?, ?> lookupMethod(
                      String methodName, String authority) {
                    return methodName.equals(METHOD) ? definition : null;
                  }
                })
            .build()
            .start();
    address = ClusterAddress.parse("127.0.0.1:" + server.getPort());
    channels = new BackendChannels(4 << 20);
    routes = dev.tempura.proxy.MethodTable.build();
    translations = new Translations(routes.schema());
  }

  @AfterAll
  static void stopBackend() {
    channels.close();
    server.shutdownNow();
  }

  @BeforeEach
  void clear() {
    lists.clear();
    caps.clear();
    calls.clear();
  }

  /** The fake backend: a page of its list from the offset in its token. */
  private static ListWorkflowExecutionsResponse page(ListWorkflowExecutionsRequest r) {
    calls.add(r.getNamespace());
    List<WorkflowExecutionInfo> all = lists.getOrDefault(r.getNamespace(), List.of());
    int from =
        r.getNextPageToken().isEmpty() ? 0 : Integer.parseInt(r.getNextPageToken().toStringUtf8());
    int size = r.getPageSize() > 0 ? r.getPageSize() : 1000;
    size = Math.min(size, caps.getOrDefault(r.getNamespace(), Integer.MAX_VALUE));
    int to = Math.min(all.size(), from + size);
    ListWorkflowExecutionsResponse.Builder b =
        ListWorkflowExecutionsResponse.newBuilder().addAllExecutions(all.subList(from, to));
    if (to < all.size()) {
      b.setNextPageToken(ByteString.copyFromUtf8(Integer.toString(to)));
    }
    return b.build();
  }

  // ---- ordered ----

  @Test
  void ordered_pagesFollowVisibilityOrderAcrossBackends_eachItemOnce() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put(
        "phys-a",
        sorted(open("a-open", 90), closed("a1", 10, 80), closed("a2", 5, 40), closed("a3", 1, 20)));
    lists.put("phys-b", sorted(open("b-open", 95), closed("b1", 30, 70), closed("b2", 2, 30)));

    List<List<String>> pages = listAll(vns, ordered(), "", 3);

    assertThat(pages)
        .containsExactly(
            List.of("b-open", "a-open", "a1"), List.of("b1", "a2", "b2"), List.of("a3"));
  }

  @Test
  void ordered_exactOrderWhenABackendCapsItsPageSize() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    List<WorkflowExecutionInfo> a = new ArrayList<>();
    List<WorkflowExecutionInfo> b = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      a.add(closed("a" + i, 1, 1000 - 2 * i)); // even close times
      b.add(closed("b" + i, 1, 999 - 2 * i)); // odd close times, each just after an a
    }
    lists.put("phys-a", sorted(a.toArray(WorkflowExecutionInfo[]::new)));
    lists.put("phys-b", sorted(b.toArray(WorkflowExecutionInfo[]::new)));
    caps.put("phys-b", 2);

    List<List<String>> pages = listAll(vns, ordered(), "", 5);

    // a page may stop short where the capped backend may still hold an earlier item, never overflow
    assertThat(pages).allSatisfy(p -> assertThat(p).isNotEmpty());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      expected.add("a" + i);
      expected.add("b" + i);
    }
    assertThat(pages.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(expected);
  }

  @Test
  void ordered_tiesByStartTimeThenRunId() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", sorted(closed("late-start", 20, 50), closed("same-x", 10, 50)));
    lists.put("phys-b", sorted(closed("early-start", 5, 50), closed("same-y", 10, 50)));

    List<String> all = listAll(vns, ordered(), "", 10).get(0);

    assertThat(all).containsExactly("late-start", "same-x", "same-y", "early-start");
  }

  @Test
  void ordered_withOrderByInTheQueryIsConcatenatedInstead() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", List.of(closed("a1", 1, 10), closed("a2", 1, 20)));
    lists.put("phys-b", List.of(closed("b1", 1, 30)));

    List<String> all =
        listAll(vns, ordered(), "WorkflowType = 'x' ORDER BY StartTime", 10).stream()
            .flatMap(List::stream)
            .toList();

    assertThat(all).containsExactly("a1", "a2", "b1");
  }

  @Test
  void ordered_orderByInsideAQuotedValueIsData() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", sorted(closed("a1", 1, 10)));
    lists.put("phys-b", sorted(closed("b1", 1, 30)));

    List<String> all = listAll(vns, ordered(), "Report = 'order by region'", 10).get(0);

    assertThat(all).containsExactly("b1", "a1");
  }

  // ---- concat ----

  @Test
  void concat_backendsOneAfterAnotherInIdOrder_pagesFilledAcrossTheBoundary() {
    VirtualNamespace vns = namespace("phys-b", "phys-a"); // listed by id, not topology order
    lists.put("phys-a", List.of(closed("a1", 1, 1), closed("a2", 1, 2), closed("a3", 1, 3)));
    lists.put("phys-b", List.of(closed("b1", 1, 9), closed("b2", 1, 8)));

    List<List<String>> pages = listAll(vns, unordered(), "", 2);

    assertThat(pages).containsExactly(List.of("a1", "a2"), List.of("a3", "b1"), List.of("b2"));
  }

  @Test
  void concat_backendThatCapsItsPageSizeStillFillsPages() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put(
        "phys-a",
        List.of(closed("a1", 1, 1), closed("a2", 1, 2), closed("a3", 1, 3), closed("a4", 1, 4)));
    lists.put("phys-b", List.of(closed("b1", 1, 9)));
    caps.put("phys-a", 1);

    List<List<String>> pages = listAll(vns, unordered(), "", 3);

    assertThat(pages).containsExactly(List.of("a1", "a2", "a3"), List.of("a4", "b1"));
  }

  @Test
  void concat_emptyBackendsAreSkipped_andTheLastPageHasNoToken() {
    VirtualNamespace vns = namespace("phys-a", "phys-b", "phys-c");
    lists.put("phys-b", List.of(closed("b1", 1, 9)));

    ListWorkflowExecutionsResponse first = run(vns, unordered(), request("", 10, ByteString.EMPTY));

    assertThat(ids(first)).containsExactly("b1");
    assertThat(first.getNextPageToken().isEmpty()).isTrue();
  }

  @Test
  void concat_aPhysicalNamespaceRemovedMidListingHasNothingMoreToGive() {
    VirtualNamespace both = namespace("phys-a", "phys-b");
    lists.put("phys-a", List.of(closed("a1", 1, 1), closed("a2", 1, 2)));
    lists.put("phys-b", List.of(closed("b1", 1, 9)));
    ListWorkflowExecutionsResponse first = run(both, unordered(), request("", 1, ByteString.EMPTY));
    assertThat(ids(first)).containsExactly("a1");

    VirtualNamespace onlyB = namespace("phys-b");
    ListWorkflowExecutionsResponse second =
        run(onlyB, unordered(), request("", 5, first.getNextPageToken()));

    assertThat(ids(second)).containsExactly("b1");
    assertThat(second.getNextPageToken().isEmpty()).isTrue();
  }

  // ---- the composite page token ----

  @Test
  void token_carriesEveryBackendsPlace_andThePageSizeMayChangeBetweenPages() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", sorted(closed("a1", 1, 50), closed("a2", 1, 30), closed("a3", 1, 10)));
    lists.put("phys-b", sorted(closed("b1", 1, 40), closed("b2", 1, 20)));

    ListWorkflowExecutionsResponse first = run(vns, ordered(), request("", 2, ByteString.EMPTY));
    assertThat(ids(first)).containsExactly("a1", "b1");
    CompositePageToken token =
        CompositePageToken.decode(first.getNextPageToken().toByteArray(), bindingOf(first));
    assertThat(token.mode).isEqualTo(CompositePageToken.Mode.ORDERED);
    assertThat(token.cursors)
        .extracting(CompositePageToken.Cursor::physicalId)
        .containsExactly(
            vns.physicalNamespaces().get(0).id(), vns.physicalNamespaces().get(1).id());
    assertThat(token.cursors).noneMatch(CompositePageToken.Cursor::done);

    ListWorkflowExecutionsResponse second =
        run(vns, ordered(), request("", 10, first.getNextPageToken()));

    assertThat(ids(second)).containsExactly("a2", "b2", "a3");
    assertThat(second.getNextPageToken().isEmpty()).isTrue();
  }

  @Test
  void token_ofAnotherQueryIsRefused() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", List.of(closed("a1", 1, 1), closed("a2", 1, 2)));
    ListWorkflowExecutionsResponse first =
        run(vns, ordered(), request("WorkflowType = 'x'", 1, ByteString.EMPTY));
    assertThat(first.getNextPageToken().isEmpty()).isFalse();

    assertThatThrownBy(
            () -> run(vns, ordered(), request("WorkflowType = 'y'", 1, first.getNextPageToken())))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("another listing or query");
            });
  }

  @Test
  void token_thatWasTamperedWithIsRefused() {
    VirtualNamespace vns = namespace("phys-a", "phys-b");
    lists.put("phys-a", List.of(closed("a1", 1, 1), closed("a2", 1, 2)));
    ListWorkflowExecutionsResponse first = run(vns, ordered(), request("", 1, ByteString.EMPTY));
    byte[] tampered = first.getNextPageToken().toByteArray();
    tampered[tampered.length / 2] ^= 1;

    assertThatThrownBy(() -> run(vns, ordered(), request("", 1, ByteString.copyFrom(tampered))))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(
            () -> run(vns, ordered(), request("", 1, ByteString.copyFromUtf8("backend-token"))))
        .isInstanceOf(StatusRuntimeException.class);
  }

  // ---- helpers ----

  private static ListMerger.Spec ordered() {
    return new ListMerger.Spec(List.of("executions"), "page_size", true);
  }

  private static ListMerger.Spec unordered() {
    return new ListMerger.Spec(List.of("executions"), "page_size", false);
  }

  private static VirtualNamespace namespace(String... physicalNames) {
    List<PhysicalNamespace> ps = new ArrayList<>();
    for (String name : physicalNames) {
      ps.add(new PhysicalNamespace(name, address, PhysicalNamespaceStatus.ACTIVE, 1));
    }
    return new VirtualNamespace(VIRTUAL, ps);
  }

  private static ListWorkflowExecutionsRequest request(
      String query, int pageSize, ByteString token) {
    return ListWorkflowExecutionsRequest.newBuilder()
        .setNamespace(VIRTUAL)
        .setQuery(query)
        .setPageSize(pageSize)
        .setNextPageToken(token)
        .build();
  }

  private static ListWorkflowExecutionsResponse run(
      VirtualNamespace vns, ListMerger.Spec spec, ListWorkflowExecutionsRequest request) {
    ProxyCall call =
        new ProxyCall(
            routes.route(METHOD),
            null,
            new Metadata(),
            request.toByteArray(),
            Context.ROOT,
            dev.tempura.proxy.call.CallObservers.NONE);
    Fanout fanout = new Fanout(call, vns.name(), translations, new BackendCaller(channels));
    try {
      return (ListWorkflowExecutionsResponse)
          new ListMerger(spec, fanout, request, ListWorkflowExecutionsResponse.getDefaultInstance())
              .run(vns, METHOD)
              .join();
    } catch (java.util.concurrent.CompletionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  /** Every page of a listing, following its tokens. */
  private static List<List<String>> listAll(
      VirtualNamespace vns, ListMerger.Spec spec, String query, int pageSize) {
    List<List<String>> pages = new ArrayList<>();
    ByteString token = ByteString.EMPTY;
    do {
      ListWorkflowExecutionsResponse page = run(vns, spec, request(query, pageSize, token));
      assertThat(page.getExecutionsCount()).isLessThanOrEqualTo(pageSize);
      pages.add(ids(page));
      token = page.getNextPageToken();
      assertThat(pages).as("pages of a finite list").hasSizeLessThan(100);
    } while (!token.isEmpty());
    return pages;
  }

  /** The binding a token carries (bytes 3 to 6 of layout version 1), read back from the token. */
  private static int bindingOf(ListWorkflowExecutionsResponse page) {
    byte[] t = page.getNextPageToken().toByteArray();
    return ((t[3] & 0xFF) << 24) | ((t[4] & 0xFF) << 16) | ((t[5] & 0xFF) << 8) | (t[6] & 0xFF);
  }

  private static List<String> ids(ListWorkflowExecutionsResponse r) {
    return r.getExecutionsList().stream().map(e -> e.getExecution().getWorkflowId()).toList();
  }

  private static List<WorkflowExecutionInfo> sorted(WorkflowExecutionInfo... infos) {
    List<WorkflowExecutionInfo> l = new ArrayList<>(List.of(infos));
    l.sort(ListMerger.VISIBILITY_ORDER);
    return l;
  }

  private static WorkflowExecutionInfo open(String id, long start) {
    return WorkflowExecutionInfo.newBuilder()
        .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id).setRunId("run-" + id))
        .setStartTime(Timestamps.fromSeconds(start))
        .build();
  }

  private static WorkflowExecutionInfo closed(String id, long start, long close) {
    return open(id, start).toBuilder().setCloseTime(Timestamps.fromSeconds(close)).build();
  }
}
