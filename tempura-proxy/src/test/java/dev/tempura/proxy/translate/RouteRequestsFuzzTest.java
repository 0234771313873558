package dev.tempura.proxy.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.tempura.proxy.fuzz.FuzzHarness;
import dev.tempura.proxy.fuzz.SampleMessages;
import dev.tempura.proxy.routing.MethodRoute;
import dev.tempura.proxy.routing.RoutingTable;
import dev.tempura.proxy.token.InvalidTaskTokenException;
import dev.tempura.proxy.token.TaskTokens;
import dev.tempura.proxy.wire.MalformedMessageException;
import dev.tempura.proxy.wire.WireFields;
import dev.tempura.topology.ClusterAddress;
import dev.tempura.topology.PhysicalNamespace;
import dev.tempura.topology.PhysicalNamespaceStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the request path of every route in {@link RoutingTable}: arbitrary bytes sent as any
 * method's request are checked with {@link WireFields#validateTopLevel} and rewritten toward a
 * backend by {@link Translations#request}; each answers, or throws {@link
 * MalformedMessageException} or {@link InvalidTaskTokenException} (INVALID_ARGUMENT), within a
 * bound. When the input is a message protobuf itself accepts and the rewrite succeeds, the
 * rewritten bytes parse too: the proxy never turns a good request into a broken one.
 *
 * <p>{@link #request(byte[])} is Jazzer's: its first two bytes pick the route, the rest is the
 * request. {@link #everyRoute_seededRandomAndMutatedRequests()} fuzzes without Jazzer on every
 * build: per route, random bytes and mutations of well-formed samples of the request type.
 */
class RouteRequestsFuzzTest {
  static final Predicate<Throwable> ALLOWED =
      t -> t instanceof MalformedMessageException || t instanceof InvalidTaskTokenException;
  private static final String VIRTUAL = "virt";
  private static final PhysicalNamespace PHYS =
      new PhysicalNamespace(
          "phys", ClusterAddress.parse("127.0.0.1:7233"), PhysicalNamespaceStatus.ACTIVE, 1);

  private static RoutingTable table;
  private static List<MethodRoute> routes;
  private static Translations translations;
  private static Translation translation;

  @BeforeAll
  static void setUp() {
    table = dev.tempura.proxy.MethodTable.build();
    routes = List.copyOf(table.routes());
    translations = new Translations(table.schema());
    translation = translations.of(VIRTUAL, PHYS);
  }

  @FuzzTest(maxDuration = "120s")
  void request(byte[] data) {
    if (data.length < 2) {
      return;
    }
    MethodRoute route = routes.get(((data[0] & 0xFF) << 8 | (data[1] & 0xFF)) % routes.size());
    byte[] body = java.util.Arrays.copyOfRange(data, 2, data.length);
    FuzzHarness.one(body, ALLOWED, b -> check(route, b));
  }

  @Test
  void everyRoute_seededRandomAndMutatedRequests() {
    assertThat(routes).hasSizeGreaterThan(100);
    // the per-target budget is shared by all routes: each gets its slice of time and inputs
    Duration perRoute = FuzzHarness.budget().multipliedBy(2).dividedBy(routes.size());
    int runsPerRoute = Math.max(200, FuzzHarness.runs() / 10);
    int inputs = 0;
    int accepted = 0;
    long slowest = 0;
    for (MethodRoute route : routes) {
      FuzzHarness.Report r =
          FuzzHarness.run(
              route.bareMethodName(),
              runsPerRoute,
              perRoute,
              FuzzHarness.mix(seeds(route), 200),
              ALLOWED,
              b -> check(route, b));
      inputs += r.inputs();
      accepted += r.accepted();
      slowest = Math.max(slowest, r.maxCallNanos());
      // mutations of a valid request get through more often than not
      assertThat(r.accepted()).as(route.bareMethodName()).isPositive();
    }
    System.out.printf(
        "%d routes: %d inputs, %d accepted, slowest call %.1f ms%n",
        routes.size(), inputs, accepted, slowest / 1e6);
  }

  /**
   * Both calls on the same bytes, each on its own: the proxy validates before it translates, but
   * the translator must not rely on that. (Validation may refuse what protobuf accepts: groups,
   * which proto3 and Temporal's API never use, are refused on purpose.)
   */
  static void check(MethodRoute route, byte[] request) {
    MalformedMessageException invalid = null;
    try {
      WireFields.validateTopLevel(request);
    } catch (MalformedMessageException e) {
      invalid = e;
    }
    byte[] out = translations.request(route, request, translation);
    assertThat(out).isNotNull();
    if (parses(route, request)) {
      assertThat(parses(route, out))
          .as("a request protobuf accepts still parses after the rewrite")
          .isTrue();
    }
    if (invalid != null) {
      throw invalid;
    }
  }

  private static boolean parses(MethodRoute route, byte[] bytes) {
    try {
      DynamicMessage.parseFrom(route.requestType(), bytes);
      return true;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }

  /** Well-formed requests of the route's type: the virtual namespace, a valid task token. */
  static List<byte[]> seeds(MethodRoute route) {
    byte[] token = TaskTokens.wrap(PHYS.id(), "wf-1", new byte[] {1, 2, 3, 4});
    List<byte[]> seeds =
        new ArrayList<>(new SampleMessages(VIRTUAL, token, 4).samples(route.requestType(), 1, 4));
    seeds.add(new byte[0]);
    return seeds;
  }

  /**
   * The seed corpus of {@link #request(byte[])}, written by {@code SeedCorpusWriter}: one
   * well-formed request per route, behind the two bytes that pick the route.
   */
  static java.util.Map<String, byte[]> corpus() {
    if (routes == null) {
      setUp();
    }
    java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
    for (int i = 0; i < routes.size(); i++) {
      byte[] request = seeds(routes.get(i)).get(0);
      byte[] input = new byte[request.length + 2];
      input[0] = (byte) (i >>> 8);
      input[1] = (byte) i;
      System.arraycopy(request, 0, input, 2, request.length);
      out.put(routes.get(i).bareMethodName(), input);
    }
    return out;
  }
}
